#include "crash/crash_loop.h"

#include <fmt/format.h>
#include <sys/resource.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "potluck/base/bytes.h"
#include "primes/params.h"
#include "primes/search.h"

namespace potluck::crash {
namespace {

using namespace std::chrono_literals;

// How often restarted workers are asked which unit they compute.
constexpr double kWatchEvery_s = 0.3;

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

std::filesystem::path MakeWorkDir() {
  char pattern[] = "/tmp/potluck-crash-XXXXXX";
  if (!mkdtemp(pattern)) throw std::runtime_error("cannot make a folder in /tmp");
  return pattern;
}

// The share of unit [lo, hi) that a stored primes checkpoint (hex) has done; 0 if none.
double CheckpointProgress(const std::string& hex, uint64_t lo, uint64_t hi) {
  std::string lower = hex;
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  auto bytes = FromHex(lower);
  if (!bytes) return 0;
  auto state = primes::DecodeState(*bytes);
  if (!state || state->lo != lo || state->hi != hi) return 0;
  return static_cast<double>(state->position - lo) / static_cast<double>(hi - lo);
}

}  // namespace

CrashLoop::CrashLoop(LoopOptions options, const std::atomic<bool>& interrupted)
    : options_(std::move(options)), interrupted_(interrupted), rng_(options_.seed) {}

int CrashLoop::Run() {
  dir_ = MakeWorkDir();
  deadline_ = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(options_.timeout_s));
  if (options_.unit_numbers == 0) options_.unit_numbers = UnitNumbersFor(options_.unit_seconds);
  fmt::print("crash loop: seed {}, {} kills, {} workers, {} units of {} numbers, checkpoint every {} s, in {}\n",
             options_.seed, options_.kills, options_.workers, options_.units, options_.unit_numbers,
             options_.checkpoint_interval_s, dir_.string());
  std::fflush(stdout);
  std::string failure = RunSteps();
  if (grid_) grid_->StopAll();
  if (!kills_.empty()) {
    PrintKillTable(kills_);
    PrintSummary(kills_, figures_);
  }
  if (!failure.empty()) {
    fmt::print(stderr, "crash loop (seed {}) failed: {}; logs in {}\n", options_.seed, failure, dir_.string());
    return 1;
  }
  if (!options_.keep) std::filesystem::remove_all(dir_);
  fmt::print("crash loop passed: every unit verified, result equal to primesieve's, no kill lost more than "
             "one checkpoint interval\n");
  return 0;
}

std::string CrashLoop::RunSteps() {
  figures_ = {.seed = options_.seed, .units = options_.units, .workers = options_.workers,
              .checkpoint_interval_s = options_.checkpoint_interval_s};
  figures_.unit_cpu_s = MeasureUnitCpuSeconds();
  figures_.needed_cpu_s = figures_.unit_cpu_s * options_.units * 2;
  grid_ = std::make_unique<CrashGrid>(options_.bin_dir, dir_, options_.workers, options_.checkpoint_interval_s);
  if (std::string error = grid_->StartAll(); !error.empty()) return error;
  if (std::string error = Submit(); !error.empty()) return error;
  if (std::string error = KillPhase(); !error.empty()) return error;
  if (std::string error = AwaitProject(); !error.empty()) return error;
  if (std::string error = CheckResults(); !error.empty()) return error;
  return CheckWorkLost();
}

// One core's CPU seconds per number, timed here on the first `numbers` of the range before the
// grid starts. The sieve's cost per number is even over a unit's range.
double CrashLoop::SecondsPerNumber(uint64_t numbers) const {
  tbb::task_arena one_core(1);
  const double before = ProcessCpuSeconds();
  one_core.execute([&] { (void)primes::Search(options_.from, options_.from + numbers); });
  return std::max(1e-12, (ProcessCpuSeconds() - before) / static_cast<double>(numbers));
}

// Units sized by time rather than by count, so that each one spans several checkpoint intervals
// on a fast machine as on a slow one.
uint64_t CrashLoop::UnitNumbersFor(double seconds) const {
  constexpr uint64_t kStep = 1'000'000;
  const double per_number = SecondsPerNumber(2'000'000'000);
  return std::max(kStep, static_cast<uint64_t>(seconds / per_number / kStep) * kStep);
}

// One unit of the project on one core: the yardstick that turns progress into CPU seconds,
// timed on a quarter of unit 0.
double CrashLoop::MeasureUnitCpuSeconds() const {
  return SecondsPerNumber(options_.unit_numbers / 4) * static_cast<double>(options_.unit_numbers);
}

std::string CrashLoop::Submit() {
  const uint64_t to = options_.from + options_.unit_numbers * static_cast<uint64_t>(options_.units);
  auto r = grid_->Cli({"submit", "--to", grid_->coordinator().address, "--workload", "primes", "--param",
                       fmt::format("from={}", options_.from), "--param", fmt::format("to={}", to), "--units",
                       std::to_string(options_.units), "--quorum", "2", "--any-network", "--home",
                       (dir_ / "owner").string()},
                      60s);
  if (r.exit_code != 0) return "submit failed: " + r.err.substr(0, r.err.find('\n'));
  project_ = r.out.substr(0, r.out.find('\n'));
  submitted_ = Clock::now();
  return project_.size() == 64 ? "" : "submit printed no project id: " + r.out;
}

std::string CrashLoop::KillPhase() {
  std::vector<GridNode>& nodes = grid_->nodes();
  for (int n = 1; n <= options_.kills; ++n) {
    Idle(Uniform(0.2, std::max(0.2, options_.gap_max_s)));
    if (!TimeLeft()) return interrupted_ ? "interrupted" : fmt::format("out of time after {} kills", n - 1);
    GridNode& node = nodes[std::uniform_int_distribution<size_t>(0, nodes.size() - 1)(rng_)];
    KillRecord record{.number = n, .target = node.name};
    if (std::string error = KillAndRestart(node, record); !error.empty()) return error;
    fmt::print("kill {:>3} at {:6.1f} s: {:<12} {:<11}{}\n", n, record.at_s, record.target, record.role,
               record.unit ? fmt::format(" unit #{} at {:.1f}%", *record.unit, record.progress_at_kill * 100) : "");
    std::fflush(stdout);
    kills_.push_back(record);
    if (record.unit) watching_.push_back(kills_.size() - 1);
  }
  return "";
}

std::string CrashLoop::KillAndRestart(GridNode& node, KillRecord& record) {
  // A new kill of a worker ends the watch for what it resumed after the previous one.
  std::erase_if(watching_, [&](size_t k) { return kills_[k].target == node.name; });
  if (node.coordinator) {
    record.role = "coordinator";
    grid_->Kill(node);
  } else {
    record.role = grid_->Holds(node, project_) ? "holder" : "worker";
    ReadUnitAtKill(node, record);
  }
  record.at_s = Since(submitted_);
  record.pause_s = Uniform(0.1, std::max(0.1, options_.pause_max_s));
  if (record.unit) {
    const uint64_t to = options_.from + options_.unit_numbers * static_cast<uint64_t>(options_.units);
    const auto range = primes::UnitRangeOf(options_.from, to, options_.units, *record.unit);
    record.checkpoint = CheckpointProgress(grid_->StoredCheckpoint(node, project_, *record.unit), range.lo, range.hi);
    record.finished = grid_->Claimed(node, project_, *record.unit);
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(record.pause_s));
  std::error_code ec;
  record.log_offset = std::filesystem::file_size(node.log, ec);
  return grid_->Start(node);
}

// Reads the worker's status and kills it at once. The progress read is where the unit stood
// at some moment of the status call, so the CPU time the worker used from the call's start to
// the kill bounds the work done after the reading.
void CrashLoop::ReadUnitAtKill(GridNode& node, KillRecord& record) {
  const double cpu_before = testing::CpuSecondsOf(node.process->pid());
  WorkerView view = grid_->Status(node);
  const double cpu_at_kill = testing::CpuSecondsOf(node.process->pid());
  grid_->Kill(node);
  record.cpu_after_reading_s = cpu_before >= 0 && cpu_at_kill >= cpu_before ? cpu_at_kill - cpu_before : 0;
  if (view.unit && view.project == project_) {
    record.unit = view.unit;
    record.progress_at_kill = view.progress;
  }
}

void CrashLoop::Idle(double seconds) {
  const auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  while (TimeLeft() && Clock::now() < until) {
    const auto next = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(kWatchEvery_s));
    WatchResumes();
    std::this_thread::sleep_until(std::min(next, until));
  }
}

void CrashLoop::WatchResumes() {
  std::erase_if(watching_, [&](size_t k) {
    KillRecord& record = kills_[k];
    auto node = std::find_if(grid_->nodes().begin(), grid_->nodes().end(), [&](auto& n) { return n.name == record.target; });
    WorkerView view = grid_->Status(*node);
    // A kernel reports its progress only once it has started sieving, resumed or not.
    if (!view.unit || *view.unit != *record.unit || view.project != project_ || view.progress == 0) return false;
    record.progress_seen_after = view.progress;
    return true;
  });
}

std::string CrashLoop::AwaitProject() {
  const double left = std::chrono::duration<double>(deadline_ - Clock::now()).count();
  if (left <= 1) return "out of time before the project finished";
  const std::string limit = fmt::format("{:.0f}", left);
  auto wait = grid_->Cli({"wait", project_, "--to", grid_->coordinator().address, "--timeout", limit},
                         std::chrono::milliseconds(static_cast<int64_t>(left * 1000) + 30'000));
  figures_.project_s = Since(submitted_);
  figures_.grid_cpu_s = grid_->WorkerCpuSeconds();
  if (wait.exit_code != 0) {
    return fmt::format("the project did not finish (potluck wait exit {}): {}", wait.exit_code,
                       wait.err.substr(0, wait.err.find('\n')));
  }
  return "";
}

}  // namespace potluck::crash
