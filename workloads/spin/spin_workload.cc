#include "spin/spin_workload.h"

#include <time.h>

#include <charconv>

namespace potluck {
namespace {

constexpr size_t kResultBytes = 16;

uint64_t ThreadCpuNs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1'000'000'000 + static_cast<uint64_t>(t.tv_nsec);
}

Result<uint64_t> ParseMs(const Params& params) {
  for (const auto& [key, value] : params) {
    if (key != "ms") return InvalidArgument("spin: unknown parameter '" + key + "' (spin takes: ms)");
  }
  auto it = params.find("ms");
  if (it == params.end()) return uint64_t{0};
  const std::string& text = it->second;
  uint64_t ms = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || ms > kSpinMsMax) {
    return InvalidArgument("spin: ms must be a whole number of milliseconds from 0 to " +
                           std::to_string(kSpinMsMax) + ", not '" + text.substr(0, 32) + "'");
  }
  return ms;
}

void PutU64(Bytes& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint64_t GetU64(const Bytes& in, size_t at) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(in[at + i]) << (8 * i);
  return v;
}

// Index and value of a result, or an error if the bytes are not one.
Result<std::pair<uint64_t, uint64_t>> Decode(const Bytes& bytes) {
  if (bytes.size() != kResultBytes) return Corrupt("spin: a unit result is 16 bytes, not " + std::to_string(bytes.size()));
  uint64_t index = GetU64(bytes, 0), value = GetU64(bytes, 8);
  if (value != SpinValueOf(index)) return Corrupt("spin: wrong value for unit " + std::to_string(index));
  return std::pair{index, value};
}

class SpinAggregator final : public Aggregator {
 public:
  SpinAggregator(Result<uint64_t> ms, uint64_t units) : ms_(std::move(ms)), units_(units) {}

  Status Add(uint64_t index, const Bytes& bytes) override {
    if (!ms_.ok()) return ms_.status();
    auto decoded = Decode(bytes);
    if (!decoded.ok()) return decoded.status();
    if (decoded->first != index || index >= units_) {
      return Corrupt("spin: result of unit " + std::to_string(decoded->first) + " given as unit " + std::to_string(index));
    }
    xor_ ^= decoded->second;
    ++added_;
    return Status::Ok();
  }
  nlohmann::json Finish() const override {
    return {{"units", added_}, {"ms", ms_.ok() ? *ms_ : 0}, {"xor", xor_}};
  }
  std::string Summary() const override {
    if (!ms_.ok()) return ms_.status().message();
    return std::to_string(added_) + " of " + std::to_string(units_) + " units of " + std::to_string(*ms_) + " ms";
  }

 private:
  const Result<uint64_t> ms_;
  const uint64_t units_;
  uint64_t added_ = 0;
  uint64_t xor_ = 0;
};

}  // namespace

uint64_t SpinValueOf(uint64_t index) {
  uint64_t z = index + 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<std::string> SpinWorkload::ParamHelp() const {
  return {"ms: CPU milliseconds each unit burns (default 0: no work), at most " + std::to_string(kSpinMsMax)};
}

Status SpinWorkload::Validate(const Params& params, uint64_t units) const {
  auto ms = ParseMs(params);
  if (!ms.ok()) return ms.status();
  if (units == 0) return InvalidArgument("spin: a project needs at least one unit");
  return Status::Ok();
}

Result<Bytes> SpinWorkload::Run(const Params& params, uint64_t units, uint64_t index, KernelContext& context) const {
  auto ms = ParseMs(params);
  if (!ms.ok()) return ms.status();
  if (index >= units) return InvalidArgument("spin: unit " + std::to_string(index) + " of only " + std::to_string(units));
  const uint64_t start = ThreadCpuNs(), burn_ns = *ms * 1'000'000;
  // Reading the thread's CPU clock costs about 100 ns, so checking it every lap keeps the burn
  // within a microsecond of its target and the cancel flag within a millisecond.
  while (ThreadCpuNs() - start < burn_ns) {
    if (context.Cancelled()) return Unavailable("spin: unit " + std::to_string(index) + " cancelled");
  }
  Bytes out;
  out.reserve(kResultBytes);
  PutU64(out, index);
  PutU64(out, SpinValueOf(index));
  return out;
}

Result<nlohmann::json> SpinWorkload::DescribeUnit(const Bytes& result) const {
  auto decoded = Decode(result);
  if (!decoded.ok()) return decoded.status();
  return nlohmann::json{{"index", decoded->first}, {"value", decoded->second}};
}

std::unique_ptr<Aggregator> SpinWorkload::NewAggregator(const Params& params, uint64_t units) const {
  return std::make_unique<SpinAggregator>(ParseMs(params), units);
}

}  // namespace potluck
