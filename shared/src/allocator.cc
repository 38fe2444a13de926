#include "potluck/app/allocator.h"

#ifdef POTLUCK_JEMALLOC
#include <jemalloc/jemalloc.h>

#include <string>

// Read by jemalloc as the process starts. A busy node allocates and frees small blocks by the
// million a second, which glibc's malloc did at a fifth of the event loop's time; jemalloc
// keeps freed blocks in per-thread caches instead. One arena (by default four per core) and
// caches for blocks of up to 1 KiB only keep an idle worker small, and a background thread
// hands freed pages back about a second after their last use.
extern "C" {
const char* malloc_conf = "narenas:1,tcache_max:1024,background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#else
#include <malloc.h>
#endif

namespace potluck {

void ReleaseFreeMemory() {
#ifdef POTLUCK_JEMALLOC
  // This thread's cached blocks first, so that the purge finds their pages free.
  (void)mallctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0);
  const std::string purge_all = "arena." + std::to_string(MALLCTL_ARENAS_ALL) + ".purge";
  (void)mallctl(purge_all.c_str(), nullptr, nullptr, nullptr, 0);
#else
  malloc_trim(0);
#endif
}

}  // namespace potluck
