// The simulator's side of the core's fault injection points: each point fires at its rate,
// drawn from the run's seed, and only while the run is not settling.
#pragma once

#include <array>
#include <functional>
#include <random>

#include "potluck/core/faults.h"

namespace potluck::testing {

class SimFaults final : public Faults {
 public:
  // `on_fire` hears of each point that fired (for the trace); it may be empty.
  SimFaults(uint64_t seed, std::array<double, kFaultPointCount> rates, std::function<void(FaultPoint)> on_fire)
      : rng_(seed), rates_(rates), on_fire_(std::move(on_fire)) {}

  bool Fire(FaultPoint point) override {
    const double rate = rates_[static_cast<size_t>(point)];
    if (!enabled_ || rate <= 0) return false;
    if (std::uniform_real_distribution<double>(0, 1)(rng_) >= rate) return false;
    ++fired_[static_cast<size_t>(point)];
    if (on_fire_) on_fire_(point);
    return true;
  }
  void set_enabled(bool enabled) { enabled_ = enabled; }
  uint64_t fired(FaultPoint point) const { return fired_[static_cast<size_t>(point)]; }

 private:
  std::mt19937_64 rng_;
  std::array<double, kFaultPointCount> rates_;
  std::function<void(FaultPoint)> on_fire_;
  std::array<uint64_t, kFaultPointCount> fired_{};
  bool enabled_ = true;
};

}  // namespace potluck::testing
