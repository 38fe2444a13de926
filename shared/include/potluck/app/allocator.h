// The programs' heap: jemalloc where the build links it (all but the sanitizer builds), glibc's
// malloc otherwise.
#pragma once

namespace potluck {

// Hands the heap's free pages back to the system: what a node that ran out of work calls.
void ReleaseFreeMemory();

}  // namespace potluck
