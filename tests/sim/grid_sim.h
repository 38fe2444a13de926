// A seeded simulation of a whole grid: the real protocol core of every node (membership,
// holders, volunteers) in one process, with a virtual clock and an in-memory network that
// drops, delays, duplicates, reorders and partitions. Nodes crash and restart from their
// stores; the coordinator can be lost for good; saboteurs return wrong results. The same seed
// always gives the same trace. Used by the simulation tests and the sabotage report.
#pragma once

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "potluck/core/node.h"
#include "potluck/store/sqlite_store.h"
#include "unit/fake_directory.h"
#include "unit/test_workload.h"

namespace potluck::testing {

using namespace std::chrono_literals;

struct SimOptions {
  bool coordinator = true;
  int workers = 4;
  int saboteurs = 0;
  bool collude = true;  // saboteurs all return the same wrong result
  // The share of its units a saboteur gets wrong; below 1 it builds a record between lies.
  double saboteur_wrong_rate = 1.0;
  // Every node computes from its own /24 network, except that with this the saboteurs share
  // one host: one person with many keys.
  bool saboteurs_share_a_host = false;
  QuorumPolicy policy{.min_quorum = 2, .max_replicas = 6, .deadline = std::chrono::seconds(20), .holders = 3};
  uint64_t units = 40;
  double drop = 0.05;
  double duplicate = 0.05;
  double crash_per_second = 0.02;  // per node
  Duration lose_coordinator_at{0};  // zero: never
  // From `partition_at` for `partition_for`, nodes of even and odd index cannot talk.
  Duration partition_at{0};
  Duration partition_for{0};
  Duration time_limit = 30min;
};

// A computing node's credit at the end, beside what it earned: its results that agree with
// the verdict of their unit over the union of every holder's ledger.
struct SimCredit {
  bool saboteur = false;
  Credit credit;
  uint64_t units_earned = 0;
  double cpu_seconds_earned = 0;
};

struct SimOutcome {
  bool finished = false;
  ProjectStatus status;         // as the checking node sees it
  uint64_t result_sum = 0;
  uint64_t trace_hash = 0;
  int holders_agreeing = 0;     // holders whose verified count and result match the checker's
  int holders = 0;
  uint64_t wrong_accepted = 0;  // verified units whose agreed result is wrong
  uint64_t leases_alone = 0;    // adaptive replication, as counted by the holders up at the end
  std::vector<SimCredit> credit;  // of every computing node
};

// The CPU seconds the simulated kernel reports for a unit: the same each time it is computed.
inline double SimCpuSeconds(uint64_t index) { return 0.25 * static_cast<double>(1 + index % 8); }

class GridSim {
 public:
  GridSim(uint64_t seed, SimOptions options) : rng_(seed), options_(options) {
    // Thousands of nodes' events would drown a failure; a quieter level set by the caller stays.
    if (spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
    workloads_.Add(std::make_unique<SquareWorkload>());
    int count = options.workers + (options.coordinator ? 1 : 0);
    for (int i = 0; i < count; ++i) {
      SimNode n;
      n.id = testing::TestPeer(static_cast<uint8_t>(i + 1));
      n.endpoint = "sim://node" + std::to_string(i);
      n.computes = !(options.coordinator && i == 0);
      n.saboteur = n.computes && (i - (options.coordinator ? 1 : 0)) < options.saboteurs;
      n.host = n.saboteur && options.saboteurs_share_a_host ? "10.0.255.2" : "10.0." + std::to_string(i) + ".2";
      n.store = std::move(SqliteStore::Open(":memory:").value());
      nodes_.push_back(std::move(n));
    }
    for (size_t i = 0; i < nodes_.size(); ++i) Restart(i);
  }

  SimOutcome Run() {
    Bytes manifest = testing::SquareManifest(options_.units, options_.policy);
    const ProjectId project = OpenManifest(manifest)->id;
    const TimePoint start = start_;
    // Submitted once the nodes had a few seconds to find each other, to node 0.
    bool submitted = false;
    std::uniform_real_distribution<double> unit(0, 1);
    for (TimePoint next_tick = now_; now_ < start + options_.time_limit; now_ += 10ms) {
      DeliverDue();
      if (now_ < next_tick) continue;
      next_tick = now_ + 100ms;
      if (!submitted && now_ - start >= 5s) {
        submitted = true;
        Step(0, [&](Node& n) { return n.OnMessage({client_, "", Envelope{client_, 7, SubmitProject{manifest}}, ""}, now_); });
      }
      if (options_.lose_coordinator_at.count() > 0 && options_.coordinator && now_ - start >= options_.lose_coordinator_at) {
        nodes_[0].down = true;
      }
      for (size_t i = 0; i < nodes_.size(); ++i) Step(i, [&](Node& n) { return n.Tick(now_); });
      double p = options_.crash_per_second / 10;
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (submitted && unit(rng_) < p) Restart(i);
      }
      if (submitted && Finished(project)) break;
    }
    // Let the holders exchange what is left, then check them all.
    for (TimePoint settle = now_ + 10s; now_ < settle; now_ += 10ms) {
      DeliverDue();
      if (ToUnixMs(now_) % 100 == 0) {
        for (size_t i = 0; i < nodes_.size(); ++i) Step(i, [&](Node& n) { return n.Tick(now_); });
      }
    }
    return Check(project);
  }

 private:
  struct SimNode {
    PeerId id;
    std::string endpoint;
    std::string host;  // the IP address it dials others from
    bool computes = true;
    bool saboteur = false;
    bool down = false;
    int generation = 0;
    std::unique_ptr<SqliteStore> store;
    std::unique_ptr<Node> node;
  };
  struct Event {
    TimePoint at;
    uint64_t seq;
    size_t to;
    int generation;  // task completions of a crashed incarnation are void
    bool task_done = false;
    UnitKey unit;
    Inbound message;
    bool operator>(const Event& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  void Restart(size_t i) {
    SimNode& n = nodes_[i];
    if (n.down) return;
    NodeConfig config;
    config.endpoint = n.endpoint;
    config.offer = {};
    config.offer.cores = 1;
    if (n.computes) {
      config.offer.workloads = {{"square", 1}};
      config.volunteer = VolunteerConfig{};
    }
    // Workers bootstrap through node 0: the coordinator, or the first worker.
    if (i != 0) config.membership.bootstrap = {nodes_[0].endpoint};
    config.holder.peer_timeout = 15s;
    n.node = std::make_unique<Node>(testing::TestIdentity(static_cast<uint8_t>(i + 1)), config, *n.store, *n.store, *n.store, workloads_, rng_());
    ++n.generation;
    POTLUCK_CHECK(n.node->Load(now_).ok());
    Step(i, [&](Node& node) { return node.Start(now_); });
  }

  template <typename F>
  void Step(size_t i, F&& f) {
    SimNode& n = nodes_[i];
    if (n.down) return;
    n.store->Begin();
    Actions actions = f(*n.node);
    POTLUCK_CHECK(n.store->Commit().ok());
    Dispatch(i, std::move(actions));
  }

  std::optional<size_t> ByEndpoint(const std::string& endpoint) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].endpoint == endpoint) return i;
    }
    return std::nullopt;
  }
  std::optional<size_t> ById(const PeerId& id) const {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i].id == id) return i;
    }
    return std::nullopt;
  }

  void Dispatch(size_t from, Actions actions) {
    std::uniform_real_distribution<double> unit(0, 1);
    std::uniform_int_distribution<int> delay_ms(1, 80);
    for (Outgoing& out : actions.messages) {
      // Dialled: the receiver sees it on its ROUTER (no link), from the sender's host. Answered:
      // the receiver sees it on the connection it dialled, named by the sender's endpoint.
      std::optional<size_t> to = out.to.endpoint.empty() ? ById(out.to.peer) : ByEndpoint(out.to.endpoint);
      if (!to) continue;
      const bool dialled = !out.to.endpoint.empty();
      std::string link = dialled ? "" : nodes_[from].endpoint;
      std::string host = dialled ? nodes_[from].host : "";
      if (Partitioned() && from % 2 != *to % 2) continue;
      int copies = unit(rng_) < options_.drop ? 0 : (unit(rng_) < options_.duplicate ? 2 : 1);
      for (int c = 0; c < copies; ++c) {
        events_.push({now_ + Duration(delay_ms(rng_)), seq_++, *to, 0, false, {}, {nodes_[from].id, link, out.message, host}});
      }
    }
    for (TaskStart& task : actions.tasks) {
      std::uniform_int_distribution<int> compute_ms(50, 2000);
      events_.push({now_ + Duration(compute_ms(rng_)), seq_++, from, nodes_[from].generation, true, task.unit, {}});
    }
  }

  void DeliverDue() {
    while (!events_.empty() && events_.top().at <= now_) {
      Event e = events_.top();
      events_.pop();
      Deliver(e);
    }
  }

  void Deliver(const Event& e) {
    trace_ = trace_ * 1099511628211ull ^ (e.seq + e.to * 31 + e.task_done);
    SimNode& n = nodes_[e.to];
    if (e.task_done) {
      if (e.generation != n.generation) return;
      // Colluders agree on one wrong value; the others are each wrong in their own way.
      const bool lies = n.saboteur && (options_.saboteur_wrong_rate >= 1 ||
                                       std::uniform_real_distribution<double>(0, 1)(rng_) < options_.saboteur_wrong_rate);
      uint64_t value = !lies ? e.unit.index * e.unit.index : options_.collude ? 7777 : 7777 + e.to;
      Step(e.to, [&](Node& node) {
        return node.OnTaskDone(e.unit, SquareWorkload::Encode(value), SimCpuSeconds(e.unit.index), now_);
      });
    } else {
      Step(e.to, [&](Node& node) { return node.OnMessage(e.message, now_); });
    }
  }

  bool Partitioned() const {
    return options_.partition_for.count() > 0 && now_ - start_ >= options_.partition_at &&
           now_ - start_ < options_.partition_at + options_.partition_for;
  }

  bool Finished(const ProjectId& project) {
    for (auto& n : nodes_) {
      if (n.down) continue;
      auto s = n.node->holder().Describe(project, false, now_);
      if (s.ok() && s->units.verified + s->units.failed == s->units.total) return true;
    }
    return false;
  }

  SimOutcome Check(const ProjectId& project) {
    SimOutcome out;
    out.trace_hash = trace_;
    // The checker is the last live node: never the one the project was submitted to.
    std::optional<ProjectStatus> reference;
    for (size_t i = nodes_.size(); i-- > 0;) {
      if (nodes_[i].down) continue;
      out.leases_alone += nodes_[i].node->holder().counters().leases_alone;
      auto s = nodes_[i].node->holder().Describe(project, true, now_);
      if (!s.ok()) continue;
      ++out.holders;
      if (!reference) {
        reference = s.value();
        out.status = s.value();
        out.finished = s->units.verified == s->units.total;
        auto result = nlohmann::json::parse(s->result_json);
        out.result_sum = result["sum"].get<uint64_t>();
        out.wrong_accepted = result["wrong"].get<uint64_t>();
      }
      out.holders_agreeing += s->units == reference->units && s->result_json == reference->result_json;
    }
    out.credit = CheckCredit(project);
    return out;
  }

  std::vector<SimCredit> CheckCredit(const ProjectId& project) {
    // The union of every holder's claims, the lost coordinator's included: any of them may
    // have told a peer its unit verified.
    std::map<uint64_t, std::map<PeerId, ClaimRecord>> claims;
    for (auto& n : nodes_) {
      auto ledger = n.store->LoadLedger();
      POTLUCK_CHECK(ledger.ok());
      for (const auto& row : ledger->claims) {
        if (row.unit.project != project) continue;
        claims[row.unit.index].try_emplace(row.peer, ClaimRecord{row.peer, row.hash, row.network, row.alone});
      }
    }
    std::map<PeerId, SimCredit> earned;
    for (const auto& [index, by_peer] : claims) {
      std::vector<ClaimRecord> records;
      for (const auto& [peer, record] : by_peer) records.push_back(record);
      Verdict v = potluck::Decide(records, options_.policy);
      if (v.state != UnitState::kVerified) continue;
      for (const ClaimRecord& r : records) {
        if (r.hash != v.hash) continue;
        ++earned[r.peer].units_earned;
        earned[r.peer].cpu_seconds_earned += SimCpuSeconds(index);
      }
    }
    std::vector<SimCredit> out;
    for (auto& n : nodes_) {
      if (!n.computes) continue;
      SimCredit c = earned[n.id];
      c.saboteur = n.saboteur;
      c.credit = n.node->volunteer()->credit();
      out.push_back(c);
    }
    return out;
  }

  std::mt19937_64 rng_;
  SimOptions options_;
  WorkloadRegistry workloads_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
  const TimePoint start_ = now_;
  PeerId client_ = testing::TestPeer(0xCC);
  std::vector<SimNode> nodes_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  uint64_t trace_ = 14695981039346656037ull;
};

}  // namespace potluck::testing
