// A Directory whose peers the test sets by hand.
#pragma once

#include <map>
#include <memory>

#include "potluck/core/directory.h"
#include "potluck/core/manifest.h"
#include "potluck/crypto/hash.h"
#include "potluck/crypto/identity.h"
#include "potluck/proto/messages.h"

namespace potluck::testing {

class FakeDirectory final : public Directory {
 public:
  void Put(const Offer& offer) { offers_[offer.peer] = offer; }
  void Remove(const PeerId& peer) { offers_.erase(peer); }
  const Offer* OfferOf(const PeerId& peer) const override {
    auto it = offers_.find(peer);
    return it == offers_.end() ? nullptr : &it->second;
  }
  const std::vector<const Offer*>& Alive() const override {
    alive_.clear();
    for (const auto& [id, offer] : offers_) alive_.push_back(&offer);
    return alive_;
  }
  const std::vector<const Offer*>& Holding() const override {
    holding_.clear();
    for (const auto& [id, offer] : offers_) {
      if (!offer.holds.empty()) holding_.push_back(&offer);
    }
    return holding_;
  }

 private:
  std::map<PeerId, Offer> offers_;
  mutable std::vector<const Offer*> alive_, holding_;
};

// The key pair test peer `b` always has: the same ids in every run.
inline const Identity& TestIdentity(uint8_t b) {
  static std::map<uint8_t, std::unique_ptr<Identity>> cache;
  auto& slot = cache[b];
  if (!slot) {
    std::array<uint8_t, 32> seed;
    seed.fill(b);
    slot = std::make_unique<Identity>(Identity::FromSeed(seed));
  }
  return *slot;
}

inline PeerId TestPeer(uint8_t b) { return TestIdentity(b).id(); }

// The identity of a test peer made by TestIdentity().
inline const Identity& SignerOf(const PeerId& peer) {
  for (int b = 0; b < 256; ++b) {
    if (TestPeer(static_cast<uint8_t>(b)) == peer) return TestIdentity(static_cast<uint8_t>(b));
  }
  POTLUCK_CHECK(false);
  return TestIdentity(0);
}

// A claim of `peer`, signed by it.
inline Claim SignedClaim(const PeerId& peer, const UnitKey& unit, const Bytes& result);

inline Claim SignedClaim(const PeerId& peer, const UnitKey& unit, const Bytes& result) {
  ResultHash hash{Blake2b256(result)};
  return Claim{unit, hash, result, SignerOf(peer).Sign(ClaimStatement(unit, hash))};
}

// Claims of `peer` signed together, as a volunteer sends a batch.
inline std::vector<Claim> SignedTogether(const PeerId& peer, const std::vector<std::pair<UnitKey, Bytes>>& results) {
  std::vector<Claim> claims;
  std::vector<std::pair<UnitKey, ResultHash>> statements;
  for (const auto& [unit, result] : results) {
    claims.push_back({unit, ResultHash{Blake2b256(result)}, result});
    statements.emplace_back(unit, claims.back().hash);
  }
  SignedClaims signed_claims = SignClaims(SignerOf(peer), statements);
  for (size_t i = 0; i < claims.size(); ++i) {
    claims[i].signature = signed_claims.signature;
    claims[i].proof = signed_claims.proofs[i];
  }
  return claims;
}

// A manifest of the "square" test workload, signed by its owner, test peer 0xEE.
inline Bytes SquareManifest(uint64_t units, QuorumPolicy policy = {}) {
  Manifest m;
  m.owner = TestPeer(0xEE);
  m.workload = "square";
  m.workload_version = 1;
  m.units = units;
  m.policy = policy;
  return SignManifest(m, TestIdentity(0xEE));
}

}  // namespace potluck::testing
