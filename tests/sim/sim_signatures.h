// The claims' signature checks of a simulated grid. Every holder of a project checks each
// claim it receives, and the answer for one peer, statement and signature is the same
// wherever it is asked: so a signature found good is checked once for all the nodes of the
// process and remembered. A bad one is checked every time it comes.
#pragma once

#include <cstring>
#include <unordered_set>

#include "potluck/base/bytes.h"
#include "potluck/crypto/hash.h"
#include "potluck/crypto/signature.h"

namespace potluck::testing {

// Good signatures remembered at most; then the memory starts afresh.
constexpr size_t kGoodSignaturesMax = 4'000'000;

class RememberingSignatureChecker final : public SignatureChecker {
 public:
  bool Check(const PeerId& peer, std::span<const uint8_t> message, const Signature& signature) override {
    Bytes all(peer.bytes.begin(), peer.bytes.end());
    all.insert(all.end(), message.begin(), message.end());
    all.insert(all.end(), signature.begin(), signature.end());
    const Hash256 key = Blake2b256(all);
    if (good_.contains(key)) return true;
    if (!VerifySignature(peer, message, signature)) return false;
    if (good_.size() >= kGoodSignaturesMax) good_.clear();
    good_.insert(key);
    return true;
  }

 private:
  struct KeyHash {
    size_t operator()(const Hash256& h) const {
      size_t v;
      std::memcpy(&v, h.data(), sizeof v);
      return v;
    }
  };
  std::unordered_set<Hash256, KeyHash> good_;
};

}  // namespace potluck::testing
