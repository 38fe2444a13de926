// What this process uses of the machine, read from the kernel: for the CPU cap, the memory
// limit and the credit of a unit.
#pragma once

#include <cstdint>

namespace potluck {

// CPU time of every thread of this process so far, user and system, in seconds.
double ProcessCpuSeconds();

// Resident memory of this process now, in bytes; 0 if /proc cannot be read.
uint64_t ProcessResidentBytes();

}  // namespace potluck
