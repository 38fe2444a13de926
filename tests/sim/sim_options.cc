#include "sim/sim_options.h"

#include <cstdio>
#include <random>

namespace potluck::testing {
namespace {

constexpr const char* kMixNames[kFaultMixCount] = {"calm",       "lossy",           "crashes",
                                                   "partitions", "clock-drift",     "saboteurs",
                                                   "coordinator-loss", "fault-points", "everything"};

double Uniform(std::mt19937_64& rng, double lo, double hi) { return std::uniform_real_distribution<double>(lo, hi)(rng); }
int Between(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

void AddPartition(SimOptions& o, std::mt19937_64& rng) {
  o.partition = static_cast<PartitionKind>(Between(rng, 0, 2));
  o.partition_at = std::chrono::seconds(Between(rng, 5, 20));
  o.partition_for = std::chrono::seconds(Between(rng, 5, 40));
}

void AddCrashes(SimOptions& o, std::mt19937_64& rng) {
  o.crash_per_second = Uniform(rng, 0.01, 0.04);
  o.crash_down_max = std::chrono::milliseconds(Between(rng, 0, 5000));
  o.crash_mid_turn = Uniform(rng, 0, 0.002);
}

void AddSaboteurs(SimOptions& o, std::mt19937_64& rng) {
  // Fewer saboteurs than a quorum's worth of honest workers, so the grid can still finish.
  o.saboteurs = Between(rng, 1, std::max(1, o.workers / 3));
  o.collude = Between(rng, 0, 3) != 0;
  o.saboteur_wrong_rate = Between(rng, 0, 1) ? 1.0 : Uniform(rng, 0.1, 0.9);
  o.saboteur_honest_units = Between(rng, 0, 1) ? 0 : static_cast<uint64_t>(Between(rng, 2, 10));
  if (Between(rng, 0, 2) == 0) o.policy.spot_check_ppm = kSpotCheckPpmMin;  // adaptive replication
}

void AddFaultPoints(SimOptions& o, std::mt19937_64& rng, double scale) {
  o.kernel_fails = scale * Uniform(rng, 0, 0.05);
  o.reply_forgotten = scale * Uniform(rng, 0, 0.05);
  o.replication_slow = scale * Uniform(rng, 0, 0.3);
  o.store_commit_fails = scale * Uniform(rng, 0, 0.002);
}

}  // namespace

const char* FaultMixName(FaultMix mix) { return kMixNames[static_cast<int>(mix)]; }

std::optional<FaultMix> FaultMixByName(const std::string& name) {
  for (int i = 0; i < kFaultMixCount; ++i) {
    if (name == kMixNames[i]) return static_cast<FaultMix>(i);
  }
  return std::nullopt;
}

std::vector<std::string> FaultMixNames() { return {std::begin(kMixNames), std::end(kMixNames)}; }

FaultMix MixOfSeed(uint64_t seed) { return static_cast<FaultMix>(seed % kFaultMixCount); }

std::string DescribeOptions(const SimOptions& o) {
  static constexpr const char* kPartitions[] = {"even-odd", "random-split", "isolate-one"};
  auto s = [](Duration d) {
    char b[32];
    std::snprintf(b, sizeof b, "%.3gs", static_cast<double>(d.count()) / 1000);
    return std::string(b);
  };
  char buf[768];
  std::snprintf(buf, sizeof buf,
                "coordinator %d workers %d units %llu quorum %u max-replicas %u holders %u spot-check-ppm %u | "
                "saboteurs %d collude %d wrong-rate %.3f honest-units %llu | drop %.3f duplicate %.3f reorder %.3f "
                "long-tail %.3f | partition %s at %s for %s | crash-rate %.4f down %s mid-turn %.4f lose-coordinator-at %s | "
                "clock-offset %s drift-ppm %.0f | kernel-fails %.3f reply-forgotten %.3f replication-slow %.3f "
                "store-commit-fails %.4f",
                o.coordinator, o.workers, static_cast<unsigned long long>(o.units), o.policy.min_quorum,
                o.policy.max_replicas, o.policy.holders, o.policy.spot_check_ppm, o.saboteurs, o.collude,
                o.saboteur_wrong_rate, static_cast<unsigned long long>(o.saboteur_honest_units), o.drop, o.duplicate,
                o.reorder, o.long_tail, kPartitions[static_cast<int>(o.partition)], s(o.partition_at).c_str(),
                s(o.partition_for).c_str(), o.crash_per_second, s(o.crash_down_max).c_str(), o.crash_mid_turn,
                s(o.lose_coordinator_at).c_str(), s(o.clock_offset_max).c_str(), o.clock_rate_ppm_max, o.kernel_fails,
                o.reply_forgotten, o.replication_slow, o.store_commit_fails);
  return buf;
}

SimOptions WithoutFaults(SimOptions o) {
  o.saboteurs = 0;
  o.drop = o.duplicate = o.reorder = o.long_tail = 0;
  o.partition_for = Duration{0};
  o.crash_per_second = o.crash_mid_turn = 0;
  o.crash_down_max = Duration{0};
  o.lose_coordinator_at = Duration{0};
  o.clock_offset_max = Duration{0};
  o.clock_rate_ppm_max = 0;
  o.kernel_fails = o.reply_forgotten = o.replication_slow = o.store_commit_fails = 0;
  return o;
}

SimOptions WithFaultMix(SimOptions base, FaultMix mix, uint64_t seed) {
  // Its own stream, so the mix's details do not shift the run's other draws.
  std::mt19937_64 rng(seed ^ 0x6d69785f66617573ull);
  SimOptions o = WithoutFaults(base);
  switch (mix) {
    case FaultMix::kCalm:
      o.drop = 0.01;
      break;
    case FaultMix::kLossy:
      o.drop = Uniform(rng, 0.05, 0.25);
      o.duplicate = Uniform(rng, 0, 0.2);
      o.reorder = Uniform(rng, 0, 0.2);
      o.long_tail = Uniform(rng, 0, 0.05);
      break;
    case FaultMix::kCrashes:
      o.drop = 0.02;
      AddCrashes(o, rng);
      break;
    case FaultMix::kPartitions:
      o.drop = 0.02;
      AddPartition(o, rng);
      break;
    case FaultMix::kClockDrift:
      o.drop = 0.02;
      o.clock_offset_max = std::chrono::milliseconds(Between(rng, 100, 3000));
      o.clock_rate_ppm_max = Uniform(rng, 100, 2000);
      break;
    case FaultMix::kSaboteurs:
      o.drop = 0.02;
      AddSaboteurs(o, rng);
      break;
    case FaultMix::kCoordinatorLoss:
      o.drop = 0.02;
      o.crash_per_second = 0.01;
      if (o.coordinator) o.lose_coordinator_at = std::chrono::milliseconds(Between(rng, 5000, 20000));
      break;
    case FaultMix::kFaultPoints:
      o.drop = 0.02;
      AddFaultPoints(o, rng, 1.0);
      break;
    case FaultMix::kEverything:
      o.drop = Uniform(rng, 0.01, 0.1);
      o.duplicate = Uniform(rng, 0, 0.1);
      o.reorder = Uniform(rng, 0, 0.1);
      o.long_tail = Uniform(rng, 0, 0.02);
      AddCrashes(o, rng);
      AddPartition(o, rng);
      o.clock_offset_max = std::chrono::milliseconds(Between(rng, 0, 1000));
      o.clock_rate_ppm_max = Uniform(rng, 0, 500);
      AddSaboteurs(o, rng);
      AddFaultPoints(o, rng, 0.5);
      break;
  }
  return o;
}

}  // namespace potluck::testing
