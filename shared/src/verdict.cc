#include "potluck/core/verdict.h"

#include <algorithm>
#include <vector>

namespace potluck {
namespace {

// Claims behind `hash`: distinct peers, or distinct networks when the policy asks. A claim of
// unknown network counts on its own.
uint32_t Backing(std::span<const ClaimRecord> claims, const ResultHash& hash, const QuorumPolicy& policy) {
  uint32_t backing = 0;
  for (size_t i = 0; i < claims.size(); ++i) {
    if (claims[i].hash != hash) continue;
    bool counted_already = policy.distinct_networks && !claims[i].network.empty() &&
                           std::any_of(claims.begin(), claims.begin() + static_cast<long>(i), [&](const ClaimRecord& c) {
                             return c.hash == hash && c.network == claims[i].network;
                           });
    backing += !counted_already;
  }
  return backing;
}

}  // namespace

Verdict Decide(std::span<const ClaimRecord> claims, const QuorumPolicy& policy) {
  Verdict v;
  // Claims per unit are few (at most max_replicas, usually 2): quadratic counting is cheapest.
  for (const ClaimRecord& c : claims) {
    uint32_t backing = Backing(claims, c.hash, policy);
    if (backing > v.agreeing || (backing == v.agreeing && c.hash < v.hash)) {
      v.agreeing = backing;
      v.hash = c.hash;
    }
  }
  const auto count = static_cast<uint32_t>(claims.size());
  if (v.agreeing >= policy.min_quorum || (count == 1 && claims[0].alone)) {
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
