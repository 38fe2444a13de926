#include "potluck/core/verdict.h"

#include <algorithm>
#include <optional>
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

// The result of the claims leased alone, if they all agree (normally there is at most one: only a
// unit's first lease goes out alone). Alone claims that disagree prove nothing: the quorum decides.
std::optional<ResultHash> AloneHash(std::span<const ClaimRecord> claims) {
  std::optional<ResultHash> hash;
  for (const ClaimRecord& c : claims) {
    if (!c.alone) continue;
    if (hash && *hash != c.hash) return std::nullopt;
    hash = c.hash;
  }
  return hash;
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
  const std::optional<ResultHash> alone = AloneHash(claims);
  if (alone && v.agreeing < policy.min_quorum) {
    // Verified by the peer trusted with it alone, whatever came later: a verified unit stays
    // verified in any order of arrival. Only a quorum outweighs it.
    v.hash = *alone;
    v.agreeing = Backing(claims, *alone, policy);
    v.state = UnitState::kVerified;
  } else if (v.agreeing >= policy.min_quorum) {
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
