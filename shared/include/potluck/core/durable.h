// The node's one transaction around a turn of its event loop.
#pragma once

#include "potluck/base/status.h"

namespace potluck {

// The runtime calls Begin(), lets the cores write through their stores, and sends the cores'
// messages only after Commit() succeeded, so nothing is acknowledged before it is durable.
// A failed write is sticky: Commit() reports it and the runtime stops rather than guess.
class Durable {
 public:
  virtual ~Durable() = default;
  virtual void Begin() = 0;
  virtual Status Commit() = 0;
};

}  // namespace potluck
