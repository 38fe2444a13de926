#include "registry.h"

#include "primes/primes_workload.h"

namespace potluck {

// A new workload is one folder beside this file and one line here.
void RegisterBuiltinWorkloads(WorkloadRegistry& registry) {
  registry.Add(std::make_unique<PrimesWorkload>());
}

}  // namespace potluck
