// The "lj-md" workload: Lennard-Jones molecular dynamics, one trajectory per unit.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "lj_md/simulation.h"
#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/workload/workload.h"

namespace potluck {

// Runs an fcc Lennard-Jones system (lj/cut, reduced units) with velocity-Verlet for `steps`
// steps per unit; unit i starts from its own velocities (seed + i) and, with `sweep_to`, its
// own temperature. See docs/workloads.md for the parameters, and lj_md/unit_result.h for the
// result's bytes: thermo rows and a hash of the final positions and velocities.
//
// Thread-safe: holds no state; Run may be called concurrently.
class LjMdWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "lj-md"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override;
  Status Validate(const Params& params, uint64_t units) const override;
  // Returns kUnavailable if context.Cancelled() turns true before the last step.
  Result<Bytes> Run(const Params& params, uint64_t units, uint64_t index,
                    KernelContext& context) const override;
  // {"atoms", "velocity_seed", "initial_temperature", "steps", "thermo": [rows], "state_hash"}.
  Result<nlohmann::json> DescribeUnit(const Bytes& result) const override;
  std::unique_ptr<Aggregator> NewAggregator(const Params& params, uint64_t units) const override;
};

namespace lj_md {

// The pieces of Run, for a runner that checkpoints: start unit `index`, or restore it from
// Simulation::SaveState() bytes, advance it with Simulation::Step, and encode it when done.
Result<Simulation> StartUnit(const Params& params, uint64_t units, uint64_t index);
Result<Simulation> RestoreUnit(const Params& params, uint64_t units,
                               std::span<const uint8_t> state);
// Steps `simulation` to its end, reporting progress; kUnavailable once the context cancels.
Status RunToEnd(Simulation& simulation, KernelContext& context);
// The canonical result bytes. REQUIRES: simulation.done().
Bytes EncodeUnit(const Simulation& simulation);

}  // namespace lj_md
}  // namespace potluck
