#include "sim/campaign.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>

namespace potluck::testing {

const char* RunVerdictName(RunVerdict verdict) {
  switch (verdict) {
    case RunVerdict::kOk: return "ok";
    case RunVerdict::kSaboteurQuorum: return "saboteurs-made-a-quorum";
    case RunVerdict::kFailed: return "FAILED";
  }
  return "?";
}

RunVerdict VerdictOf(const SimOutcome& outcome) {
  if (!outcome.checks.problems.empty()) return RunVerdict::kFailed;
  return outcome.checks.saboteurs_made_quorum() ? RunVerdict::kSaboteurQuorum : RunVerdict::kOk;
}

FaultMix MixForSeed(const CampaignSpec& spec, uint64_t seed) { return spec.mix ? *spec.mix : MixOfSeed(seed); }

SimOptions OptionsForSeed(const CampaignSpec& spec, uint64_t seed) {
  SimOptions options = WithFaultMix(spec.base, MixForSeed(spec, seed), seed);
  if (spec.overrides) spec.overrides(options);
  return options;
}

RunReport RunSeed(const CampaignSpec& spec, uint64_t seed, std::function<void(const std::string&)> trace,
                  std::function<void(const SimProgress&)> progress) {
  RunReport report;
  report.seed = seed;
  report.mix = MixForSeed(spec, seed);
  GridSim sim(seed, OptionsForSeed(spec, seed));
  if (trace) sim.set_trace(std::move(trace));
  if (progress) sim.set_progress(std::move(progress));
  report.outcome = sim.Run();
  report.verdict = VerdictOf(report.outcome);
  return report;
}

std::string RunLine(const RunReport& r) {
  const SimOutcome& o = r.outcome;
  char buf[256];
  std::snprintf(buf, sizeof buf, "seed %" PRIu64 " mix %s %s finish %.1fs messages %" PRIu64 " crashes %" PRIu64
                " verified %" PRIu64 " failed %" PRIu64 " trace %016" PRIx64,
                r.seed, FaultMixName(r.mix), RunVerdictName(r.verdict),
                static_cast<double>(o.finish_time.count()) / 1000, o.messages, o.crashes, o.checks.verified,
                o.checks.failed, o.trace_hash);
  std::string line = buf;
  if (o.claims_contradicting > 0) line += " contradicting " + std::to_string(o.claims_contradicting);
  for (const std::string& problem : o.checks.problems) line += "\n    " + problem;
  return line;
}

void CampaignSummary::Add(const RunReport& report) {
  ++runs;
  ok += report.verdict == RunVerdict::kOk;
  saboteur_quorum += report.verdict == RunVerdict::kSaboteurQuorum;
  if (report.verdict == RunVerdict::kFailed) {
    ++failed;
    failing_seeds.push_back(report.seed);
  }
  virtual_seconds += static_cast<double>(report.outcome.finish_time.count()) / 1000;
  messages += report.outcome.messages;
}

std::string CampaignSummary::Line(double wall_seconds) const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "runs %" PRIu64 ": %" PRIu64 " ok, %" PRIu64 " saboteurs made a quorum, %" PRIu64
                " failed; %.1f virtual hours, %" PRIu64 " messages, %.1f s wall",
                runs, ok, saboteur_quorum, failed, virtual_seconds / 3600, messages, wall_seconds);
  return buf;
}

std::string TrafficLines(const SimOutcome& o) {
  const double minutes = std::chrono::duration<double>(o.virtual_time).count() / 60;
  const auto& held = o.held_project;
  auto [workers, workers_max] = o.traffic->MeanAndMax(minutes, [&](size_t i) { return !held[i]; });
  auto [holders, holders_max] = o.traffic->MeanAndMax(minutes, [&](size_t i) { return held[i]; });
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "traffic over %.1f virtual minutes, per peer per minute:\n"
                "  peers    mean %.0f messages %.0f bytes; largest %.0f messages %.0f bytes\n"
                "  holders  mean %.0f messages %.0f bytes; largest %.0f messages %.0f bytes (%zu holders)\n",
                minutes, workers.messages_per_minute, workers.bytes_per_minute, workers_max.messages_per_minute,
                workers_max.bytes_per_minute, holders.messages_per_minute, holders.bytes_per_minute,
                holders_max.messages_per_minute, holders_max.bytes_per_minute,
                static_cast<size_t>(std::count(held.begin(), held.end(), true)));
  std::string out = buf;
  for (size_t k = 0; k < TrafficMeter::kKinds; ++k) {
    const TrafficMeter::Kind& kind = o.traffic->kinds()[k];
    if (kind.messages == 0) continue;
    std::snprintf(buf, sizeof buf, "  %-16s %12" PRIu64 " messages %14" PRIu64 " bytes\n", KindName(k), kind.messages,
                  kind.bytes);
    out += buf;
  }
  return out;
}

}  // namespace potluck::testing
