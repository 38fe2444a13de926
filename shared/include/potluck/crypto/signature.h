// Ed25519 signatures (libsodium): project owners sign manifests, volunteers sign claims.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "potluck/core/ids.h"

namespace potluck {

using Signature = std::array<uint8_t, 64>;

// Signs as one peer. The protocol cores get one handed in; only Identity implements it.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual const PeerId& id() const = 0;
  virtual Signature Sign(std::span<const uint8_t> message) const = 0;
};

// What a volunteer signs for a claim: "unit (project, index) gave result hash H".
Bytes ClaimStatement(const UnitKey& unit, const Id32<ResultTag>& hash);
// What a volunteer signs for a batch of claims: the root of their tree and its size (see
// claim_tree.h).
Bytes ClaimRootStatement(std::span<const uint8_t, 32> root, uint32_t leaves);
// What an owner signs to cancel a project.
Bytes CancelStatement(const Id32<ProjectTag>& project);

// True if `signature` is `peer`'s signature of `message`.
bool VerifySignature(const PeerId& peer, std::span<const uint8_t> message, const Signature& signature);

// What a holder checks claims' signatures with: VerifySignature() unless the runtime hands it
// another. The simulator does, to check each claim once for all its holders, which share one
// process.
class SignatureChecker {
 public:
  virtual ~SignatureChecker() = default;
  virtual bool Check(const PeerId& peer, std::span<const uint8_t> message, const Signature& signature) = 0;
};

}  // namespace potluck
