#include "lj_md/lj_md_workload.h"

#include <algorithm>
#include <cmath>

#include "lj_md/aggregator.h"
#include "lj_md/params.h"
#include "lj_md/unit_result.h"

namespace potluck {
namespace lj_md {

Result<Simulation> StartUnit(const Params& params, uint64_t units, uint64_t index) {
  const Result<LjMdParams> parsed = ParseParams(params, units);
  if (!parsed.ok()) return parsed.status();
  if (index >= units) {
    return InvalidArgument("unit " + std::to_string(index) + " of only " + std::to_string(units) +
                           " units");
  }
  return Simulation(parsed->spec, UnitTemperature(*parsed, units, index), UnitSeed(*parsed, index));
}

Result<Simulation> RestoreUnit(const Params& params, uint64_t units,
                               std::span<const uint8_t> state) {
  const Result<LjMdParams> parsed = ParseParams(params, units);
  if (!parsed.ok()) return parsed.status();
  return Simulation::Restore(parsed->spec, state);
}

namespace {

// What the screensaver draws: the step, the latest thermo row, and where a few atoms are, as
// fractions of the box.
nlohmann::json ViewOf(const Simulation& simulation) {
  constexpr size_t kAtomsShown = 64;
  const Atoms& atoms = simulation.atoms();
  const double box = std::cbrt(static_cast<double>(atoms.size()) / simulation.spec().density);
  nlohmann::json shown = nlohmann::json::array();
  const size_t stride = std::max<size_t>(1, atoms.size() / kAtomsShown);
  for (size_t i = 0; i < atoms.size() && shown.size() < kAtomsShown; i += stride) {
    auto wrap = [box](double v) { return std::round((v / box - std::floor(v / box)) * 1000) / 1000; };
    shown.push_back({wrap(atoms.x[i]), wrap(atoms.y[i]), wrap(atoms.z[i])});
  }
  nlohmann::json view = {{"workload", "lj-md"}, {"step", simulation.step()}, {"steps", simulation.spec().steps},
                         {"atoms", atoms.size()}, {"positions", shown}};
  if (!simulation.thermo().empty()) {
    const ThermoRow& row = simulation.thermo().back();
    view["thermo"] = {{"step", row.step}, {"temperature", row.temperature},
                      {"potential_energy", row.potential_energy}, {"pressure", row.pressure}};
  }
  return view;
}

}  // namespace

Status RunToEnd(Simulation& simulation, KernelContext& context) {
  const StopRequested stop = [&context] { return context.Cancelled(); };
  // Progress, the view and the checkpoint clock are looked at about a thousand times per unit,
  // not every step of a tiny system.
  const int64_t report_every = std::max<int64_t>(1, simulation.spec().steps / 1000);
  if (Status prepared = simulation.Prepare(stop); !prepared.ok()) return prepared;
  while (!simulation.done()) {
    if (Status stepped = simulation.Step(stop); !stepped.ok()) return stepped;
    if (simulation.step() % report_every == 0 || simulation.done()) {
      context.Progress(static_cast<double>(simulation.step()) /
                       static_cast<double>(simulation.spec().steps));
      context.ShowView(ViewOf(simulation));
      // Between steps the state is complete: a restore continues bit for bit.
      if (!simulation.done() && context.CheckpointDue()) context.SaveCheckpoint(simulation.SaveState());
    }
  }
  return Status::Ok();
}

Bytes EncodeUnit(const Simulation& simulation) { return EncodeResult(ResultOf(simulation)); }

}  // namespace lj_md

std::vector<std::string> LjMdWorkload::ParamHelp() const { return lj_md::ParamHelpLines(); }

Status LjMdWorkload::Validate(const Params& params, uint64_t units) const {
  const Result<lj_md::LjMdParams> parsed = lj_md::ParseParams(params, units);
  return parsed.ok() ? Status::Ok() : parsed.status();
}

Result<Bytes> LjMdWorkload::Run(const Params& params, uint64_t units, uint64_t index,
                                KernelContext& context) const {
  Result<lj_md::Simulation> simulation = lj_md::StartUnit(params, units, index);
  if (!simulation.ok()) return simulation.status();
  if (!context.Checkpoint().empty()) {
    // Resume only from a state of this very unit; anything else starts afresh.
    Result<lj_md::Simulation> restored = lj_md::RestoreUnit(params, units, context.Checkpoint());
    if (restored.ok() && restored->velocity_seed() == simulation->velocity_seed() &&
        restored->initial_temperature() == simulation->initial_temperature()) {
      simulation = std::move(restored);
    }
  }
  if (Status status = lj_md::RunToEnd(*simulation, context); !status.ok()) {
    if (status.code() == Code::kUnavailable) {
      return Unavailable("lj-md: unit " + std::to_string(index) + " cancelled at step " +
                         std::to_string(simulation->step()));
    }
    return status;
  }
  return lj_md::EncodeUnit(*simulation);
}

Result<nlohmann::json> LjMdWorkload::DescribeUnit(const Bytes& result) const {
  const Result<lj_md::UnitResult> unit = lj_md::DecodeResult(result);
  if (!unit.ok()) return unit.status();
  return lj_md::ToJson(*unit);
}

std::unique_ptr<Aggregator> LjMdWorkload::NewAggregator(const Params& params,
                                                        uint64_t units) const {
  return lj_md::NewLjMdAggregator(lj_md::ParseParams(params, units), units);
}

}  // namespace potluck
