// A node's identity: an Ed25519 key pair kept in its data folder (mode 0600).
// The node id is the public key.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>

#include "potluck/base/status.h"
#include "potluck/core/ids.h"
#include "potluck/crypto/signature.h"

namespace potluck {

using CurveKey = std::array<uint8_t, 32>;

struct CurveKeyPair {
  CurveKey public_key{};
  CurveKey secret_key{};
};

// The CurveZMQ public key of `peer`; nullopt if the id is not a valid Ed25519 point.
std::optional<CurveKey> CurvePublicKeyOf(const PeerId& peer);

class Identity final : public Signer {
 public:
  // Reads `dir`/identity.key, or creates it (owner-only) on first start.
  static Result<Identity> LoadOrCreate(const std::filesystem::path& dir);
  // A fresh key pair held only in memory, for short-lived nodes and tests.
  static Identity Ephemeral();
  // The key pair a 32-byte seed determines: for tests and simulations that need stable ids.
  static Identity FromSeed(const std::array<uint8_t, 32>& seed);

  const PeerId& id() const override { return id_; }
  Signature Sign(std::span<const uint8_t> message) const override;
  // The CurveZMQ key pair derived from this identity, so links authenticate the peer id itself.
  CurveKeyPair CurveKeys() const;

 private:
  PeerId id_;
  std::array<uint8_t, 64> secret_key_{};
};

}  // namespace potluck
