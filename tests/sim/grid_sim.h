// A seeded simulation of a whole grid: the real protocol core of every node (membership,
// holders, volunteers) in one process, with a virtual clock and a simulated network
// (sim_network.h). Nodes crash, between turns or inside one, and restart from their stores;
// their clocks drift; the coordinator can be lost for good; saboteurs return wrong results;
// the core's fault points fire (sim_faults.h). Every run ends with the checks of sim_checks.h.
// The same seed and options always give the same trace and trace hash.
#pragma once

#include <array>
#include <cstring>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "potluck/core/node.h"
#include "potluck/store/sqlite_store.h"
#include "sim/sim_checks.h"
#include "sim/sim_faults.h"
#include "sim/sim_network.h"
#include "sim/sim_options.h"
#include "sim/sim_signatures.h"
#include "sim/sim_store.h"
#include "sim/traffic_meter.h"

namespace potluck::testing {

// A computing node's credit at the end, beside what it earned: its results that agree with
// the verdict of their unit over the union of every holder's ledger.
struct SimCredit {
  bool saboteur = false;
  Credit credit;
  uint64_t units_earned = 0;
  double cpu_seconds_earned = 0;
};

struct SimOutcome {
  bool finished = false;        // every unit verified, as the checking holder sees it
  ProjectStatus status;         // as the checking holder sees it
  uint64_t result_sum = 0;
  uint64_t wrong_accepted = 0;  // verified units whose agreed result is wrong, as it sees them
  uint64_t trace_hash = 0;
  Duration finish_time{0};      // virtual time from the submit until a holder had every unit decided
  uint64_t messages = 0;        // delivered
  uint64_t crashes = 0;         // between turns and inside them, commit failures included
  std::array<uint64_t, kFaultPointCount> faults_fired{};
  uint64_t leases_alone = 0;    // adaptive replication, as counted by the holders up at the end
  uint64_t claims_contradicting = 0;  // second, different results of a unit from one peer, the same way
  std::vector<SimCredit> credit;  // of every computing node
  SimChecks checks;
  // With SimOptions::count_traffic: what each node sent, and which nodes held the project.
  std::shared_ptr<const TrafficMeter> traffic;
  std::vector<bool> held_project;
  Duration virtual_time{0};  // from the start to the checks, settling included: the time traffic was counted
};

// The CPU seconds the simulated kernel reports for a unit: the same each time it is computed.
inline double SimCpuSeconds(uint64_t index) { return 0.25 * static_cast<double>(1 + index % 8); }

// How far a long run is, every 10 virtual seconds (GridSim::set_progress).
struct SimProgress {
  Duration virtual_time{0};
  uint64_t decided = 0;          // units verified or failed, as the furthest holder sees them
  uint64_t replicas_started = 0;  // handed to the nodes' cores since the start
  double busy_share = 0;         // of the computing nodes' time, over the last 10 virtual seconds
  uint64_t grants = 0, empty_grants = 0;  // lease grants delivered, and those without a lease
  HolderCounters holders;        // summed over the nodes up now
  size_t project_holders = 0;    // nodes up that hold the project
  // With SimOptions::count_traffic: what the other nodes sent per minute so far, on average.
  std::optional<TrafficMeter::PerPeer> peer_traffic;
};

// Nodes in one simulation at most.
constexpr int kSimNodesMax = 200'000;

struct PeerIdHash {
  size_t operator()(const PeerId& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);
    return h;
  }
};

class GridSim {
 public:
  // REQUIRES: options.workers + options.coordinator <= kSimNodesMax.
  GridSim(uint64_t seed, SimOptions options);
  ~GridSim();

  // Hands each event of the run, one line each, to `trace`.
  void set_trace(std::function<void(const std::string&)> trace) { trace_out_ = std::move(trace); }
  // Every 10 virtual seconds of a run: how far it is. For following long runs.
  void set_progress(std::function<void(const SimProgress&)> progress) { progress_ = std::move(progress); }
  // Runs the project to its end or the time limit, lets the grid settle, and checks it. Once.
  SimOutcome Run();

 private:
  struct SimNode;
  struct Event {
    TimePoint at;
    uint64_t seq;
    size_t to;
    size_t from;
    int generation;  // task completions of a crashed incarnation are void
    bool task_done = false;
    UnitKey unit;
    Inbound message;
    bool operator>(const Event& o) const { return std::tie(at, seq) > std::tie(o.at, o.seq); }
  };

  std::unique_ptr<SimStore> NewStore() const;
  TimePoint LocalTime(size_t i) const;
  void Restart(size_t i);
  void Crash(size_t i, const char* how);
  void RestartDue();
  void MaybeCrash();
  void MaybeSubmit(const Bytes& manifest);
  template <typename F>
  void Step(size_t i, F&& f);
  void Dispatch(size_t from, Actions actions);
  void DeliverDue();
  void Deliver(const Event& e);
  void TaskDone(const Event& e);
  void TickAll();
  void ReportProgress();
  void Settle(const ProjectId& project);
  bool Finished(const ProjectId& project);
  bool LedgersEqual(const ProjectId& project);
  SimOutcome Check(const ProjectId& project);
  std::vector<SimCredit> CheckCredit(const ProjectId& project);
  std::optional<size_t> ByEndpoint(const std::string& endpoint) const;
  std::optional<size_t> ById(const PeerId& id) const;
  void Trace(const std::function<std::string()>& line);
  void Note(uint64_t value) { trace_hash_ = (trace_hash_ ^ value) * 1099511628211ull; }

  std::mt19937_64 rng_;
  SimOptions options_;
  WorkloadRegistry workloads_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
  const TimePoint start_ = now_;
  PeerId client_;
  std::vector<SimNode> nodes_;
  std::unordered_map<PeerId, size_t, PeerIdHash> by_id_;
  std::shared_ptr<TrafficMeter> traffic_;
  SimNetwork network_;
  SimFaults faults_;
  RememberingSignatureChecker signatures_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  uint64_t seq_ = 0;
  uint64_t trace_hash_ = 14695981039346656037ull;
  uint64_t messages_ = 0;
  uint64_t crashes_ = 0;
  bool settling_ = false;
  std::optional<TimePoint> submitted_at_;
  bool submit_acknowledged_ = false;
  TimePoint next_submit_{};
  std::function<void(const std::string&)> trace_out_;
  std::function<void(const SimProgress&)> progress_;
  uint64_t decided_ = 0;  // the most units any holder had decided at the last look
  uint64_t replicas_started_ = 0, grants_ = 0, empty_grants_ = 0;
  Duration computing_handed_{0};  // the nodes' cores' time taken by the units handed to them
  Duration computing_at_last_progress_{0};
};

}  // namespace potluck::testing
