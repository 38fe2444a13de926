#include "potluck/core/faults.h"

namespace potluck {

const char* FaultPointName(FaultPoint point) {
  switch (point) {
    case FaultPoint::kReplyForgotten: return "reply-forgotten";
    case FaultPoint::kReplicationSlow: return "replication-slow";
    case FaultPoint::kStoreCommitFails: return "store-commit-fails";
  }
  return "unknown";
}

}  // namespace potluck
