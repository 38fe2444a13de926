#include "potluck/crypto/claim_tree.h"

#include <gtest/gtest.h>

#include <bit>

#include "unit/fake_directory.h"

namespace potluck {
namespace {

using testing::TestIdentity;

std::vector<std::pair<UnitKey, ResultHash>> Statements(size_t n) {
  ProjectId project{Blake2b256(Bytes{1, 2, 3})};
  std::vector<std::pair<UnitKey, ResultHash>> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(UnitKey{project, 100 + i}, ResultHash{Blake2b256(Bytes{uint8_t(i)})});
  return out;
}

bool Verifies(const Identity& signer, const std::pair<UnitKey, ResultHash>& claim, const ClaimProof& proof,
              const Signature& signature) {
  auto statement = SignedClaimStatement(claim.first, claim.second, proof);
  return statement && VerifySignature(signer.id(), *statement, signature);
}

TEST(ClaimTreeTest, EveryClaimOfABatchVerifiesAloneForEverySize) {
  const Identity& signer = TestIdentity(1);
  for (size_t n : {1, 2, 3, 5, 8, 13, 64, 100}) {
    auto claims = Statements(n);
    SignedClaims signed_claims = SignClaims(signer, claims);
    ASSERT_EQ(signed_claims.proofs.size(), n);
    for (size_t i = 0; i < n; ++i) {
      EXPECT_TRUE(Verifies(signer, claims[i], signed_claims.proofs[i], signed_claims.signature)) << n << " " << i;
      // A tree of n leaves is ceil(log2 n) high.
      EXPECT_LE(signed_claims.proofs[i].path.size(), static_cast<size_t>(std::bit_width(n - 1)));
    }
  }
}

TEST(ClaimTreeTest, ASingleClaimIsSignedAloneAsItsOwnStatement) {
  auto claims = Statements(1);
  SignedClaims signed_claims = SignClaims(TestIdentity(1), claims);
  EXPECT_EQ(signed_claims.proofs[0], ClaimProof{});
  EXPECT_TRUE(VerifySignature(TestIdentity(1).id(), ClaimStatement(claims[0].first, claims[0].second),
                              signed_claims.signature));
}

TEST(ClaimTreeTest, AlteredClaimsProofsOrSignersDoNotVerify) {
  const Identity& signer = TestIdentity(1);
  auto claims = Statements(7);
  SignedClaims s = SignClaims(signer, claims);
  // Another result for a signed unit.
  EXPECT_FALSE(Verifies(signer, {claims[2].first, claims[3].second}, s.proofs[2], s.signature));
  // Another unit for a signed result.
  EXPECT_FALSE(Verifies(signer, {claims[3].first, claims[2].second}, s.proofs[2], s.signature));
  // One claim's proof for its neighbour, or a position moved.
  EXPECT_FALSE(Verifies(signer, claims[3], s.proofs[2], s.signature));
  ClaimProof moved = s.proofs[2];
  moved.position = 3;
  EXPECT_FALSE(Verifies(signer, claims[2], moved, s.signature));
  // A bent, shortened or lengthened path, or another tree size.
  ClaimProof bent = s.proofs[2];
  bent.path[1][0] ^= 1;
  EXPECT_FALSE(Verifies(signer, claims[2], bent, s.signature));
  ClaimProof shorter = s.proofs[2];
  shorter.path.pop_back();
  EXPECT_FALSE(Verifies(signer, claims[2], shorter, s.signature));
  ClaimProof longer = s.proofs[2];
  longer.path.push_back(longer.path[0]);
  EXPECT_FALSE(Verifies(signer, claims[2], longer, s.signature));
  ClaimProof resized = s.proofs[2];
  resized.leaves = 8;
  EXPECT_FALSE(Verifies(signer, claims[2], resized, s.signature));
  // Another peer's key.
  EXPECT_FALSE(Verifies(TestIdentity(2), claims[2], s.proofs[2], s.signature));
  // Proofs that fit no tree.
  EXPECT_FALSE(SignedClaimStatement(claims[0].first, claims[0].second, {7, 7, {}}));
  EXPECT_FALSE(SignedClaimStatement(claims[0].first, claims[0].second, {1, 0, {}}));
  EXPECT_FALSE(SignedClaimStatement(claims[0].first, claims[0].second, {0, kClaimTreeLeavesMax + 1, {}}));
}

TEST(ClaimTreeTest, StoredProofsComeBackTheSameAndDamagedOnesAreRefused) {
  auto claims = Statements(13);
  SignedClaims s = SignClaims(TestIdentity(1), claims);
  for (const ClaimProof& proof : s.proofs) {
    auto back = DecodeClaimProof(EncodeClaimProof(proof));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back.value(), proof);
  }
  EXPECT_TRUE(EncodeClaimProof(ClaimProof{}).empty());
  EXPECT_EQ(DecodeClaimProof({}).value(), ClaimProof{});
  Bytes damaged = EncodeClaimProof(s.proofs[0]);
  damaged.pop_back();
  EXPECT_FALSE(DecodeClaimProof(damaged).ok());
  EXPECT_FALSE(DecodeClaimProof(Bytes{1, 2, 3}).ok());
}

}  // namespace
}  // namespace potluck
