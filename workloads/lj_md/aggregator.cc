#include "lj_md/aggregator.h"

#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "lj_md/unit_result.h"

namespace potluck::lj_md {
namespace {

// The quantities averaged, in the order of Quantities.
constexpr std::array<const char*, 4> kQuantityNames = {"temperature", "potential_energy",
                                                       "total_energy", "pressure"};
using Quantities = std::array<double, 4>;
// The series over steps keeps at most this many thermo rows (every k-th, and the last), so a
// result stays small enough to plot whatever thermo_every is.
constexpr size_t kSeriesRowsMax = 500;

// Mean and variance by Welford's update, stable for many units of nearly equal values.
struct RunningMean {
  uint64_t count = 0;
  double mean = 0;
  double squares = 0;  // sum of squared deviations from the mean
  void Add(double value) {
    ++count;
    const double delta = value - mean;
    mean += delta / static_cast<double>(count);
    squares += delta * (value - mean);
  }
  // Null below two values.
  nlohmann::json StandardError() const {
    if (count < 2) return nullptr;
    return std::sqrt(squares / static_cast<double>(count - 1) / static_cast<double>(count));
  }
};

// The unit's thermo averaged over the rows after equilibration.
Quantities UnitAverages(const UnitResult& unit, double equilibrate) {
  Quantities sums{};
  int rows = 0;
  const double first_step = equilibrate * static_cast<double>(unit.steps);
  for (const ThermoRow& row : unit.thermo) {
    if (static_cast<double>(row.step) < first_step) continue;
    sums[0] += row.temperature;
    sums[1] += row.potential_energy;
    sums[2] += row.total_energy;
    sums[3] += row.pressure;
    ++rows;
  }
  for (double& sum : sums) sum /= rows;  // the last row always counts: rows >= 1
  return sums;
}

Quantities RowQuantities(const ThermoRow& row) {
  return {row.temperature, row.potential_energy, row.total_energy, row.pressure};
}

// The thermo rows the series keeps, of `rows` in all.
std::vector<size_t> SeriesRows(size_t rows) {
  const size_t stride = (rows + kSeriesRowsMax - 1) / kSeriesRowsMax;
  std::vector<size_t> kept;
  for (size_t r = 0; r < rows; r += stride) kept.push_back(r);
  if (rows > 0 && kept.back() != rows - 1) kept.push_back(rows - 1);
  return kept;
}

class LjMdAggregator final : public Aggregator {
 public:
  LjMdAggregator(Result<LjMdParams> params, uint64_t units)
      : params_(std::move(params)), units_(units) {}

  Status Add(uint64_t index, const Bytes& bytes) override {
    if (!params_.ok()) return params_.status();
    if (index >= units_) {
      return InvalidArgument("unit " + std::to_string(index) + " of only " +
                             std::to_string(units_) + " units");
    }
    if (added_ > 0 && index <= last_index_) {
      return InvalidArgument("unit " + std::to_string(index) + " added out of order, after unit " +
                             std::to_string(last_index_));
    }
    const Result<UnitResult> unit = DecodeResult(bytes);
    if (!unit.ok()) return unit.status();
    if (Status status = CheckMatches(index, *unit); !status.ok()) return status;
    const Quantities averages = UnitAverages(*unit, params_->equilibrate);
    for (size_t q = 0; q < averages.size(); ++q) means_[q].Add(averages[q]);
    if (params_->sweep_to) {
      sweep_.push_back({index, unit->initial_temperature, averages});
    } else {
      AddToSeries(*unit);
    }
    last_index_ = index;
    ++added_;
    return Status::Ok();
  }

  nlohmann::json Finish() const override {
    nlohmann::json out{{"atoms", Atoms()}, {"units", units_}, {"trajectories", added_}};
    if (params_.ok()) {
      out["steps"] = params_->spec.steps;
      out["equilibrate"] = params_->equilibrate;
    }
    for (size_t q = 0; q < kQuantityNames.size(); ++q) {
      out[kQuantityNames[q]] = {{"mean", added_ ? nlohmann::json(means_[q].mean) : nullptr},
                                {"stderr", means_[q].StandardError()}};
    }
    if (params_.ok() && params_->sweep_to) {
      nlohmann::json sweep = nlohmann::json::array();
      for (const SweepPoint& point : sweep_) {
        nlohmann::json row{{"unit", point.index},
                           {"initial_temperature", point.initial_temperature}};
        for (size_t q = 0; q < kQuantityNames.size(); ++q)
          row[kQuantityNames[q]] = point.averages[q];
        sweep.push_back(row);
      }
      out["sweep"] = sweep;
    }
    if (!series_steps_.empty()) out["series"] = SeriesJson();
    return out;
  }

  std::string Summary() const override {
    if (!params_.ok()) return "lj-md: " + params_.status().message();
    std::string line = "lj-md: " + std::to_string(Atoms()) + " atoms, " + std::to_string(added_) +
                       (added_ == 1 ? " trajectory" : " trajectories");
    if (added_ != units_) line += " of " + std::to_string(units_);
    if (params_->sweep_to) line += " (temperature sweep; see \"sweep\")";
    if (added_ == 0) return line;
    const char* labels[] = {"T", "PE/atom", "E/atom", "P"};
    for (size_t q = 0; q < kQuantityNames.size(); ++q) {
      line += std::string(q == 0 ? ": " : ", ") + labels[q] + " = " + Format(means_[q].mean);
      const nlohmann::json error = means_[q].StandardError();
      if (!error.is_null()) line += " \u00b1 " + Format(error.get<double>());
    }
    return line;
  }

 private:
  struct SweepPoint {
    uint64_t index;
    double initial_temperature;
    Quantities averages;
  };

  // Without a sweep every unit has the same thermo steps: the series averages each one.
  void AddToSeries(const UnitResult& unit) {
    const std::vector<size_t> rows = SeriesRows(unit.thermo.size());
    if (series_steps_.empty()) {
      for (size_t r : rows) series_steps_.push_back(unit.thermo[r].step);
      series_.resize(rows.size());
    }
    for (size_t k = 0; k < rows.size(); ++k) {
      const Quantities values = RowQuantities(unit.thermo[rows[k]]);
      for (size_t q = 0; q < values.size(); ++q) series_[k][q].Add(values[q]);
    }
  }

  nlohmann::json SeriesJson() const {
    nlohmann::json out{{"step", series_steps_}};
    for (size_t q = 0; q < kQuantityNames.size(); ++q) {
      nlohmann::json means = nlohmann::json::array(), errors = nlohmann::json::array();
      for (const auto& row : series_) {
        means.push_back(row[q].mean);
        errors.push_back(row[q].StandardError());
      }
      out[kQuantityNames[q]] = {{"mean", std::move(means)}, {"stderr", std::move(errors)}};
    }
    return out;
  }

  static std::string Format(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
  }

  uint64_t Atoms() const {
    if (!params_.ok()) return 0;
    const uint64_t cells = static_cast<uint64_t>(params_->spec.cells);
    return 4 * cells * cells * cells;
  }

  Status CheckMatches(uint64_t index, const UnitResult& unit) const {
    const double temperature = UnitTemperature(*params_, units_, index);
    if (unit.atoms != Atoms() || unit.steps != params_->spec.steps ||
        unit.velocity_seed != UnitSeed(*params_, index) ||
        unit.initial_temperature != temperature) {
      return Corrupt("lj-md unit " + std::to_string(index) + ": result is for " +
                     std::to_string(unit.atoms) + " atoms, " + std::to_string(unit.steps) +
                     " steps, seed " + std::to_string(unit.velocity_seed) +
                     ", not for this unit's parameters");
    }
    const int64_t rows = ThermoRowsUpTo(params_->spec, params_->spec.steps);
    if (static_cast<int64_t>(unit.thermo.size()) != rows) {
      return Corrupt("lj-md unit " + std::to_string(index) + ": " +
                     std::to_string(unit.thermo.size()) + " thermo rows, expected " +
                     std::to_string(rows));
    }
    return Status::Ok();
  }

  const Result<LjMdParams> params_;
  const uint64_t units_;
  uint64_t added_ = 0;
  uint64_t last_index_ = 0;
  std::array<RunningMean, 4> means_;
  std::vector<SweepPoint> sweep_;
  std::vector<int64_t> series_steps_;
  std::vector<std::array<RunningMean, 4>> series_;  // per kept row, per quantity
};

}  // namespace

std::unique_ptr<Aggregator> NewLjMdAggregator(Result<LjMdParams> params, uint64_t units) {
  return std::make_unique<LjMdAggregator>(std::move(params), units);
}

}  // namespace potluck::lj_md
