// What a simulated grid looks like and which faults it suffers: the options of GridSim, and the
// fault mixes a campaign chooses among from each run's seed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "potluck/core/manifest.h"

namespace potluck::testing {

using namespace std::chrono_literals;

// Who cannot talk to whom while a partition lasts.
enum class PartitionKind : uint8_t {
  kEvenOdd,      // nodes of even and odd index
  kRandomSplit,  // each node on a side drawn at random
  kIsolateOne,   // one node, drawn at random, cut off from all the others
};

struct SimOptions {
  bool coordinator = true;
  int workers = 4;
  uint64_t units = 40;
  QuorumPolicy policy{.min_quorum = 2, .max_replicas = 6, .deadline = std::chrono::seconds(20), .holders = 3};

  // Saboteurs are the first `saboteurs` workers.
  int saboteurs = 0;
  bool collude = true;  // saboteurs all return the same wrong result
  // The share of its units a saboteur gets wrong; below 1 it builds a record between lies.
  double saboteur_wrong_rate = 1.0;
  // Honest-looking saboteurs: each computes this many units right before it starts lying.
  uint64_t saboteur_honest_units = 0;
  // Every node computes from its own /24 network, except that with this the saboteurs share
  // one host: one person with many keys.
  bool saboteurs_share_a_host = false;

  // The network, per message sent.
  double drop = 0.05;
  double duplicate = 0.05;
  double reorder = 0;    // held back 100-1000 ms on purpose, so later messages overtake it
  double long_tail = 0;  // delayed 1-10 s, rarely longer than that (a heavy tail)
  // From `partition_at` for `partition_for`, the nodes split as `partition` says.
  PartitionKind partition = PartitionKind::kEvenOdd;
  Duration partition_at{0};
  Duration partition_for{0};

  // Nodes (holders, the coordinator and workers alike).
  double crash_per_second = 0.02;  // per node: killed between turns, restarted from its store
  Duration crash_down_max{0};      // down for up to this long before the restart
  double crash_mid_turn = 0;       // per turn: killed inside it, its writes rolled back and messages unsent
  Duration lose_coordinator_at{0};  // zero: never
  Duration clock_offset_max{0};     // each node's clock is off by up to this, either way
  double clock_rate_ppm_max = 0;    // and runs fast or slow by up to this many parts per million

  // The simulated kernel fails a unit it computes (an error, not a result).
  double kernel_fails = 0;
  // The fault points inside the core (see potluck/core/faults.h), per time each is reached.
  double reply_forgotten = 0;
  double replication_slow = 0;
  double store_commit_fails = 0;

  Duration time_limit = 30min;

  // Nodes keep their state in MemoryStore rather than SQLite: light enough for 100,000 nodes,
  // but it cannot roll a turn back, so crash_mid_turn and store_commit_fails must stay 0.
  bool memory_store = false;
  // Count every message sent and its bytes on the wire, per node (see TrafficMeter).
  bool count_traffic = false;
};

// A campaign's fault mixes; each run's seed chooses one and draws its details.
enum class FaultMix : uint8_t {
  kCalm,
  kLossy,
  kCrashes,
  kPartitions,
  kClockDrift,
  kSaboteurs,
  kCoordinatorLoss,
  kFaultPoints,
  kEverything,
};
constexpr int kFaultMixCount = 9;

const char* FaultMixName(FaultMix mix);
std::optional<FaultMix> FaultMixByName(const std::string& name);
std::vector<std::string> FaultMixNames();
// The mix a campaign gives `seed`: seed modulo the number of mixes, in the order above.
FaultMix MixOfSeed(uint64_t seed);
// `base` (the grid and its policy) with the faults of `mix`, their details drawn from `seed`.
SimOptions WithFaultMix(SimOptions base, FaultMix mix, uint64_t seed);
// The options in one line, for the head of a trace.
std::string DescribeOptions(const SimOptions& options);
// No fault at all: a grid that only has to compute.
SimOptions WithoutFaults(SimOptions base);

}  // namespace potluck::testing
