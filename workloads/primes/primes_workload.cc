#include "primes/primes_workload.h"

#include <optional>
#include <string>
#include <utility>

#include "primes/params.h"
#include "primes/search.h"
#include "primes/unit_result.h"

namespace potluck {
namespace {

using primes::Combine;
using primes::SearchState;
using primes::Tally;
using primes::UnitRange;
using primes::UnitResult;

std::string RangeText(uint64_t lo, uint64_t hi) {
  return "[" + std::to_string(lo) + ", " + std::to_string(hi) + ")";
}

nlohmann::json View(const SearchState& state) {
  return {{"range", {state.lo, state.hi}},
          {"position", state.position},
          {"primes", state.tally.primes},
          {"twins", state.tally.twins},
          {"largest_gap", primes::GapJson(state.tally.largest_gap)}};
}

Status UnitIndexError(uint64_t index, uint64_t units) {
  return InvalidArgument("unit " + std::to_string(index) + " of only " + std::to_string(units) +
                         " units");
}

class PrimesAggregator final : public Aggregator {
 public:
  PrimesAggregator(Result<UnitRange> range, uint64_t units)
      : range_(std::move(range)), units_(units) {}

  Status Add(uint64_t index, const Bytes& bytes) override {
    if (!range_.ok()) return range_.status();
    if (index >= units_) return UnitIndexError(index, units_);
    // Units not verified yet are skipped, so indexes may jump, but never go back.
    if (added_ > 0 && index <= last_index_) {
      return InvalidArgument("unit " + std::to_string(index) + " added out of order, after unit " +
                             std::to_string(last_index_));
    }
    const Result<UnitResult> result = primes::DecodeUnitResult(bytes);
    if (!result.ok()) return result.status();
    const UnitRange expected = primes::UnitRangeOf(range_->lo, range_->hi, units_, index);
    if (result->range != expected) {
      return Corrupt("unit " + std::to_string(index) + " covers " +
                     RangeText(result->range.lo, result->range.hi) + " but should cover " +
                     RangeText(expected.lo, expected.hi));
    }
    // After a skipped unit the last prime before this one is unknown, so the pair or gap
    // across the hole is left out.
    if (added_ > 0 && index != last_index_ + 1) total_.last = 0;
    total_ = Combine(total_, result->tally);
    last_index_ = index;
    ++added_;
    return Status::Ok();
  }

  nlohmann::json Finish() const override {
    return {{"from", range_.ok() ? range_->lo : 0},
            {"to", range_.ok() ? range_->hi : 0},
            {"units", added_},
            {"primes", total_.primes},
            {"twins", total_.twins},
            {"largest_gap", primes::GapJson(total_.largest_gap)}};
  }

  std::string Summary() const override {
    if (!range_.ok()) return "primes: " + range_.status().message();
    std::string line = std::to_string(total_.primes) + " primes in " +
                       RangeText(range_->lo, range_->hi) + ", " + std::to_string(total_.twins) +
                       " twin pairs";
    if (total_.largest_gap.length > 0) {
      line += ", largest gap " + std::to_string(total_.largest_gap.length) + " after " +
              std::to_string(total_.largest_gap.start);
    }
    if (added_ != units_) {
      line +=
          " (counted in " + std::to_string(added_) + " of " + std::to_string(units_) + " units)";
    }
    return line;
  }

 private:
  const Result<UnitRange> range_;
  const uint64_t units_;
  uint64_t added_ = 0;
  uint64_t last_index_ = 0;
  Tally total_;
};

}  // namespace

std::vector<std::string> PrimesWorkload::ParamHelp() const {
  return {
      "from: first number of the range (default 0); decimal, or exact forms like 1e9, 10^9, 2^64-1",
      "to: end of the range, not included (required); at most 2^64-1",
  };
}

Status PrimesWorkload::Validate(const Params& params, uint64_t units) const {
  const Result<UnitRange> range = primes::ParseRangeAndUnits(params, units);
  return range.ok() ? Status::Ok() : range.status();
}

Result<Bytes> PrimesWorkload::Run(const Params& params, uint64_t units, uint64_t index,
                                  KernelContext& context) const {
  const Result<UnitRange> range = primes::ParseRangeAndUnits(params, units);
  if (!range.ok()) return range.status();
  if (index >= units) return UnitIndexError(index, units);
  const UnitRange unit = primes::UnitRangeOf(range->lo, range->hi, units, index);

  // A checkpoint of another unit, another format or damaged is ignored: the unit starts afresh.
  std::optional<SearchState> resume;
  if (!context.Checkpoint().empty()) {
    resume = primes::DecodeState(context.Checkpoint());
    if (resume && (resume->lo != unit.lo || resume->hi != unit.hi)) resume.reset();
  }
  context.ShowView(View(resume ? *resume : SearchState{unit.lo, unit.hi, unit.lo, {}}));

  const primes::SieveHooks hooks{[&context] { return context.Cancelled(); },
                                 [&context](double fraction) { context.Progress(fraction); }};
  const primes::RoundHook round_done = [&context](const SearchState& state) {
    context.ShowView(View(state));
    if (context.CheckpointDue()) context.SaveCheckpoint(primes::EncodeState(state));
  };
  const Result<Tally> tally = primes::Search(unit.lo, unit.hi, hooks, round_done, resume);
  if (!tally.ok()) {
    if (tally.status().code() == Code::kUnavailable) {
      return Unavailable("primes: unit " + std::to_string(index) + " cancelled");
    }
    return tally.status();
  }
  context.ShowView(View(SearchState{unit.lo, unit.hi, unit.hi, *tally}));
  return primes::EncodeUnitResult({unit, *tally});
}

Result<nlohmann::json> PrimesWorkload::DescribeUnit(const Bytes& result) const {
  const Result<UnitResult> unit = primes::DecodeUnitResult(result);
  if (!unit.ok()) return unit.status();
  return primes::UnitResultJson(*unit);
}

std::unique_ptr<Aggregator> PrimesWorkload::NewAggregator(const Params& params,
                                                          uint64_t units) const {
  return std::make_unique<PrimesAggregator>(primes::ParseRangeAndUnits(params, units), units);
}

}  // namespace potluck
