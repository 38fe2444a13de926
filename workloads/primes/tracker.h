// Cancellation and progress shared by the threads of one search.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>

namespace potluck::primes {

// How a long search talks to its caller. Both functions may be called concurrently from any
// thread of the caller's TBB arena, so they must be thread-safe; either may be empty.
struct SieveHooks {
  // True once the caller wants the search to stop. Asked before every segment (a few
  // milliseconds of work) and every 65,536 sieving primes placed (under a millisecond).
  std::function<bool()> cancelled;
  // The fraction of the work done, in [0, 1], at most about a thousand times per search.
  // Reports from different threads may arrive slightly out of order.
  std::function<void(double)> progress;
};

// Thread-safe.
class Tracker {
 public:
  Tracker(const SieveHooks& hooks, uint64_t segments_total)
      : hooks_(hooks), segments_total_(segments_total) {}

  // Asks the caller; once it has said yes, the answer stays yes without asking again.
  bool Cancelled() {
    if (Stopped()) return true;
    if (hooks_.cancelled && hooks_.cancelled()) stopped_.store(true, std::memory_order_relaxed);
    return Stopped();
  }
  // Whether some thread has seen the cancellation, and so left its work undone.
  bool Stopped() const { return stopped_.load(std::memory_order_relaxed); }

  // Counts `segments` more as done, e.g. those done before a resumed search started.
  void SegmentsDone(uint64_t segments) {
    const uint64_t done = segments_done_.fetch_add(segments, std::memory_order_relaxed) + segments;
    if (!hooks_.progress || segments_total_ == 0) return;
    // No overflow: a search has fewer than 2^45 segments.
    const uint64_t step = done * kProgressSteps / segments_total_;
    uint64_t reported = step_reported_.load(std::memory_order_relaxed);
    if (step > reported && step_reported_.compare_exchange_strong(reported, step)) {
      hooks_.progress(static_cast<double>(step) / kProgressSteps);
    }
  }

 private:
  static constexpr uint64_t kProgressSteps = 1000;
  const SieveHooks& hooks_;
  const uint64_t segments_total_;
  std::atomic<uint64_t> segments_done_{0};
  std::atomic<uint64_t> step_reported_{0};
  std::atomic<bool> stopped_{false};
};

}  // namespace potluck::primes
