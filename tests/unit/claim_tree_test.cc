#include "potluck/crypto/claim_tree.h"

#include <gtest/gtest.h>

#include <bit>
#include <functional>

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

// A ClaimTreeMemo's check that verifies the signature for real and counts how often it was asked.
struct CountingCheck {
  const Identity& signer;
  const Signature& signature;
  int calls = 0;
  ClaimTreeMemo::SignatureCheck Get() {
    return [this](const PeerId&, const Signature&, const Bytes& statement) {
      ++calls;
      return VerifySignature(signer.id(), statement, signature);
    };
  }
};

TEST(ClaimTreeMemoTest, ABatchCostsOneSignatureCheckInAnyOrder) {
  const Identity& signer = TestIdentity(1);
  for (size_t n : {2, 3, 5, 13, 64, 100, 256}) {
    auto claims = Statements(n);
    SignedClaims s = SignClaims(signer, claims);
    for (bool reversed : {false, true}) {
      ClaimTreeMemo memo;
      CountingCheck check{signer, s.signature};
      for (size_t k = 0; k < n; ++k) {
        const size_t i = reversed ? n - 1 - k : k;
        EXPECT_TRUE(memo.Check(signer.id(), s.signature, claims[i].first, claims[i].second, s.proofs[i], check.Get()))
            << n << " " << i;
      }
      EXPECT_EQ(check.calls, 1) << n;
    }
  }
}

TEST(ClaimTreeMemoTest, AlteredClaimsDoNotPassThroughARememberedTree) {
  const Identity& signer = TestIdentity(1);
  auto claims = Statements(13);
  SignedClaims s = SignClaims(signer, claims);
  // Every case starts from a memo that holds the tree through claim 0's path.
  auto rejects = [&](const std::pair<UnitKey, ResultHash>& claim, const ClaimProof& proof, const Identity& from) {
    ClaimTreeMemo memo;
    CountingCheck check{signer, s.signature};
    EXPECT_TRUE(memo.Check(signer.id(), s.signature, claims[0].first, claims[0].second, s.proofs[0], check.Get()));
    CountingCheck check_from{from, s.signature};
    return !memo.Check(from.id(), s.signature, claim.first, claim.second, proof, check_from.Get());
  };
  const Identity& id = signer;
  EXPECT_TRUE(rejects({claims[2].first, claims[3].second}, s.proofs[2], id));
  EXPECT_TRUE(rejects({claims[3].first, claims[2].second}, s.proofs[2], id));
  EXPECT_TRUE(rejects(claims[3], s.proofs[2], id));
  // Claim 1's leaf is claim 0's sibling, so the memo knows it; the rest of its path must be the
  // tree's own, at every level.
  for (size_t level = 0; level < s.proofs[1].path.size(); ++level) {
    ClaimProof bent = s.proofs[1];
    bent.path[level][0] ^= 1;
    EXPECT_TRUE(rejects(claims[1], bent, id)) << level;
  }
  ClaimProof moved = s.proofs[2];
  moved.position = 3;
  EXPECT_TRUE(rejects(claims[2], moved, id));
  ClaimProof shorter = s.proofs[1];
  shorter.path.pop_back();
  EXPECT_TRUE(rejects(claims[1], shorter, id));
  ClaimProof longer = s.proofs[1];
  longer.path.push_back(longer.path[0]);
  EXPECT_TRUE(rejects(claims[1], longer, id));
  ClaimProof resized = s.proofs[1];
  resized.leaves = 14;
  EXPECT_TRUE(rejects(claims[1], resized, id));
  EXPECT_TRUE(rejects(claims[1], s.proofs[1], TestIdentity(2)));
  // The unaltered claim passes the same way.
  EXPECT_FALSE(rejects(claims[1], s.proofs[1], id));
}

TEST(ClaimTreeMemoTest, AnotherBatchIsCheckedAgainstItsOwnSignature) {
  const Identity& signer = TestIdentity(1);
  auto first = Statements(8);
  auto second = Statements(9);
  second.erase(second.begin());  // 8 other claims: the same size of tree
  SignedClaims a = SignClaims(signer, first);
  SignedClaims b = SignClaims(signer, second);
  ClaimTreeMemo memo;
  CountingCheck check_a{signer, a.signature};
  EXPECT_TRUE(memo.Check(signer.id(), a.signature, first[0].first, first[0].second, a.proofs[0], check_a.Get()));
  // b's claim under a's signature: not a's tree, and a's signature does not cover b's root.
  EXPECT_FALSE(memo.Check(signer.id(), a.signature, second[0].first, second[0].second, b.proofs[0], check_a.Get()));
  CountingCheck check_b{signer, b.signature};
  EXPECT_TRUE(memo.Check(signer.id(), b.signature, second[0].first, second[0].second, b.proofs[0], check_b.Get()));
  EXPECT_EQ(check_b.calls, 1);
  // Claims signed alone, or of trees too large to remember, are checked in full every time.
  SignedClaims alone = SignClaims(signer, Statements(1));
  CountingCheck check_alone{signer, alone.signature};
  auto one = Statements(1);
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(memo.Check(signer.id(), alone.signature, one[0].first, one[0].second, alone.proofs[0], check_alone.Get()));
  }
  EXPECT_EQ(check_alone.calls, 2);
}

}  // namespace
}  // namespace potluck
