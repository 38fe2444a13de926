// potluck-sim: runs the real protocol core of a whole grid in one process under injected
// faults, from a seed, and checks every run (see docs/simulation.md).
//   potluck-sim --seed 17 [--trace]       one run, replayed exactly
//   potluck-sim --seeds 1-1000            a campaign, each seed with its fault mix
// Exit 0 when every run held, 1 naming every failing seed, 2 for bad flags.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>

#include "sim/campaign.h"

namespace {

using namespace potluck;
using namespace potluck::testing;

// Seeds one campaign runs at most.
constexpr uint64_t kCampaignSeedsMax = 10'000'000;

struct SeedRange {
  uint64_t first = 1, last = 1;
};

// "A-B" or a single "A".
bool ParseSeeds(const std::string& text, SeedRange& range) {
  const size_t dash = text.find('-');
  try {
    size_t used = 0;
    range.first = std::stoull(text.substr(0, dash), &used);
    if (used != (dash == std::string::npos ? text.size() : dash)) return false;
    range.last = range.first;
    if (dash != std::string::npos) {
      range.last = std::stoull(text.substr(dash + 1), &used);
      if (used != text.size() - dash - 1) return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  return range.first <= range.last && range.last - range.first < kCampaignSeedsMax;
}

// Everything the flags say. A fault flag the user gave overrides the mix's value.
struct Flags {
  SimOptions base;
  std::string seeds_text, mix_name = "auto";
  bool trace = false, no_coordinator = false, quiet = false, progress = false;
  double time_limit_s = 1800;
  std::map<std::string, double> rates;
  std::map<std::string, double> seconds;
  std::string partition;
  int saboteurs = -1;
  bool collude = true;
  double honest_units = -1;
};

constexpr const char* kRateFlags[] = {"drop", "duplicate", "reorder", "long-tail", "crash-rate", "crash-mid-turn",
                                      "kernel-fails", "reply-forgotten", "replication-slow", "store-commit-fails",
                                      "saboteur-wrong-rate", "clock-drift-ppm"};
constexpr const char* kSecondsFlags[] = {"crash-down", "partition-at", "partition-for", "lose-coordinator-at",
                                         "clock-offset"};

void AddGridFlags(CLI::App& app, Flags& f) {
  std::string mixes;
  for (const std::string& name : FaultMixNames()) mixes += " " + name;
  app.add_option("--seed", f.seeds_text, "one run: its seed");
  app.add_option("--seeds", f.seeds_text, "a campaign: seeds A-B");
  app.add_flag("--trace", f.trace, "print every event of the run (with --seed)");
  app.add_flag("--quiet", f.quiet, "print only failing runs and the summary");
  app.add_option("--mix", f.mix_name, "fault mix: auto (chosen from each seed) or one of:" + mixes)->capture_default_str();
  app.add_option("--workers", f.base.workers, "computing nodes")->check(CLI::Range(1, kSimNodesMax - 1))->capture_default_str();
  app.add_flag("--no-coordinator", f.no_coordinator, "no coordinator: the project is submitted to a worker");
  app.add_option("--units", f.base.units, "units of the project")->check(CLI::Range(1, 10'000'000))->capture_default_str();
  app.add_flag("--memory-store", f.base.memory_store,
               "nodes keep their state in memory, not SQLite: for grids of many thousands of nodes "
               "(no kills inside a turn, no failed commits)");
  app.add_flag("--traffic", f.base.count_traffic, "print the messages and bytes each peer sent per minute (with --seed)");
  app.add_flag("--progress", f.progress, "print to stderr every 10 virtual seconds how far the run is (with --seed)");
  app.add_option("--quorum", f.base.policy.min_quorum, "agreeing results a unit needs")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--max-replicas", f.base.policy.max_replicas, "results per unit before it fails")
      ->check(CLI::Range(1, 32))->capture_default_str();
  app.add_option("--holders", f.base.policy.holders, "holders per project")->check(CLI::Range(1, 16))->capture_default_str();
  app.add_option("--spot-check-ppm", f.base.policy.spot_check_ppm, "adaptive replication: spot checks per million (0: off)")
      ->check(CLI::Range(0u, 1'000'000u))->capture_default_str();
  app.add_option("--time-limit", f.time_limit_s, "virtual seconds a run may take")
      ->check(CLI::Range(10.0, 86400.0))->capture_default_str();
}

void AddFaultFlags(CLI::App& app, Flags& f) {
  for (const char* rate : kRateFlags) {
    const bool ppm = std::string(rate) == "clock-drift-ppm";
    app.add_option(std::string("--") + rate, f.rates[rate], ppm ? "clock drift, parts per million (overrides the mix)"
                                                                 : "rate, 0-1 (overrides the mix)")
        ->check(CLI::Range(0.0, ppm ? 100000.0 : 1.0));
  }
  for (const char* secs : kSecondsFlags) {
    app.add_option(std::string("--") + secs, f.seconds[secs], "seconds (overrides the mix)")->check(CLI::Range(0.0, 86400.0));
  }
  app.add_option("--partition", f.partition, "even-odd, random-split or isolate-one (overrides the mix)")
      ->check(CLI::IsMember({"even-odd", "random-split", "isolate-one"}));
  app.add_option("--saboteurs", f.saboteurs, "workers that lie (overrides the mix)")->check(CLI::Range(0, kSimNodesMax));
  app.add_option("--saboteur-honest-units", f.honest_units, "units a saboteur computes right before lying")
      ->check(CLI::Range(0.0, 1e9));
  app.add_flag("!--no-collude", f.collude, "saboteurs each lie their own way");
}

// The fault flags given, applied over a run's mix.
std::function<void(SimOptions&)> Overrides(const CLI::App& app, const Flags& f) {
  return [&app, &f](SimOptions& o) {
    auto ms = [](double s) { return std::chrono::milliseconds(static_cast<int64_t>(s * 1000)); };
    const std::map<std::string, double*> rates = {
        {"drop", &o.drop}, {"duplicate", &o.duplicate}, {"reorder", &o.reorder}, {"long-tail", &o.long_tail},
        {"crash-rate", &o.crash_per_second}, {"crash-mid-turn", &o.crash_mid_turn}, {"kernel-fails", &o.kernel_fails},
        {"reply-forgotten", &o.reply_forgotten}, {"replication-slow", &o.replication_slow},
        {"store-commit-fails", &o.store_commit_fails}, {"saboteur-wrong-rate", &o.saboteur_wrong_rate},
        {"clock-drift-ppm", &o.clock_rate_ppm_max}};
    for (const auto& [name, field] : rates) {
      if (app.count("--" + name)) *field = f.rates.at(name);
    }
    const std::map<std::string, Duration*> durations = {
        {"crash-down", &o.crash_down_max}, {"partition-at", &o.partition_at}, {"partition-for", &o.partition_for},
        {"lose-coordinator-at", &o.lose_coordinator_at}, {"clock-offset", &o.clock_offset_max}};
    for (const auto& [name, field] : durations) {
      if (app.count("--" + name)) *field = ms(f.seconds.at(name));
    }
    if (app.count("--partition")) {
      o.partition = f.partition == "even-odd" ? PartitionKind::kEvenOdd
                    : f.partition == "random-split" ? PartitionKind::kRandomSplit : PartitionKind::kIsolateOne;
    }
    if (app.count("--saboteurs")) o.saboteurs = f.saboteurs;
    if (app.count("--no-collude")) o.collude = f.collude;
    if (app.count("--saboteur-honest-units")) o.saboteur_honest_units = static_cast<uint64_t>(f.honest_units);
    if (o.memory_store) {
      o.crash_mid_turn = 0;  // MemoryStore cannot roll a turn back
      o.store_commit_fails = 0;
    }
  };
}

// Runs the seeds, a line each, and the summary. Returns the exit status.
int RunCampaign(const CampaignSpec& spec, SeedRange seeds, bool trace, bool quiet, bool progress) {
  const auto wall_start = std::chrono::steady_clock::now();
  CampaignSummary summary;
  for (uint64_t seed = seeds.first;; ++seed) {
    std::function<void(const std::string&)> print;
    if (trace) print = [](const std::string& line) { std::printf("%s\n", line.c_str()); };
    std::function<void(const SimProgress&)> follow;
    if (progress) {
      follow = [wall_start](const SimProgress& p) {
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
        std::fprintf(stderr,
                     "%.0f virtual s: %" PRIu64 " units decided (%.0f s wall); %" PRIu64
                     " replicas started, cores %.0f%% busy; %" PRIu64 " grants, %" PRIu64
                     " empty; leases %" PRIu64 " granted, %" PRIu64 " lapsed, %" PRIu64 " unconfirmed, %" PRIu64
                     " moved; claims %" PRIu64 " accepted, %" PRIu64 " duplicate; %zu holders\n",
                     std::chrono::duration<double>(p.virtual_time).count(), p.decided, wall, p.replicas_started,
                     100 * p.busy_share, p.grants, p.empty_grants, p.holders.leases_granted, p.holders.leases_expired,
                     p.holders.leases_unconfirmed, p.holders.leases_moved, p.holders.claims_accepted,
                     p.holders.claims_duplicate, p.project_holders);
        if (p.peer_traffic) {
          std::fprintf(stderr, "  so far the other peers sent %.0f messages and %.0f bytes per minute each\n",
                       p.peer_traffic->messages_per_minute, p.peer_traffic->bytes_per_minute);
        }
      };
    }
    RunReport report = RunSeed(spec, seed, print, follow);
    summary.Add(report);
    if (!quiet || report.verdict == RunVerdict::kFailed) std::printf("%s\n", RunLine(report).c_str());
    if (report.outcome.traffic) std::printf("%s", TrafficLines(report.outcome).c_str());
    std::fflush(stdout);
    if (seed == seeds.last) break;
  }
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  std::printf("%s\n", summary.Line(wall).c_str());
  if (summary.failed == 0) return 0;
  std::string failing;
  for (uint64_t seed : summary.failing_seeds) failing += " " + std::to_string(seed);
  std::fprintf(stderr, "potluck-sim: %llu failing seeds:%s\n", static_cast<unsigned long long>(summary.failed),
               failing.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"potluck-sim: the grid's protocol core under injected faults, from a seed, every run checked"};
  Flags f;
  AddGridFlags(app, f);
  AddFaultFlags(app, f);
  try {
    app.parse(argc, argv);
    if (app.count("--seed") + app.count("--seeds") != 1) throw CLI::ValidationError("give one of --seed and --seeds");
    if (f.trace && app.count("--seeds")) throw CLI::ValidationError("--trace needs one --seed");
    if (f.progress && app.count("--seeds")) throw CLI::ValidationError("--progress needs one --seed");
    if (f.base.count_traffic && app.count("--seeds")) throw CLI::ValidationError("--traffic needs one --seed");
    if (f.mix_name != "auto" && !FaultMixByName(f.mix_name)) throw CLI::ValidationError("--mix: unknown mix " + f.mix_name);
    if (app.count("--saboteurs") && f.saboteurs >= f.base.workers) throw CLI::ValidationError("--saboteurs: fewer than --workers");
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "potluck-sim: %s (see --help)\n", e.what());
    return 2;
  }
  SeedRange seeds;
  if (!ParseSeeds(f.seeds_text, seeds) || (app.count("--seed") && seeds.first != seeds.last)) {
    std::fprintf(stderr, "potluck-sim: bad seeds '%s': a number, or A-B with A <= B (see --help)\n", f.seeds_text.c_str());
    return 2;
  }
  // The runs' own lines say what matters; the nodes' logs would drown them.
  spdlog::set_level(spdlog::level::off);
  f.base.coordinator = !f.no_coordinator;
  f.base.time_limit = std::chrono::milliseconds(static_cast<int64_t>(f.time_limit_s * 1000));
  CampaignSpec spec{f.base, f.mix_name == "auto" ? std::nullopt : FaultMixByName(f.mix_name), Overrides(app, f)};
  return RunCampaign(spec, seeds, f.trace, f.quiet, f.progress);
}
