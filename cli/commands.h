// The subcommands of `potluck`. Each returns the process exit code:
// 0 done, 1 a failure (no answer, refused), 2 bad input, 3 units failed, 4 timed out.
#pragma once

#include <string>
#include <vector>

#include "client.h"

namespace potluck::cli {

enum ExitCode { kOk = 0, kFailure = 1, kBadInput = 2, kUnitsFailed = 3, kTimedOut = 4 };

struct SubmitOptions {
  std::string workload;
  std::vector<std::string> params;  // KEY=VALUE
  long long units = 0;
  int quorum = 2;
  int max_replicas = 0;  // 0: quorum + 3
  int holders = 3;
  int deadline_s = 600;
  int priority = 0;
  bool any_network = false;  // let one host or /24 supply several results of a unit
  double spot_check = 0;     // adaptive replication's spot-check rate; 0: off
  std::string home;      // where the owner key lives
};

int Submit(const Target& target, const SubmitOptions& options);
int Status(const Target& target, const std::string& project);
int Wait(const Target& target, const std::string& project, double timeout_s);
int Results(const Target& target, const std::string& project);
int Peers(const Target& target);
// Only with the owner key in `home`, the one that submitted the project.
int Cancel(const Target& target, const std::string& project, const std::string& home);
// Shows (creating on first use) the key that signs this user's projects.
int Keys(const std::string& home, bool json);

}  // namespace potluck::cli
