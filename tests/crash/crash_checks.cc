// The checks at the end of a crash loop: the ledgers, the result, the work each kill cost.
#include <fmt/format.h>

#include <sstream>

#include "crash/crash_loop.h"

namespace potluck::crash {
namespace {

using namespace std::chrono_literals;
using testing::Eventually;
using testing::ReadFile;
using testing::RunCommand;

// How long holders may take to merge the last claims into equal ledgers.
constexpr auto kLedgerMergeWaitMax = 30s;
constexpr auto kPrimesieveWaitMax = 300s;
// Progress reports come in steps of 1/1000 of a unit.
constexpr double kProgressStep = 0.001;

struct PrimeCounts {
  uint64_t primes = 0;
  uint64_t twins = 0;
};

// primes and twin pairs in [from, to), counted by Debian's primesieve (its range is closed).
std::optional<PrimeCounts> Primesieve(uint64_t from, uint64_t to) {
  auto r = RunCommand({"/usr/bin/primesieve", std::to_string(from), std::to_string(to - 1), "-c1", "-c2", "-q"},
                      kPrimesieveWaitMax);
  if (r.exit_code != 0) return std::nullopt;
  std::istringstream lines(r.out);
  PrimeCounts counts;
  int found = 0;
  for (std::string line; std::getline(lines, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    const uint64_t value = std::stoull(line.substr(colon + 1));
    if (key == "Primes") counts.primes = value, ++found;
    if (key == "Twin primes") counts.twins = value, ++found;
  }
  return found == 2 ? std::optional(counts) : std::nullopt;
}

}  // namespace

std::string CrashLoop::CheckResults() {
  GridNode& coordinator = grid_->coordinator();
  auto status = grid_->Ask(coordinator, "status", project_);
  if (!status.is_object()) return "the coordinator does not answer for the project";
  const auto& units = status["units"];
  if (units["verified"] != options_.units || units["failed"] != 0) {
    return fmt::format("{} of {} units verified, {} failed", units["verified"].dump(), options_.units,
                       units["failed"].dump());
  }
  auto results = grid_->Ask(coordinator, "results", project_);
  if (!results.is_object() || results["complete"] != true) return "the coordinator has no complete result";
  const nlohmann::json& result = results["result"];
  // Every holder ends with the same ledger, hence the same result.
  for (GridNode& node : grid_->nodes()) {
    if (node.coordinator || !grid_->Holds(node, project_)) continue;
    nlohmann::json theirs;
    bool equal = Eventually([&] { return (theirs = grid_->Ask(node, "results", project_)).is_object() &&
                                         theirs["result"] == result; }, kLedgerMergeWaitMax);
    if (!equal) return fmt::format("holder {} gives another result: {}", node.name, theirs.dump());
  }
  const uint64_t to = options_.from + options_.unit_numbers * static_cast<uint64_t>(options_.units);
  auto direct = Primesieve(options_.from, to);
  if (!direct) return "primesieve did not count the range (is primesieve-bin installed?)";
  fmt::print("result {} primes and {} twin pairs in [{}, {}); primesieve counts {} and {}\n",
             result["primes"].dump(), result["twins"].dump(), options_.from, to, direct->primes, direct->twins);
  if (result["primes"] != direct->primes || result["twins"] != direct->twins) {
    return "the grid's result differs from primesieve's count";
  }
  return "";
}

// Decides, for each kill mid-unit, whether the worker resumed from its checkpoint, and what the
// kill cost. The worker logs each resume; its status after the restart must show the unit at
// or past the checkpoint (else the kernel started afresh).
std::string CrashLoop::CheckWorkLost() {
  // Work lost is progress times one unit's CPU time as timed in this process, which runs the
  // same sieve up to about a tenth faster or slower than a worker sharing its core's caches.
  constexpr double kYardstickMargin = 1.2;
  int from_checkpoint = 0;
  std::string failure;
  for (KillRecord& k : kills_) {
    if (!k.unit) continue;
    const auto& node = *std::find_if(grid_->nodes().begin(), grid_->nodes().end(), [&](auto& n) { return n.name == k.target; });
    const std::string log = ReadFile(node.log);
    const std::string line = fmt::format("resuming unit {}#{} from its checkpoint", project_.substr(0, 12), *k.unit);
    const bool logged = log.find(line, std::min(k.log_offset, log.size())) != std::string::npos;
    const bool seen_behind = k.progress_seen_after && *k.progress_seen_after < k.checkpoint - kProgressStep;
    k.resumed = logged && k.checkpoint > 0 && !seen_behind;
    if (k.resumed) ++from_checkpoint;
    k.lost_cpu_s = LostCpuSeconds(k, figures_.unit_cpu_s);
    if (failure.empty() && k.lost_cpu_s > options_.checkpoint_interval_s * kYardstickMargin) {
      failure = fmt::format("kill {} of {} lost {:.2f} s of work on unit #{}, more than the checkpoint interval of {} s "
                            "and the yardstick's margin",
                            k.number, k.target, k.lost_cpu_s, *k.unit, options_.checkpoint_interval_s);
    }
  }
  if (!failure.empty()) return failure;
  if (from_checkpoint == 0) return "no kill landed mid-unit after a checkpoint: give more kills or longer units";
  return "";
}

}  // namespace potluck::crash
