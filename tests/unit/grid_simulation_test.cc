// Drives one holder and several volunteers of the real protocol core in one process, with a
// virtual clock and an in-memory network that drops, delays, duplicates and reorders.
// Volunteers and the holder crash and restart from their stores. Every run is seeded; a
// failure prints its seed, and the same seed always gives the same trace.
#include <gtest/gtest.h>

#include <map>
#include <queue>
#include <random>

#include "potluck/core/holder.h"
#include "potluck/core/volunteer.h"
#include "potluck/crypto/hash.h"
#include "potluck/store/sqlite_store.h"

#include "test_workload.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::SquareWorkload;

constexpr char kHolderEndpoint[] = "sim://holder";

struct SimOptions {
  int volunteers = 4;
  uint64_t units = 40;
  double drop = 0.1;
  double duplicate = 0.05;
  double crash_per_second = 0.05;  // per node
  int saboteurs = 0;
  Duration time_limit = 30min;
};

struct SimOutcome {
  bool finished = false;
  ProjectStatus status;
  uint64_t trace_hash = 0;
  uint64_t result_sum = 0;
};

class GridSim {
 public:
  GridSim(uint64_t seed, SimOptions options) : rng_(seed), options_(options) {
    workloads_.Add(std::make_unique<SquareWorkload>());
    holder_id_.bytes.fill(0xAA);
    ledger_ = std::move(SqliteStore::Open(":memory:").value());
    RestartHolder();
    for (int i = 0; i < options.volunteers; ++i) {
      Node node;
      node.id.bytes.fill(static_cast<uint8_t>(i + 1));
      node.store = std::move(SqliteStore::Open(":memory:").value());
      node.saboteur = i < options.saboteurs;
      volunteers_.push_back(std::move(node));
    }
    for (size_t i = 0; i < volunteers_.size(); ++i) RestartVolunteer(i);
  }

  SimOutcome Run() {
    potluck::Manifest m;
    m.workload = "square";
    m.workload_version = 1;
    m.units = options_.units;
    m.policy = {2, 6, 20s};
    Actions pushed;
    ledger_->Begin();
    project_ = holder_->Submit(EncodeManifest(m), now_, pushed).value();
    POTLUCK_CHECK(ledger_->Commit().ok());
    Dispatch(kHolder, std::move(pushed));

    const TimePoint end = now_ + options_.time_limit;
    std::uniform_real_distribution<double> unit(0, 1);
    for (TimePoint next_tick = now_; now_ < end; now_ += 10ms) {
      while (!events_.empty() && events_.top().at <= now_) {
        Event e = events_.top();
        events_.pop();
        Deliver(e);
      }
      if (now_ >= next_tick) {
        next_tick = now_ + 100ms;
        Step(kHolder, [&] { return holder_->Tick(now_); });
        for (size_t i = 0; i < volunteers_.size(); ++i) {
          Step(static_cast<int>(i), [&] { return volunteers_[i].core->Tick(now_); });
        }
        // Crashes: a node loses everything but its store, then starts again.
        double p = options_.crash_per_second / 10;
        if (unit(rng_) < p) RestartHolder();
        for (size_t i = 0; i < volunteers_.size(); ++i) {
          if (unit(rng_) < p) RestartVolunteer(i);
        }
        auto status = holder_->Describe(project_, false, now_);
        if (status->units.verified + status->units.failed == status->units.total) break;
      }
    }
    SimOutcome out;
    auto results = holder_->Describe(project_, true, now_);
    out.status = results.value();
    out.finished = out.status.units.verified == out.status.units.total;
    out.trace_hash = trace_;
    out.result_sum = nlohmann::json::parse(out.status.result_json)["sum"].get<uint64_t>();
    return out;
  }

 private:
  static constexpr int kHolder = -1;
  struct Node {
    PeerId id;
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<Volunteer> core;
    int generation = 0;
    bool saboteur = false;
  };
  struct Event {
    TimePoint at;
    uint64_t seq;
    int to;              // volunteer index or kHolder
    int generation;      // task completions of a crashed incarnation are void
    bool task_done = false;
    UnitKey unit;
    Inbound message;
    bool operator>(const Event& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  void RestartHolder() {
    holder_ = std::make_unique<Holder>(holder_id_, HolderConfig{.peer_timeout = 5s}, *ledger_, workloads_);
    POTLUCK_CHECK(holder_->Load(now_).ok());
  }

  void RestartVolunteer(size_t i) {
    Node& n = volunteers_[i];
    VolunteerConfig config;
    config.holders = {kHolderEndpoint};
    config.offer = {1, 0, {{"square", 1}}, "host", "", {}};
    n.core = std::make_unique<Volunteer>(n.id, config, *n.store);
    ++n.generation;
    POTLUCK_CHECK(n.core->Load(now_).ok());
    Step(static_cast<int>(i), [&] { return n.core->Start(now_); });
  }

  template <typename F>
  void Step(int node, F&& f) {
    auto begin = [&] { node == kHolder ? ledger_->Begin() : volunteers_[node].store->Begin(); };
    auto commit = [&] { return node == kHolder ? ledger_->Commit() : volunteers_[node].store->Commit(); };
    begin();
    Actions actions = f();
    POTLUCK_CHECK(commit().ok());
    Dispatch(node, std::move(actions));
  }

  void Dispatch(int from, Actions actions) {
    std::uniform_real_distribution<double> unit(0, 1);
    std::uniform_int_distribution<int> delay_ms(1, 80);
    for (Outgoing& out : actions.messages) {
      int to = kHolder;
      std::string link;
      if (from == kHolder) {
        to = static_cast<int>(out.to.peer.bytes[0]) - 1;
        link = kHolderEndpoint;
      }
      int copies = unit(rng_) < options_.drop ? 0 : (unit(rng_) < options_.duplicate ? 2 : 1);
      PeerId sender = from == kHolder ? holder_id_ : volunteers_[from].id;
      for (int c = 0; c < copies; ++c) {
        Event e{now_ + Duration(delay_ms(rng_)), seq_++, to, 0, false, {}, {sender, link, out.message}};
        events_.push(std::move(e));
      }
    }
    for (TaskStart& task : actions.tasks) {
      std::uniform_int_distribution<int> compute_ms(50, 2000);
      Event e{now_ + Duration(compute_ms(rng_)), seq_++, from, volunteers_[from].generation, true, task.unit, {}};
      events_.push(std::move(e));
    }
  }

  void Deliver(const Event& e) {
    trace_ = trace_ * 1099511628211ull ^ (e.seq + static_cast<uint64_t>(e.to) * 31 + e.task_done);
    if (e.to == kHolder) {
      Step(kHolder, [&] { return holder_->OnMessage(e.message, now_); });
      return;
    }
    Node& n = volunteers_[static_cast<size_t>(e.to)];
    if (e.task_done) {
      if (e.generation != n.generation) return;
      uint64_t value = n.saboteur ? 7777 : e.unit.index * e.unit.index;
      Step(e.to, [&] { return n.core->OnTaskDone(e.unit, SquareWorkload::Encode(value), now_); });
    } else {
      Step(e.to, [&] { return n.core->OnMessage(e.message, now_); });
    }
  }

  std::mt19937_64 rng_;
  SimOptions options_;
  WorkloadRegistry workloads_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
  PeerId holder_id_;
  std::unique_ptr<SqliteStore> ledger_;
  std::unique_ptr<Holder> holder_;
  std::vector<Node> volunteers_;
  ProjectId project_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  uint64_t trace_ = 14695981039346656037ull;
};

uint64_t SumOfSquares(uint64_t n) {
  uint64_t s = 0;
  for (uint64_t i = 0; i < n; ++i) s += i * i;
  return s;
}

TEST(GridSimulationTest, EveryUnitVerifiedDespiteLossCrashesAndRestarts) {
  for (uint64_t seed = 1; seed <= 100; ++seed) {
    SimOptions options;
    SimOutcome out = GridSim(seed, options).Run();
    ASSERT_TRUE(out.finished) << "seed " << seed << ": " << out.status.units.verified << "/" << out.status.units.total
                              << " verified, " << out.status.units.failed << " failed";
    ASSERT_EQ(out.result_sum, SumOfSquares(options.units)) << "seed " << seed;
  }
}

TEST(GridSimulationTest, SaboteurCannotGetAWrongResultAccepted) {
  for (uint64_t seed = 1000; seed < 1030; ++seed) {
    SimOptions options;
    options.volunteers = 5;
    options.saboteurs = 1;
    SimOutcome out = GridSim(seed, options).Run();
    ASSERT_TRUE(out.finished) << "seed " << seed;
    ASSERT_EQ(out.result_sum, SumOfSquares(options.units)) << "seed " << seed;
  }
}

TEST(GridSimulationTest, SameSeedGivesSameTrace) {
  SimOutcome a = GridSim(42, {}).Run();
  SimOutcome b = GridSim(42, {}).Run();
  SimOutcome c = GridSim(43, {}).Run();
  EXPECT_EQ(a.trace_hash, b.trace_hash);
  EXPECT_NE(a.trace_hash, c.trace_hash);
}

}  // namespace
}  // namespace potluck
