#include "potluck/core/verdict.h"

#include <gtest/gtest.h>

namespace potluck {
namespace {

PeerId Peer(uint8_t b) {
  PeerId p;
  p.bytes.fill(b);
  return p;
}
ResultHash Hash(uint8_t b) {
  ResultHash h;
  h.bytes.fill(b);
  return h;
}

const QuorumPolicy kPolicy{.min_quorum = 2, .max_replicas = 4, .deadline = std::chrono::seconds(60)};

TEST(VerdictTest, NoClaimsWantsAQuorumOfReplicas) {
  Verdict v = Decide({}, kPolicy);
  EXPECT_EQ(v.state, UnitState::kPending);
  EXPECT_EQ(v.replicas_wanted, 2u);
}

TEST(VerdictTest, TwoAgreeingClaimsVerify) {
  std::vector<ClaimRecord> c = {{Peer(1), Hash(5)}, {Peer(2), Hash(5)}};
  Verdict v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kVerified);
  EXPECT_EQ(v.hash, Hash(5));
}

TEST(VerdictTest, DisagreementAsksForOneMoreReplica) {
  std::vector<ClaimRecord> c = {{Peer(1), Hash(5)}, {Peer(2), Hash(6)}};
  Verdict v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kPending);
  EXPECT_EQ(v.replicas_wanted, 1u);
  c.push_back({Peer(3), Hash(6)});
  v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kVerified);
  EXPECT_EQ(v.hash, Hash(6));
}

TEST(VerdictTest, NoQuorumAfterMaxReplicasFails) {
  std::vector<ClaimRecord> c = {{Peer(1), Hash(1)}, {Peer(2), Hash(2)}, {Peer(3), Hash(3)}, {Peer(4), Hash(4)}};
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kFailed);
}

TEST(VerdictTest, VerdictDoesNotDependOnClaimOrder) {
  std::vector<ClaimRecord> c = {{Peer(1), Hash(9)}, {Peer(2), Hash(3)}, {Peer(3), Hash(9)}, {Peer(4), Hash(3)}};
  Verdict first = Decide(c, kPolicy);
  std::reverse(c.begin(), c.end());
  Verdict second = Decide(c, kPolicy);
  EXPECT_EQ(first.state, second.state);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.hash, Hash(3));  // a tie goes to the smaller hash
}

TEST(VerdictTest, QuorumOfOneVerifiesAtOnce) {
  QuorumPolicy one{.min_quorum = 1, .max_replicas = 1, .deadline = std::chrono::seconds(1)};
  std::vector<ClaimRecord> c = {{Peer(1), Hash(1)}};
  EXPECT_EQ(Decide(c, one).state, UnitState::kVerified);
}

}  // namespace
}  // namespace potluck
