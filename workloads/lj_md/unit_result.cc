#include "lj_md/unit_result.h"

#include <cmath>

#include "potluck/base/byte_io.h"
#include "lj_md/params.h"

namespace potluck::lj_md {
namespace {

constexpr uint32_t kLayoutVersion = 1;
constexpr size_t kHeaderBytes = 4 + 4 + 8 + 8 + 8 + 4;
constexpr size_t kRowBytes = 8 + 4 * 8;
constexpr uint32_t kAtomsMax = 4 * 64 * 64 * 64;

}  // namespace

UnitResult ResultOf(const Simulation& simulation) {
  POTLUCK_CHECK(simulation.done());
  return {static_cast<uint32_t>(simulation.atoms().size()),
          simulation.velocity_seed(),
          simulation.initial_temperature(),
          simulation.step(),
          simulation.thermo(),
          simulation.StateHash()};
}

Bytes EncodeResult(const UnitResult& result) {
  Bytes bytes;
  bytes.reserve(kHeaderBytes + result.thermo.size() * kRowBytes + result.state_hash.size());
  ByteWriter writer(bytes);
  writer.U32(kLayoutVersion);
  writer.U32(result.atoms);
  writer.U64(result.velocity_seed);
  writer.F64(result.initial_temperature);
  writer.I64(result.steps);
  writer.U32(static_cast<uint32_t>(result.thermo.size()));
  for (const ThermoRow& row : result.thermo) WriteThermoRow(writer, row);
  writer.Raw(result.state_hash);
  return bytes;
}

Result<UnitResult> DecodeResult(const Bytes& bytes) {
  ByteReader reader(bytes);
  UnitResult result;
  const uint32_t version = reader.U32();
  result.atoms = reader.U32();
  result.velocity_seed = reader.U64();
  result.initial_temperature = reader.F64();
  result.steps = reader.I64();
  const uint32_t rows = reader.U32();
  if (reader.failed() || version != kLayoutVersion || result.atoms < 4 ||
      result.atoms > kAtomsMax || !(result.initial_temperature > 0) || result.steps < 1 ||
      rows < 1 || rows > kThermoRowsMax ||
      reader.remaining() != rows * kRowBytes + result.state_hash.size()) {
    return Corrupt("lj-md result: " + std::to_string(bytes.size()) +
                   " bytes that are not a version 1 result");
  }
  for (uint32_t r = 0; r < rows; ++r) {
    const ThermoRow row = ReadThermoRow(reader);
    const int64_t previous = result.thermo.empty() ? -1 : result.thermo.back().step;
    const bool finite = std::isfinite(row.temperature) && std::isfinite(row.potential_energy) &&
                        std::isfinite(row.total_energy) && std::isfinite(row.pressure);
    if (row.step <= previous || row.step > result.steps || (r == 0 && row.step != 0) || !finite) {
      return Corrupt("lj-md result: thermo row " + std::to_string(r) +
                     " is out of order or not finite");
    }
    result.thermo.push_back(row);
  }
  if (result.thermo.back().step != result.steps) {
    return Corrupt("lj-md result: the last thermo row is not the last step");
  }
  const std::span<const uint8_t> hash = reader.Raw(result.state_hash.size());
  std::copy(hash.begin(), hash.end(), result.state_hash.begin());
  return result;
}

nlohmann::json ToJson(const UnitResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const ThermoRow& row : result.thermo) {
    rows.push_back({{"step", row.step},
                    {"temperature", row.temperature},
                    {"potential_energy", row.potential_energy},
                    {"total_energy", row.total_energy},
                    {"pressure", row.pressure}});
  }
  return {{"atoms", result.atoms},
          {"velocity_seed", result.velocity_seed},
          {"initial_temperature", result.initial_temperature},
          {"steps", result.steps},
          {"thermo", rows},
          {"state_hash", ToHex(result.state_hash)}};
}

}  // namespace potluck::lj_md
