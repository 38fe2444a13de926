// The quorum verdict: a pure function of a unit's claims, so every holder reaches the same one.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "potluck/core/ids.h"
#include "potluck/core/manifest.h"

namespace potluck {

struct ClaimRecord {
  PeerId peer;
  ResultHash hash;
  // The network it came from (see network.h), as the holder that accepted it first saw it;
  // empty when unknown. Claims of one network count once toward a quorum.
  std::string network;
  // Leased without replication to a peer with a long record (adaptive replication): it
  // verifies its unit alone. A fact about its lease, so every holder marks it the same way
  // whatever order the unit's claims reach it in.
  bool alone = false;
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
// everywhere); with max_replicas claims and no quorum, the unit failed. With the policy's
// distinct_networks, claims from one network back a hash once. Without a quorum, claims marked
// `alone` that agree verify their unit however many others disagree, so that a verified unit
// stays verified whatever order its claims arrive in.
Verdict Decide(std::span<const ClaimRecord> claims, const QuorumPolicy& policy);

}  // namespace potluck
