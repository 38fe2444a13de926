// The node's one transaction around a turn of its event loop.
#pragma once

#include "potluck/base/status.h"

namespace potluck {

// What a commit survives. Every commit is atomic and outlives the process that made it; one
// that must also outlive the machine (a power cut, a kernel crash) waits for the disk.
enum class Survives { kProcessCrash, kPowerLoss };

// The runtime calls Begin(), lets the cores write through their stores, and sends the cores'
// messages only after Commit() succeeded, so nothing is acknowledged before it is durable.
// A failed write is sticky: Commit() reports it and the runtime stops rather than guess.
class Durable {
 public:
  virtual ~Durable() = default;
  virtual void Begin() = 0;
  // A commit that survives a power cut also makes every earlier one survive it.
  virtual Status Commit(Survives survives = Survives::kPowerLoss) = 0;
};

}  // namespace potluck
