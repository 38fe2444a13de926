#include "registry.h"

#include "lj_md/lj_md_workload.h"
#include "primes/primes_workload.h"
#include "spin/spin_workload.h"

namespace potluck {

// A new workload is one folder beside this file and one line here.
void RegisterBuiltinWorkloads(WorkloadRegistry& registry) {
  registry.Add(std::make_unique<PrimesWorkload>());
  registry.Add(std::make_unique<LjMdWorkload>());
  registry.Add(std::make_unique<SpinWorkload>());
}

}  // namespace potluck
