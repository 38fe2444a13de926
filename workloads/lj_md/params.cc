#include "lj_md/params.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <numbers>
#include <string_view>

#include "potluck/base/quoted.h"

namespace potluck::lj_md {
namespace {

constexpr size_t kQuotedCharsMax = 64;
constexpr double kTemperatureMax = 100;

// Six significant digits, as people write limits: 0.01, 1.5, 2.51939.
std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

Status Fail(std::string_view name, const std::string& why) {
  return InvalidArgument("parameter '" + std::string(name) + "': " + why);
}

Status NotANumber(std::string_view name, std::string_view text) {
  return Fail(name, "not a number: " + Quoted(text));
}

Status OutOfRange(std::string_view name, std::string_view text, const std::string& range) {
  return Fail(name, std::string(text.substr(0, kQuotedCharsMax)) + " is outside " + range);
}

// A finite decimal number within [low, high] (or (low, high] if `low_open`).
Result<double> ParseReal(std::string_view name, std::string_view text, double low, double high,
                         bool low_open = false) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() ||
      !std::isfinite(value)) {
    return NotANumber(name, text);
  }
  if ((low_open ? value <= low : value < low) || value > high) {
    return OutOfRange(name, text, (low_open ? "(" : "[") + Number(low) + ", " + Number(high) + "]");
  }
  return value;
}

// An integer within [low, high], written in decimal or as an exact "1e6".
Result<int64_t> ParseInteger(std::string_view name, std::string_view text, int64_t low,
                             int64_t high) {
  const Result<double> value = ParseReal(name, text, -1e300, 1e300);
  if (!value.ok()) return NotANumber(name, text);
  if (*value != std::floor(*value)) return Fail(name, "not an integer: " + Quoted(text));
  if (*value < static_cast<double>(low) || *value > static_cast<double>(high)) {
    return OutOfRange(name, text, "[" + std::to_string(low) + ", " + std::to_string(high) + "]");
  }
  return static_cast<int64_t>(*value);
}

Result<uint64_t> ParseSeed(std::string_view name, std::string_view text) {
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return Fail(name, "not an integer in [0, 2^64): " + Quoted(text));
  }
  return value;
}

Result<bool> ParseBool(std::string_view name, std::string_view text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return Fail(name, "expected true or false, got " + Quoted(text));
}

// Reads the known parameters one by one, keeps the first error, and refuses the unknown ones.
class ParamReader {
 public:
  explicit ParamReader(const Params& params) : params_(params) {}

  template <typename T>
  void Integer(std::string_view name, int64_t low, int64_t high, T& out) {
    if (const std::string* text = Find(name)) Keep(ParseInteger(name, *text, low, high), out);
  }
  template <typename T>
  void Real(std::string_view name, double low, double high, T& out, bool low_open = false) {
    if (const std::string* text = Find(name))
      Keep(ParseReal(name, *text, low, high, low_open), out);
  }
  template <typename T>
  void Positive(std::string_view name, double high, T& out) {
    Real(name, 0, high, out, true);
  }
  void Seed(std::string_view name, uint64_t& out) {
    if (const std::string* text = Find(name)) Keep(ParseSeed(name, *text), out);
  }
  void Bool(std::string_view name, bool& out) {
    if (const std::string* text = Find(name)) Keep(ParseBool(name, *text), out);
  }

  // The first error met, else an error for a parameter no reader asked for.
  Status Finish() const {
    if (!error_.ok()) return error_;
    for (const auto& [name, text] : params_) {
      if (std::find(known_.begin(), known_.end(), name) == known_.end()) {
        std::string list;
        for (const std::string_view known : known_)
          list += (list.empty() ? "" : ", ") + std::string(known);
        return InvalidArgument("unknown parameter " + Quoted(name, kQuotedCharsMax) + " (lj-md takes: " + list + ")");
      }
    }
    return Status::Ok();
  }

 private:
  const std::string* Find(std::string_view name) {
    known_.push_back(name);
    const auto it = params_.find(std::string(name));
    return it == params_.end() || !error_.ok() ? nullptr : &it->second;
  }
  template <typename T, typename Field>
  void Keep(Result<T> parsed, Field& field) {
    if (parsed.ok()) {
      field = *parsed;
    } else {
      error_ = parsed.status();
    }
  }

  const Params& params_;
  std::vector<std::string_view> known_;
  Status error_;
};

// The limits that depend on more than one parameter.
Status CheckTogether(const LjMdParams& p) {
  const SystemSpec& s = p.spec;
  const double length = BoxLength(s.cells, s.density);
  if (s.cutoff >= length / 2) {
    return Fail("cutoff", Number(s.cutoff) + " must be below half the box length, " +
                              Number(length / 2) + " for cells=" + std::to_string(s.cells) +
                              " at density " + Number(s.density));
  }
  const double radius = s.cutoff + s.skin;
  const double atoms = 4.0 * s.cells * s.cells * s.cells;
  const double per_atom =
      std::min(atoms, 4.0 / 3.0 * std::numbers::pi * radius * radius * radius * s.density);
  if (atoms * per_atom > kNeighborEntriesMax) {
    return Fail("cutoff", "cutoff + skin = " + Number(radius) + " gives about " +
                              Number(std::round(atoms * per_atom / 1e6)) +
                              " million neighbour list entries, more than " +
                              Number(kNeighborEntriesMax / 1e6) + " million");
  }
  if (const int64_t rows = ThermoRowsUpTo(s, s.steps); rows > kThermoRowsMax) {
    return Fail("thermo_every", std::to_string(rows) + " thermo rows for " +
                                    std::to_string(s.steps) + " steps, more than " +
                                    std::to_string(kThermoRowsMax));
  }
  return Status::Ok();
}

}  // namespace

Result<LjMdParams> ParseParams(const Params& params, uint64_t units) {
  LjMdParams p;
  ParamReader reader(params);
  // 256,000 atoms at most: a larger unit frees its arrays too slowly to stop within 100 ms.
  reader.Integer("cells", 1, 40, p.spec.cells);
  reader.Real("density", 0.01, 1.5, p.spec.density);
  reader.Positive("temperature", kTemperatureMax, p.temperature);
  reader.Positive("sweep_to", kTemperatureMax, p.sweep_to);
  reader.Positive("cutoff", 1e6, p.spec.cutoff);
  reader.Real("skin", 0, 2, p.spec.skin);
  reader.Positive("dt", 0.05, p.spec.dt);
  reader.Integer("steps", 1, 10'000'000, p.spec.steps);
  reader.Integer("thermo_every", 1, 10'000'000, p.spec.thermo_every);
  reader.Seed("seed", p.seed);
  reader.Bool("shift", p.spec.shift);
  reader.Positive("thermostat_t", kTemperatureMax, p.spec.thermostat_t);
  reader.Real("equilibrate", 0, 0.99, p.equilibrate);
  if (Status status = reader.Finish(); !status.ok()) return status;
  if (units == 0) return InvalidArgument("units: must be at least 1");
  if (Status status = CheckTogether(p); !status.ok()) return status;
  return p;
}

double UnitTemperature(const LjMdParams& params, uint64_t units, uint64_t index) {
  if (!params.sweep_to || units < 2) return params.temperature;
  const double fraction = static_cast<double>(index) / static_cast<double>(units - 1);
  return params.temperature + (*params.sweep_to - params.temperature) * fraction;
}

uint64_t UnitSeed(const LjMdParams& params, uint64_t index) { return params.seed + index; }

std::vector<std::string> ParamHelpLines() {
  return {
      "cells: fcc unit cells per box side, 1..64; 4*cells^3 atoms (default 20: 32,000 atoms)",
      "density: reduced number density, 0.01..1.5 (default 0.8442)",
      "temperature: initial temperature, (0, 100] (default 3.0)",
      "sweep_to: if given, unit i starts at a temperature spaced evenly from 'temperature' to this",
      "cutoff: lj/cut radius, below half the box length (default 2.5)",
      "skin: neighbour list skin, 0..2 (default 0.3)",
      "dt: time step, (0, 0.05] (default 0.005)",
      "steps: time steps per unit, 1..10^7 (default 1000)",
      "thermo_every: steps between thermo rows, at most steps (default 100)",
      "seed: unit i draws its velocities from seed + i (default 87287)",
      "shift: true to shift the pair energy to 0 at the cutoff (default false)",
      "thermostat_t: if given, a Berendsen thermostat to this temperature (default off: NVE)",
      "equilibrate: fraction of the steps left out of the averages, 0..0.99 (default 0.5)",
  };
}

}  // namespace potluck::lj_md
