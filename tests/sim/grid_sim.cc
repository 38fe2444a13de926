#include "sim/grid_sim.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <string_view>

#include "sim/grid_sim_node.h"
#include "unit/fake_directory.h"
#include "unit/test_workload.h"

namespace potluck::testing {
namespace {

constexpr Duration kStep = std::chrono::milliseconds(10);  // the virtual clock's resolution
constexpr Duration kTickEvery = std::chrono::milliseconds(100);
constexpr Duration kSubmitAfter = std::chrono::seconds(5);  // the nodes find each other first
constexpr Duration kSubmitRetry = std::chrono::seconds(3);
constexpr Duration kProgressEvery = std::chrono::seconds(10);
constexpr Duration kComputeMin = std::chrono::milliseconds(50), kComputeMax = std::chrono::milliseconds(2000);

std::array<double, kFaultPointCount> FaultRates(const SimOptions& o) {
  std::array<double, kFaultPointCount> rates{};
  rates[static_cast<size_t>(FaultPoint::kReplyForgotten)] = o.reply_forgotten;
  rates[static_cast<size_t>(FaultPoint::kReplicationSlow)] = o.replication_slow;
  rates[static_cast<size_t>(FaultPoint::kStoreCommitFails)] = o.store_commit_fails;
  return rates;
}

const char* BodyName(const Body& body) {
  static constexpr const char* kNames[] = {"Gossip",     "PeersRequest", "WorkRequest",   "LeaseGrant",  "ClaimBatch",
                                           "ClaimAck",   "SubmitProject", "ProjectRequest", "ProjectStatus", "Reply",
                                           "HoldRequest", "HoldAck",     "LedgerPush",    "LedgerAck",   "LeaseHandoff",
                                           "LeaseMoved", "CancelProject", "VerifiedNotice"};
  static_assert(std::size(kNames) == std::variant_size_v<Body>);
  return kNames[body.index()];
}

std::string Millis(Duration d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%9.3f", static_cast<double>(d.count()) / 1000);
  return buf;
}

}  // namespace

GridSim::GridSim(uint64_t seed, SimOptions options)
    : rng_(seed),
      options_(options),
      client_(TestPeer(0xCC)),
      network_(seed ^ 0x6e6574776f726bull, options_, static_cast<size_t>(options.workers + options.coordinator), now_),
      faults_(seed ^ 0x6661756c7473ull, FaultRates(options_), [this](FaultPoint p) {
        Note(0xFA000 + static_cast<uint64_t>(p));
        Trace([&] { return std::string("fault point ") + FaultPointName(p); });
      }) {
  // Thousands of nodes' events would drown a failure; a quieter level set by the caller stays.
  if (spdlog::get_level() < spdlog::level::warn) spdlog::set_level(spdlog::level::warn);
  const int count = options.workers + (options.coordinator ? 1 : 0);
  POTLUCK_CHECK(count >= 1 && count <= kSimNodesMax);
  // MemoryStore cannot roll a turn back.
  POTLUCK_CHECK(!options.memory_store || (options.crash_mid_turn == 0 && options.store_commit_fails == 0));
  if (options.count_traffic) traffic_ = std::make_shared<TrafficMeter>(static_cast<size_t>(count));
  by_id_.reserve(static_cast<size_t>(count));
  workloads_.Add(std::make_unique<SquareWorkload>());
  std::uniform_real_distribution<double> unit(-1, 1);
  nodes_.resize(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    SimNode& n = nodes_[static_cast<size_t>(i)];
    // Seeds apart from TestIdentity's, which fill all 32 bytes with one value.
    std::array<uint8_t, 32> key_seed;
    key_seed.fill(0x5A);
    const auto number = static_cast<uint32_t>(i);
    std::memcpy(key_seed.data(), &number, sizeof number);
    n.identity = std::make_unique<Identity>(Identity::FromSeed(key_seed));
    n.id = n.identity->id();
    by_id_.emplace(n.id, static_cast<size_t>(i));
    n.endpoint = "sim://node" + std::to_string(i);
    n.computes = !(options.coordinator && i == 0);
    n.saboteur = n.computes && (i - (options.coordinator ? 1 : 0)) < options.saboteurs;
    n.host = n.saboteur && options.saboteurs_share_a_host ? "10.0.255.2" : "10.0." + std::to_string(i) + ".2";
    n.clock_offset = Duration(static_cast<int64_t>(unit(rng_) * static_cast<double>(options.clock_offset_max.count())));
    n.clock_rate_ppm = unit(rng_) * options.clock_rate_ppm_max;
    n.store = NewStore();
  }
  for (size_t i = 0; i < nodes_.size(); ++i) Restart(i);
}

GridSim::~GridSim() = default;

std::unique_ptr<SimStore> GridSim::NewStore() const {
  return std::make_unique<SimStore>(options_.memory_store ? SimStore::Memory() : SimStore::Sqlite());
}

TimePoint GridSim::LocalTime(size_t i) const {
  const SimNode& n = nodes_[i];
  const Duration elapsed = now_ - start_;
  const auto drift = static_cast<int64_t>(static_cast<double>(elapsed.count()) * n.clock_rate_ppm / 1e6);
  return now_ + n.clock_offset + Duration(drift);
}

void GridSim::Trace(const std::function<std::string()>& line) {
  if (trace_out_) trace_out_(Millis(now_ - start_) + " " + line());
}

SimOutcome GridSim::Run() {
  const Bytes manifest = SquareManifest(options_.units, options_.policy);
  const ProjectId project = OpenManifest(manifest)->id;
  std::optional<TimePoint> finished_at;
  Trace([&] { return "options: " + DescribeOptions(options_); });
  for (TimePoint next_tick = now_; now_ < start_ + options_.time_limit; now_ += kStep) {
    DeliverDue();
    RestartDue();
    if (now_ < next_tick) continue;
    next_tick = now_ + kTickEvery;
    MaybeSubmit(manifest);
    if (options_.lose_coordinator_at.count() > 0 && options_.coordinator && !nodes_[0].lost &&
        now_ - start_ >= options_.lose_coordinator_at) {
      Trace([] { return std::string("node 0 lost for good"); });
      nodes_[0].lost = true;
      nodes_[0].node.reset();
      nodes_[0].down_until.reset();
    }
    TickAll();
    if (submitted_at_) MaybeCrash();
    // Once a virtual second: asking every holder costs time in proportion to the open units.
    if (progress_ && (now_ - start_) % kProgressEvery == Duration(0)) ReportProgress();
    if (submitted_at_ && (now_ - start_) % std::chrono::seconds(1) == Duration(0) && Finished(project)) {
      finished_at = now_;
      break;
    }
  }
  Settle(project);
  SimOutcome out = Check(project);
  out.finish_time = finished_at && submitted_at_ ? *finished_at - *submitted_at_ : options_.time_limit;
  return out;
}

void GridSim::MaybeSubmit(const Bytes& manifest) {
  // The client submits to node 0, and again to another node until a holder answers it: a
  // submit whose node crashed before answering may be lost.
  if (submit_acknowledged_ || now_ - start_ < kSubmitAfter || now_ < next_submit_) return;
  next_submit_ = now_ + kSubmitRetry;
  size_t to = submitted_at_ ? std::uniform_int_distribution<size_t>(0, nodes_.size() - 1)(rng_) : 0;
  if (!nodes_[to].up()) return;
  if (!submitted_at_) submitted_at_ = now_;
  Trace([&] { return "client -> node " + std::to_string(to) + " SubmitProject"; });
  Step(to, [&](Node& n, TimePoint local) {
    return n.OnMessage({client_, "", Envelope{client_, 7, SubmitProject{manifest}}, "10.0.254.2"}, local);
  });
}

void GridSim::TickAll() {
  for (size_t i = 0; i < nodes_.size(); ++i) Step(i, [&](Node& n, TimePoint local) { return n.Tick(local); });
}

void GridSim::ReportProgress() {
  SimProgress p;
  p.virtual_time = now_ - start_;
  p.decided = decided_;
  p.replicas_started = replicas_started_;
  p.grants = grants_;
  p.empty_grants = empty_grants_;
  size_t computing = 0;
  std::vector<bool> holds(nodes_.size(), false);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const SimNode& n = nodes_[i];
    computing += n.computes ? 1 : 0;
    if (!n.up()) continue;
    holds[i] = !n.node->holder().Projects().empty();
    p.project_holders += holds[i] ? 1 : 0;
    const HolderCounters& c = n.node->holder().counters();
    p.holders.leases_granted += c.leases_granted;
    p.holders.leases_expired += c.leases_expired;
    p.holders.leases_unconfirmed += c.leases_unconfirmed;
    p.holders.leases_moved += c.leases_moved;
    p.holders.claims_accepted += c.claims_accepted;
    p.holders.claims_duplicate += c.claims_duplicate;
  }
  const Duration handed = computing_handed_ - computing_at_last_progress_;
  computing_at_last_progress_ = computing_handed_;
  if (computing > 0) {
    p.busy_share = std::chrono::duration<double>(handed).count() /
                   (static_cast<double>(computing) * std::chrono::duration<double>(kProgressEvery).count());
  }
  if (traffic_ && p.virtual_time > Duration(0)) {
    const double minutes = std::chrono::duration<double>(p.virtual_time).count() / 60;
    p.peer_traffic = traffic_->MeanAndMax(minutes, [&](size_t i) { return !holds[i]; }).first;
  }
  progress_(p);
}

void GridSim::MaybeCrash() {
  if (settling_ || options_.crash_per_second <= 0) return;
  const double p = options_.crash_per_second * std::chrono::duration<double>(kTickEvery).count();
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (unit(rng_) < p && nodes_[i].up()) Crash(i, "crashed");
  }
}

void GridSim::Crash(size_t i, const char* how) {
  SimNode& n = nodes_[i];
  ++crashes_;
  Note(0xC000 + i);
  const int64_t down_ms = std::uniform_int_distribution<int64_t>(0, options_.crash_down_max.count())(rng_);
  // Restarted at the next step at the earliest: never from inside the turn that crashed.
  n.down_until = now_ + kStep + Duration(down_ms);
  n.node.reset();
  ++n.generation;
  n.busy_until = TimePoint{};  // its tasks died with it
  Trace([&] { return "node " + std::to_string(i) + " " + how + ", down for " + std::to_string(down_ms) + " ms"; });
}

void GridSim::RestartDue() {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (nodes_[i].down_until && *nodes_[i].down_until <= now_) Restart(i);
  }
}

void GridSim::Restart(size_t i) {
  SimNode& n = nodes_[i];
  if (n.lost) return;
  n.down_until.reset();
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
  config.holder.peer_timeout = std::chrono::seconds(15);
  config.holder.signatures = &signatures_;
  config.faults = &faults_;
  n.store->set_faults(&faults_);
  n.node = std::make_unique<Node>(*n.identity, config, n.store->ledger(), n.store->volunteer(), n.store->peers(),
                                  workloads_, rng_());
  ++n.generation;
  if (n.generation > 1) Trace([&] { return "node " + std::to_string(i) + " restarted"; });
  POTLUCK_CHECK(n.node->Load(LocalTime(i)).ok());
  Step(i, [&](Node& node, TimePoint local) { return node.Start(local); });
}

// One turn of node `i`, as the runtime runs it: a transaction around the core's work, and its
// messages sent only once that committed. A crash inside the turn rolls the transaction back.
template <typename F>
void GridSim::Step(size_t i, F&& f) {
  SimNode& n = nodes_[i];
  if (!n.up()) return;
  n.store->durable().Begin();
  Actions actions = f(*n.node, LocalTime(i));
  if (!settling_ && std::uniform_real_distribution<double>(0, 1)(rng_) < options_.crash_mid_turn) {
    n.store->Abort();
    Crash(i, "killed inside a turn");
    return;
  }
  if (Status s = n.store->durable().Commit(); !s.ok()) {
    Crash(i, "stopped: commit failed");  // the runtime stops rather than guess; it is restarted
    return;
  }
  Dispatch(i, std::move(actions));
}

std::optional<size_t> GridSim::ByEndpoint(const std::string& endpoint) const {
  // Endpoints are "sim://node" and the node's index.
  constexpr std::string_view kPrefix = "sim://node";
  if (!endpoint.starts_with(kPrefix)) return std::nullopt;
  size_t i = 0;
  auto [end, error] = std::from_chars(endpoint.data() + kPrefix.size(), endpoint.data() + endpoint.size(), i);
  if (error != std::errc() || end != endpoint.data() + endpoint.size() || i >= nodes_.size()) return std::nullopt;
  return i;
}

std::optional<size_t> GridSim::ById(const PeerId& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? std::nullopt : std::optional<size_t>(it->second);
}

void GridSim::Dispatch(size_t from, Actions actions) {
  for (Outgoing& out : actions.messages) {
    if (out.to.endpoint.empty() && out.to.peer == client_) {
      submit_acknowledged_ = true;
      continue;
    }
    // Dialled: the receiver sees it on its ROUTER (no link), from the sender's host. Answered:
    // the receiver sees it on the connection it dialled, named by the sender's endpoint.
    std::optional<size_t> to = out.to.endpoint.empty() ? ById(out.to.peer) : ByEndpoint(out.to.endpoint);
    if (!to) continue;
    if (traffic_) traffic_->Count(from, out.message);
    const bool dialled = !out.to.endpoint.empty();
    std::string link = dialled ? "" : nodes_[from].endpoint;
    std::string host = dialled ? nodes_[from].host : "";
    if (network_.Cut(from, *to, now_)) continue;
    const std::vector<Duration> copies = network_.Copies();
    for (size_t c = 0; c < copies.size(); ++c) {
      Envelope message = c + 1 < copies.size() ? out.message : std::move(out.message);
      events_.push({now_ + copies[c], seq_++, *to, from, 0, false, {}, {nodes_[from].id, link, std::move(message), host}});
    }
  }
  for (TaskStart& task : actions.tasks) {
    // A node has one core: the runner computes the units it is handed one after another, so
    // each starts when the one before it ends (the volunteer hands over the next one early).
    std::uniform_int_distribution<int64_t> compute_ms(kComputeMin.count(), kComputeMax.count());
    SimNode& node = nodes_[from];
    const Duration computing(compute_ms(rng_));
    node.busy_until = std::max(now_, node.busy_until) + computing;
    computing_handed_ += computing;
    ++replicas_started_;
    events_.push({node.busy_until, seq_++, from, from, node.generation, true, task.unit, {}});
  }
}

void GridSim::DeliverDue() {
  while (!events_.empty() && events_.top().at <= now_) {
    // Moved out, not copied: a gossip carries dozens of offers. pop() only compares the time
    // and sequence number, which a move leaves in place.
    Event e = std::move(const_cast<Event&>(events_.top()));
    events_.pop();
    Deliver(e);
  }
}

void GridSim::Deliver(const Event& e) {
  Note(static_cast<uint64_t>((e.at - start_).count()));
  Note(e.seq * 31 + e.to * 7 + e.task_done);
  if (!nodes_[e.to].up()) return;
  if (e.task_done) return TaskDone(e);
  ++messages_;
  Note(e.message.message.body.index());
  if (const auto* grant = std::get_if<LeaseGrant>(&e.message.message.body)) {
    ++grants_;
    empty_grants_ += grant->leases.empty() ? 1 : 0;
  }
  Trace([&] { return "node " + std::to_string(e.from) + " -> node " + std::to_string(e.to) + " " + BodyName(e.message.message.body); });
  Step(e.to, [&](Node& node, TimePoint local) { return node.OnMessage(e.message, local); });
}

void GridSim::TaskDone(const Event& e) {
  SimNode& n = nodes_[e.to];
  if (e.generation != n.generation) return;
  std::uniform_real_distribution<double> unit(0, 1);
  if (!settling_ && unit(rng_) < options_.kernel_fails) {
    Trace([&] { return "node " + std::to_string(e.to) + " kernel failed unit " + std::to_string(e.unit.index); });
    Step(e.to, [&](Node& node, TimePoint local) {
      return node.OnTaskDone(e.unit, IoError("kernel failed (injected fault)"), 0, local);
    });
    return;
  }
  // Honest-looking saboteurs build a record first. Colluders agree on one wrong value; the
  // others are each wrong in their own way.
  const bool lies = n.saboteur && n.units_computed >= options_.saboteur_honest_units &&
                    (options_.saboteur_wrong_rate >= 1 || unit(rng_) < options_.saboteur_wrong_rate);
  ++n.units_computed;
  const uint64_t value = !lies ? e.unit.index * e.unit.index : options_.collude ? 7777 : 7777 + e.to;
  Trace([&] { return "node " + std::to_string(e.to) + " computed unit " + std::to_string(e.unit.index) + (lies ? " (a lie)" : ""); });
  Step(e.to, [&](Node& node, TimePoint local) {
    return node.OnTaskDone(e.unit, SquareWorkload::Encode(value), SimCpuSeconds(e.unit.index), local);
  });
}

bool GridSim::Finished(const ProjectId& project) {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].up()) continue;
    auto s = nodes_[i].node->holder().Describe(project, false, LocalTime(i));
    if (!s.ok()) continue;
    decided_ = std::max(decided_, s->units.verified + s->units.failed);
    if (s->units.verified + s->units.failed == s->units.total) return true;
  }
  return false;
}

}  // namespace potluck::testing
