#include "potluck/core/verdict.h"

#include <algorithm>
#include <vector>

namespace potluck {

Verdict Decide(std::span<const ClaimRecord> claims, const QuorumPolicy& policy) {
  Verdict v;
  // Claims per unit are few (at most max_replicas, usually 2): quadratic counting is cheapest.
  for (const ClaimRecord& c : claims) {
    uint32_t same = 0;
    for (const ClaimRecord& d : claims) same += d.hash == c.hash;
    if (same > v.agreeing || (same == v.agreeing && c.hash < v.hash)) {
      v.agreeing = same;
      v.hash = c.hash;
    }
  }
  const auto count = static_cast<uint32_t>(claims.size());
  if (v.agreeing >= policy.min_quorum) {
    v.state = UnitState::kVerified;
  } else if (count >= policy.max_replicas) {
    v.state = UnitState::kFailed;
  } else {
    v.state = UnitState::kPending;
    // Ask for just enough replicas to reach quorum if they agree with the current best.
    v.replicas_wanted = std::min(policy.min_quorum - v.agreeing, policy.max_replicas - count);
  }
  if (v.state != UnitState::kVerified) v.hash = {};
  return v;
}

}  // namespace potluck
