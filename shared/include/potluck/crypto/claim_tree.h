// Claims signed a batch at a time. One Ed25519 signature covers the root of a hash tree whose
// leaves are the batch's claim statements, and each claim carries its path to that root: a
// holder checks any claim on its own and passes it on alone, yet checks the signature of a
// whole batch once. A claim signed by itself has an empty proof and its signature covers its
// own statement.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/crypto/hash.h"
#include "potluck/crypto/signature.h"

namespace potluck {

// The most claims one signature covers, so a proof has at most 16 hashes.
constexpr uint32_t kClaimTreeLeavesMax = 1u << 16;

struct ClaimProof {
  uint32_t position = 0;       // the claim's leaf, from 0
  uint32_t leaves = 0;         // how many claims the signature covers; 0 when it covers this one alone
  std::vector<Hash256> path;   // the sibling hashes from the leaf up
  bool operator==(const ClaimProof&) const = default;
};

// The bytes a claim's signature must cover, or nothing when the proof does not fit its tree.
std::optional<Bytes> SignedClaimStatement(const UnitKey& unit, const ResultHash& hash, const ClaimProof& proof);

// Remembers the nodes of the claim tree whose signature was found good last, so that the other
// claims of its batch, which arrive with it, are checked with a hash or two each rather than a
// hash per level: a node of that tree proves a claim whose path reaches it, when the rest of the
// claim's path is that tree's. Only trees of up to kLeavesMax claims are remembered.
class ClaimTreeMemo {
 public:
  static constexpr uint32_t kLeavesMax = 256;

  // Whether `signature` by `peer` covers the claim: through the tree remembered, or else when
  // `check(peer, signature, statement)` passes for the bytes the signature must cover. A tree
  // found good that way replaces the one remembered.
  using SignatureCheck = std::function<bool(const PeerId&, const Signature&, const Bytes& statement)>;
  bool Check(const PeerId& peer, const Signature& signature, const UnitKey& unit, const ResultHash& hash,
             const ClaimProof& proof, const SignatureCheck& check);

 private:
  // The node at `position` of `level` (0: the leaves), if a good path went through it.
  const Hash256* Known(uint32_t level, uint32_t position) const;
  void Remember(uint32_t level, uint32_t position, const Hash256& node);
  void Reset(const PeerId& peer, const Signature& signature, uint32_t leaves);

  PeerId peer_{};
  Signature signature_{};
  uint32_t leaves_ = 0;  // 0: nothing remembered
  std::vector<size_t> level_start_;  // where each level's nodes start in nodes_
  std::vector<Hash256> nodes_;
  std::vector<bool> known_;
};

struct SignedClaims {
  Signature signature{};
  std::vector<ClaimProof> proofs;  // in the order of the claims signed
};
// Signs `claims` (unit, result hash) with one signature; a single claim is signed alone.
SignedClaims SignClaims(const Signer& signer, std::span<const std::pair<UnitKey, ResultHash>> claims);

// A proof as stored: position, leaves, then the path's hashes.
Bytes EncodeClaimProof(const ClaimProof& proof);
Result<ClaimProof> DecodeClaimProof(std::span<const uint8_t> bytes);

}  // namespace potluck
