#include "sim/sim_network.h"

#include <algorithm>
#include <cmath>

namespace potluck::testing {

SimNetwork::SimNetwork(uint64_t seed, const SimOptions& options, size_t nodes, TimePoint start)
    : rng_(seed), options_(options), start_(start), side_(nodes, 0) {
  switch (options.partition) {
    case PartitionKind::kEvenOdd:
      for (size_t i = 0; i < nodes; ++i) side_[i] = static_cast<int>(i % 2);
      break;
    case PartitionKind::kRandomSplit:
      for (size_t i = 0; i < nodes; ++i) side_[i] = std::uniform_int_distribution<int>(0, 1)(rng_);
      break;
    case PartitionKind::kIsolateOne:
      if (nodes > 0) side_[std::uniform_int_distribution<size_t>(0, nodes - 1)(rng_)] = 1;
      break;
  }
}

std::vector<Duration> SimNetwork::Copies() {
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<int64_t> delay_ms(kDelayMin.count(), kDelayMax.count());
  if (settled_) return {Duration(delay_ms(rng_))};
  if (unit(rng_) < options_.drop) return {};
  const int copies = unit(rng_) < options_.duplicate ? 2 : 1;
  std::vector<Duration> out;
  for (int c = 0; c < copies; ++c) {
    Duration d(delay_ms(rng_));
    if (unit(rng_) < options_.reorder) d += Duration(std::uniform_int_distribution<int64_t>(100, 1000)(rng_));
    if (unit(rng_) < options_.long_tail) {
      // Pareto with shape 1.5 from one second: most within a few seconds, a few far longer.
      const double seconds = 1.0 / std::pow(1.0 - unit(rng_), 1.0 / 1.5);
      d += std::min<Duration>(kTailDelayMax, Duration(static_cast<int64_t>(seconds * 1000)));
    }
    out.push_back(d);
  }
  return out;
}

bool SimNetwork::Partitioned(TimePoint now) const {
  return !settled_ && options_.partition_for.count() > 0 && now - start_ >= options_.partition_at &&
         now - start_ < options_.partition_at + options_.partition_for;
}

bool SimNetwork::Cut(size_t from, size_t to, TimePoint now) const {
  return Partitioned(now) && side_[from] != side_[to];
}

}  // namespace potluck::testing
