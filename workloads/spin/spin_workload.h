// The "spin" workload: units that burn a set amount of CPU time and compute nothing of use.
// It exists to measure the grid itself: with ms=0 a unit costs nothing, so the grid's own
// overhead is all there is; with ms>0 the share of the machine the kernels get shows.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "potluck/workload/workload.h"

namespace potluck {

// Most CPU time one unit may burn: an hour.
constexpr uint64_t kSpinMsMax = 3'600'000;

// The value a unit reports: a fixed mix of its index (SplitMix64), so that replicas agree
// and a result for the wrong unit shows.
uint64_t SpinValueOf(uint64_t index);

// Parameter "ms" (default 0): CPU milliseconds each unit burns, measured on the thread's own
// CPU clock, so a busy machine makes units slower, not shorter. 0 <= ms <= kSpinMsMax.
//
// Version 1. A unit's result is 16 bytes, two little-endian u64: the unit's index and
// SpinValueOf(index). It depends on nothing else, so it is the same on every machine.
// The aggregate is {"units", "ms", "xor"}: the units added and the XOR of their values.
//
// Stops within a millisecond once context.Cancelled(); keeps no checkpoint (a resumed unit
// burns its time again). Thread-safe: holds no state.
class SpinWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "spin"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override;
  Status Validate(const Params& params, uint64_t units) const override;
  Result<Bytes> Run(const Params& params, uint64_t units, uint64_t index,
                    KernelContext& context) const override;
  Result<nlohmann::json> DescribeUnit(const Bytes& result) const override;
  std::unique_ptr<Aggregator> NewAggregator(const Params& params, uint64_t units) const override;
};

}  // namespace potluck
