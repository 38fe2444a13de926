#include "potluck/core/verdict.h"

#include <gtest/gtest.h>

#include <algorithm>

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

ClaimRecord C(uint8_t peer, uint8_t hash, std::string network = "", bool alone = false) {
  return {Peer(peer), Hash(hash), std::move(network), alone};
}

const QuorumPolicy kPolicy{.min_quorum = 2, .max_replicas = 4, .deadline = std::chrono::seconds(60)};

TEST(VerdictTest, NoClaimsWantsAQuorumOfReplicas) {
  Verdict v = Decide({}, kPolicy);
  EXPECT_EQ(v.state, UnitState::kPending);
  EXPECT_EQ(v.replicas_wanted, 2u);
}

TEST(VerdictTest, TwoAgreeingClaimsVerify) {
  std::vector<ClaimRecord> c = {C(1, 5), C(2, 5)};
  Verdict v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kVerified);
  EXPECT_EQ(v.hash, Hash(5));
}

TEST(VerdictTest, DisagreementAsksForOneMoreReplica) {
  std::vector<ClaimRecord> c = {C(1, 5), C(2, 6)};
  Verdict v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kPending);
  EXPECT_EQ(v.replicas_wanted, 1u);
  c.push_back(C(3, 6));
  v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kVerified);
  EXPECT_EQ(v.hash, Hash(6));
}

TEST(VerdictTest, NoQuorumAfterMaxReplicasFails) {
  std::vector<ClaimRecord> c = {C(1, 1), C(2, 2), C(3, 3), C(4, 4)};
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kFailed);
}

TEST(VerdictTest, VerdictDoesNotDependOnClaimOrder) {
  std::vector<ClaimRecord> c = {C(1, 9), C(2, 3), C(3, 9), C(4, 3)};
  Verdict first = Decide(c, kPolicy);
  std::reverse(c.begin(), c.end());
  Verdict second = Decide(c, kPolicy);
  EXPECT_EQ(first.state, second.state);
  EXPECT_EQ(first.hash, second.hash);
  EXPECT_EQ(first.hash, Hash(3));  // a tie goes to the smaller hash
}

TEST(VerdictTest, QuorumOfOneVerifiesAtOnce) {
  QuorumPolicy one{.min_quorum = 1, .max_replicas = 1, .deadline = std::chrono::seconds(1)};
  std::vector<ClaimRecord> c = {C(1, 1)};
  EXPECT_EQ(Decide(c, one).state, UnitState::kVerified);
}

TEST(VerdictTest, ClaimsFromOneNetworkCountOnce) {
  std::vector<ClaimRecord> c = {C(1, 5, "192.0.2.0/24"), C(2, 5, "192.0.2.0/24")};
  Verdict v = Decide(c, kPolicy);
  EXPECT_EQ(v.state, UnitState::kPending);
  EXPECT_EQ(v.agreeing, 1u);
  EXPECT_EQ(v.replicas_wanted, 1u);
  c.push_back(C(3, 5, "198.51.100.0/24"));
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kVerified);
}

TEST(VerdictTest, OneNetworkCannotOutvoteTwo) {
  // Three keys on one machine agree on a wrong answer; two networks agree on the right one.
  std::vector<ClaimRecord> c = {C(1, 9, "10.0.0.0/24"), C(2, 9, "10.0.0.0/24"), C(3, 9, "10.0.0.0/24"),
                                C(4, 2, "10.0.1.0/24")};
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kFailed);  // four replicas and no quorum
  QuorumPolicy roomy = kPolicy;
  roomy.max_replicas = 6;
  c.push_back(C(5, 2, "10.0.2.0/24"));
  Verdict v = Decide(c, roomy);
  EXPECT_EQ(v.state, UnitState::kVerified);
  EXPECT_EQ(v.hash, Hash(2));
}

TEST(VerdictTest, WithoutTheNetworkRuleEveryPeerCounts) {
  QuorumPolicy loopback = kPolicy;
  loopback.distinct_networks = false;
  std::vector<ClaimRecord> c = {C(1, 5, "127.0.0.0/24"), C(2, 5, "127.0.0.0/24")};
  EXPECT_EQ(Decide(c, loopback).state, UnitState::kVerified);
}

TEST(VerdictTest, AClaimLeasedAloneVerifiesWhateverComesLater) {
  std::vector<ClaimRecord> c = {C(1, 5, "", true)};
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kVerified);
  EXPECT_EQ(Decide(c, kPolicy).hash, Hash(5));
  // A disagreeing claim, in either order, leaves the verdict where it was.
  c.push_back(C(2, 6));
  for (int order = 0; order < 2; ++order) {
    Verdict v = Decide(c, kPolicy);
    EXPECT_EQ(v.state, UnitState::kVerified);
    EXPECT_EQ(v.hash, Hash(5));
    std::reverse(c.begin(), c.end());
  }
  // A quorum is stronger evidence than one trusted peer.
  c.push_back(C(3, 6));
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kVerified);
  EXPECT_EQ(Decide(c, kPolicy).hash, Hash(6));
}

TEST(VerdictTest, DisagreeingAloneClaimsLeaveItToTheQuorum) {
  std::vector<ClaimRecord> c = {C(1, 5, "", true), C(2, 6, "", true)};
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kPending);
  c.push_back(C(3, 6));
  EXPECT_EQ(Decide(c, kPolicy).state, UnitState::kVerified);
  EXPECT_EQ(Decide(c, kPolicy).hash, Hash(6));
}

}  // namespace
}  // namespace potluck
