// The simulated network between a grid's nodes: for each message sent, whether it arrives, how
// many copies, after how long; and who is cut off from whom while a partition lasts.
#pragma once

#include <random>
#include <vector>

#include "potluck/base/time.h"
#include "sim/sim_options.h"

namespace potluck::testing {

// Delays of an ordinary message: 1-80 ms.
constexpr Duration kDelayMin = std::chrono::milliseconds(1);
constexpr Duration kDelayMax = std::chrono::milliseconds(80);
// The longest a message of the heavy tail is held: a minute.
constexpr Duration kTailDelayMax = std::chrono::minutes(1);

class SimNetwork {
 public:
  // `start` is when the run began; partitions count from it.
  SimNetwork(uint64_t seed, const SimOptions& options, size_t nodes, TimePoint start);

  // The delays of the copies of one message sent now: none if it is lost.
  std::vector<Duration> Copies();
  // Whether a partition keeps `from` and `to` apart at `now`.
  bool Cut(size_t from, size_t to, TimePoint now) const;
  // Whether a partition lasts at `now`.
  bool Partitioned(TimePoint now) const;
  // From now on messages are neither lost, duplicated, held back nor cut: the run settles.
  void Settle() { settled_ = true; }

 private:
  std::mt19937_64 rng_;
  const SimOptions& options_;
  TimePoint start_;
  std::vector<int> side_;  // each node's side of the partition
  bool settled_ = false;
};

}  // namespace potluck::testing
