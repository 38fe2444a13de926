// Fault injection points in the protocol core and its store, in the manner of FoundationDB's
// BUGGIFY: at a few places that matter, the code asks whether to misbehave the way a real
// system sometimes does. Production gives no Faults, so no point ever fires there; the
// simulator gives one driven by its seed, so a failing run replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace potluck {

enum class FaultPoint : uint8_t {
  // A holder does the work a message asked for (and stores it) but its answer is never sent:
  // the grant, the claim ack, the status. The asker must retry.
  kReplyForgotten,
  // A holder skips pushing its ledger to one co-holder this round: replication runs late.
  kReplicationSlow,
  // The store's commit fails (a full disk, an I/O error): the turn's writes are rolled back and
  // the runtime must restart the node from what was durable, never guess.
  kStoreCommitFails,
};
constexpr size_t kFaultPointCount = 3;

const char* FaultPointName(FaultPoint point);

// Decides whether a fault point fires. Not thread-safe: one event loop asks it.
class Faults {
 public:
  virtual ~Faults() = default;
  virtual bool Fire(FaultPoint point) = 0;
};

// True when `faults` is given and decides that `point` fires now; always false in production.
inline bool Buggify(Faults* faults, FaultPoint point) { return faults != nullptr && faults->Fire(point); }

}  // namespace potluck
