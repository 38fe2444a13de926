// The quorum verdict: a pure function of a unit's claims, so every holder reaches the same one.
#pragma once

#include <cstdint>
#include <span>

#include "potluck/core/ids.h"
#include "potluck/core/manifest.h"

namespace potluck {

struct ClaimRecord {
  PeerId peer;
  ResultHash hash;
  bool operator==(const ClaimRecord&) const = default;
};

enum class UnitState : uint8_t { kPending, kVerified, kFailed };

struct Verdict {
  UnitState state = UnitState::kPending;
  ResultHash hash;           // the agreed result, when verified
  uint32_t agreeing = 0;     // claims behind the largest group of equal hashes
  uint32_t replicas_wanted = 0;  // further results to collect, when pending
};

// REQUIRES: claims come from distinct peers (the ledger keeps one claim per peer and unit).
// A hash backed by min_quorum claims wins (ties: the smaller hash, so the verdict is the same
// everywhere); with max_replicas claims and no quorum, the unit failed.
Verdict Decide(std::span<const ClaimRecord> claims, const QuorumPolicy& policy);

}  // namespace potluck
