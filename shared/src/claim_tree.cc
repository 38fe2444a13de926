#include "potluck/crypto/claim_tree.h"

#include <algorithm>
#include <array>

#include "potluck/base/byte_io.h"

namespace potluck {
namespace {

// Inner nodes hash a prefix no claim statement starts with, so no node passes for a leaf.
constexpr uint8_t kNodePrefix = 0x01;

Hash256 Leaf(const UnitKey& unit, const ResultHash& hash) { return Blake2b256(ClaimStatement(unit, hash)); }

Hash256 Node(const Hash256& left, const Hash256& right) {
  std::array<uint8_t, 1 + 2 * sizeof(Hash256)> in;
  in[0] = kNodePrefix;
  std::copy(left.begin(), left.end(), in.begin() + 1);
  std::copy(right.begin(), right.end(), in.begin() + 1 + left.size());
  return Blake2b256(in);
}

}  // namespace

std::optional<Bytes> SignedClaimStatement(const UnitKey& unit, const ResultHash& hash, const ClaimProof& proof) {
  if (proof.leaves == 0) {
    if (proof.position != 0 || !proof.path.empty()) return std::nullopt;
    return ClaimStatement(unit, hash);
  }
  if (proof.leaves > kClaimTreeLeavesMax || proof.position >= proof.leaves) return std::nullopt;
  // Level by level, an odd last node goes up unpaired.
  Hash256 node = Leaf(unit, hash);
  uint32_t at = proof.position;
  size_t used = 0;
  for (uint32_t width = proof.leaves; width > 1; width = (width + 1) / 2, at /= 2) {
    if ((at ^ 1) >= width) continue;
    if (used == proof.path.size()) return std::nullopt;
    const Hash256& sibling = proof.path[used++];
    node = at % 2 == 0 ? Node(node, sibling) : Node(sibling, node);
  }
  if (used != proof.path.size()) return std::nullopt;
  return ClaimRootStatement(node, proof.leaves);
}

bool ClaimTreeMemo::Check(const PeerId& peer, const Signature& signature, const UnitKey& unit,
                          const ResultHash& hash, const ClaimProof& proof,
                          const SignatureCheck& check) {
  if (proof.leaves < 2 || proof.leaves > kLeavesMax || proof.position >= proof.leaves) {
    const std::optional<Bytes> statement = SignedClaimStatement(unit, hash, proof);
    return statement && check(peer, signature, *statement);
  }
  const bool same_tree = leaves_ == proof.leaves && peer_ == peer && signature_ == signature;
  // The path's nodes and siblings, level by level: remembered once the signature is found good.
  struct Step {
    uint32_t level, position;
    Hash256 node;
    const Hash256* sibling;  // null when the node goes up unpaired
  };
  std::vector<Step> steps;
  Hash256 node = Leaf(unit, hash);
  uint32_t at = proof.position;
  uint32_t level = 0;
  size_t used = 0;
  bool proven = false;  // the path met a node of the good tree
  for (uint32_t width = proof.leaves; width > 1; width = (width + 1) / 2, at /= 2, ++level) {
    if (same_tree && !proven) {
      if (const Hash256* known = Known(level, at)) {
        // A path through a good tree's position with another node cannot reach its root.
        if (*known != node) return false;
        proven = true;
      }
    }
    if ((at ^ 1) >= width) {  // an odd last node goes up unpaired
      if (!proven) steps.push_back({level, at, node, nullptr});
      continue;
    }
    if (used == proof.path.size()) return false;
    const Hash256& sibling = proof.path[used++];
    if (proven) {
      // Above the node met, the path must be the good tree's own.
      const Hash256* known = Known(level, at ^ 1);
      if (!known || *known != sibling) return false;
      continue;
    }
    steps.push_back({level, at, node, &sibling});
    node = at % 2 == 0 ? Node(node, sibling) : Node(sibling, node);
  }
  if (used != proof.path.size()) return false;
  if (proven) return true;
  if (same_tree) {
    const Hash256* root = Known(level, 0);
    return root && *root == node;
  }
  if (!check(peer, signature, ClaimRootStatement(node, proof.leaves))) return false;
  Reset(peer, signature, proof.leaves);
  for (const Step& step : steps) {
    Remember(step.level, step.position, step.node);
    if (step.sibling) Remember(step.level, step.position ^ 1, *step.sibling);
  }
  Remember(level, 0, node);
  return true;
}

const Hash256* ClaimTreeMemo::Known(uint32_t level, uint32_t position) const {
  if (level >= level_start_.size()) return nullptr;
  const size_t i = level_start_[level] + position;
  const size_t end = level + 1 < level_start_.size() ? level_start_[level + 1] : nodes_.size();
  return i < end && known_[i] ? &nodes_[i] : nullptr;
}

void ClaimTreeMemo::Remember(uint32_t level, uint32_t position, const Hash256& node) {
  const size_t i = level_start_[level] + position;
  nodes_[i] = node;
  known_[i] = true;
}

void ClaimTreeMemo::Reset(const PeerId& peer, const Signature& signature, uint32_t leaves) {
  peer_ = peer;
  signature_ = signature;
  leaves_ = leaves;
  level_start_.clear();
  size_t total = 0;
  for (uint32_t width = leaves;; width = (width + 1) / 2) {
    level_start_.push_back(total);
    total += width;
    if (width == 1) break;
  }
  nodes_.resize(total);
  known_.assign(total, false);
}

SignedClaims SignClaims(const Signer& signer, std::span<const std::pair<UnitKey, ResultHash>> claims) {
  SignedClaims out;
  if (claims.size() == 1) {
    out.signature = signer.Sign(ClaimStatement(claims[0].first, claims[0].second));
    out.proofs.resize(1);
    return out;
  }
  POTLUCK_CHECK(!claims.empty() && claims.size() <= kClaimTreeLeavesMax);
  const auto leaves = static_cast<uint32_t>(claims.size());
  std::vector<Hash256> level;
  level.reserve(leaves);
  for (const auto& [unit, hash] : claims) level.push_back(Leaf(unit, hash));
  out.proofs.resize(leaves);
  for (uint32_t i = 0; i < leaves; ++i) out.proofs[i] = {i, leaves, {}};
  for (uint32_t shift = 0; level.size() > 1; ++shift) {
    for (uint32_t i = 0; i < leaves; ++i) {
      const size_t sibling = (i >> shift) ^ 1;
      if (sibling < level.size()) out.proofs[i].path.push_back(level[sibling]);
    }
    std::vector<Hash256> up;
    up.reserve((level.size() + 1) / 2);
    for (size_t i = 0; i + 1 < level.size(); i += 2) up.push_back(Node(level[i], level[i + 1]));
    if (level.size() % 2 == 1) up.push_back(level.back());
    level = std::move(up);
  }
  out.signature = signer.Sign(ClaimRootStatement(level[0], leaves));
  return out;
}

Bytes EncodeClaimProof(const ClaimProof& proof) {
  Bytes out;
  if (proof.leaves == 0) return out;  // signed alone: nothing to keep
  ByteWriter writer(out);
  writer.U32(proof.position);
  writer.U32(proof.leaves);
  for (const Hash256& h : proof.path) writer.Raw(h);
  return out;
}

Result<ClaimProof> DecodeClaimProof(std::span<const uint8_t> bytes) {
  ClaimProof proof;
  if (bytes.empty()) return proof;
  ByteReader reader(bytes);
  proof.position = reader.U32();
  proof.leaves = reader.U32();
  if (reader.failed() || reader.remaining() % sizeof(Hash256) != 0) return Corrupt("a stored claim proof is damaged");
  while (reader.remaining() > 0) {
    auto h = reader.Raw(sizeof(Hash256));
    proof.path.emplace_back();
    std::copy(h.begin(), h.end(), proof.path.back().begin());
  }
  return proof;
}

}  // namespace potluck
