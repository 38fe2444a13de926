// A tiny workload for protocol tests: unit i's result is i*i, or a wrong value for saboteurs.
#pragma once

#include <cstring>

#include "potluck/workload/workload.h"

namespace potluck::testing {

class SquareWorkload final : public Workload {
 public:
  std::string_view Name() const override { return "square"; }
  uint32_t Version() const override { return 1; }
  std::vector<std::string> ParamHelp() const override { return {}; }
  Status Validate(const Params& params, uint64_t units) const override {
    if (!params.empty()) return InvalidArgument("unknown parameter '" + params.begin()->first + "'");
    return units > 0 ? Status::Ok() : InvalidArgument("units: at least 1");
  }
  Result<Bytes> Run(const Params&, uint64_t, uint64_t index, KernelContext&) const override { return Encode(index * index); }
  Result<nlohmann::json> DescribeUnit(const Bytes& r) const override { return nlohmann::json(Decode(r)); }
  std::unique_ptr<Aggregator> NewAggregator(const Params&, uint64_t) const override {
    return std::make_unique<Sum>();
  }

  static Bytes Encode(uint64_t v) {
    Bytes b(8);
    std::memcpy(b.data(), &v, 8);
    return b;
  }
  static uint64_t Decode(const Bytes& b) {
    uint64_t v = 0;
    if (b.size() == 8) std::memcpy(&v, b.data(), 8);
    return v;
  }

 private:
  struct Sum final : Aggregator {
    uint64_t total = 0, count = 0, wrong = 0;
    Status Add(uint64_t index, const Bytes& r) override {
      total += Decode(r);
      ++count;
      wrong += Decode(r) != index * index;
      return Status::Ok();
    }
    nlohmann::json Finish() const override { return {{"sum", total}, {"units", count}, {"wrong", wrong}}; }
    std::string Summary() const override { return "sum " + std::to_string(total); }
  };
};

}  // namespace potluck::testing
