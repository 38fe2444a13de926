// The workloads compiled into this build.
#pragma once

#include "potluck/workload/workload.h"

namespace potluck {

// Adds every built-in workload to `registry`.
void RegisterBuiltinWorkloads(WorkloadRegistry& registry);

}  // namespace potluck
