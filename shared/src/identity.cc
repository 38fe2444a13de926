#include "potluck/crypto/identity.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace potluck {
namespace {

constexpr char kKeyFile[] = "identity.key";

Status ReadExactly(int fd, uint8_t* out, size_t size) {
  size_t done = 0;
  while (done < size) {
    ssize_t n = read(fd, out + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Corrupt("identity key file is truncated");
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Identity Identity::Ephemeral() {
  POTLUCK_CHECK(sodium_init() >= 0);
  Identity identity;
  crypto_sign_keypair(identity.id_.bytes.data(), identity.secret_key_.data());
  return identity;
}

Identity Identity::FromSeed(const std::array<uint8_t, 32>& seed) {
  POTLUCK_CHECK(sodium_init() >= 0);
  Identity identity;
  crypto_sign_seed_keypair(identity.id_.bytes.data(), identity.secret_key_.data(), seed.data());
  return identity;
}

Signature Identity::Sign(std::span<const uint8_t> message) const {
  Signature signature;
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(), secret_key_.data());
  return signature;
}

CurveKeyPair Identity::CurveKeys() const {
  CurveKeyPair keys;
  POTLUCK_CHECK(crypto_sign_ed25519_pk_to_curve25519(keys.public_key.data(), id_.bytes.data()) == 0);
  POTLUCK_CHECK(crypto_sign_ed25519_sk_to_curve25519(keys.secret_key.data(), secret_key_.data()) == 0);
  return keys;
}

std::optional<CurveKey> CurvePublicKeyOf(const PeerId& peer) {
  if (sodium_init() < 0) return std::nullopt;
  CurveKey key;
  if (crypto_sign_ed25519_pk_to_curve25519(key.data(), peer.bytes.data()) != 0) return std::nullopt;
  return key;
}

namespace {

Bytes Statement(std::string_view domain, std::initializer_list<std::span<const uint8_t>> parts) {
  Bytes out(domain.begin(), domain.end());
  for (auto part : parts) out.insert(out.end(), part.begin(), part.end());
  return out;
}

}  // namespace

Bytes ClaimStatement(const UnitKey& unit, const ResultHash& hash) {
  std::array<uint8_t, 8> index;
  for (size_t i = 0; i < 8; ++i) index[i] = static_cast<uint8_t>(unit.index >> (8 * i));
  return Statement("potluck-claim/1", {unit.project.bytes, index, hash.bytes});
}

Bytes ClaimRootStatement(std::span<const uint8_t, 32> root, uint32_t leaves) {
  std::array<uint8_t, 4> size;
  for (size_t i = 0; i < 4; ++i) size[i] = static_cast<uint8_t>(leaves >> (8 * i));
  return Statement("potluck-claims/1", {root, size});
}

Bytes CancelStatement(const ProjectId& project) { return Statement("potluck-cancel/1", {project.bytes}); }

bool VerifySignature(const PeerId& peer, std::span<const uint8_t> message, const Signature& signature) {
  return crypto_sign_verify_detached(signature.data(), message.data(), message.size(), peer.bytes.data()) == 0;
}

Result<Identity> Identity::LoadOrCreate(const std::filesystem::path& dir) {
  if (sodium_init() < 0) return IoError("libsodium failed to initialise");
  const auto path = dir / kKeyFile;
  Identity identity;
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    Status s = ReadExactly(fd, identity.secret_key_.data(), identity.secret_key_.size());
    close(fd);
    if (!s.ok()) return Status(s.code(), path.string() + ": " + s.message());
    // An Ed25519 secret key carries its public key in its second half.
    std::memcpy(identity.id_.bytes.data(), identity.secret_key_.data() + 32, 32);
    return identity;
  }
  if (errno != ENOENT) return IoError(path.string() + ": " + std::strerror(errno));

  crypto_sign_keypair(identity.id_.bytes.data(), identity.secret_key_.data());
  // Written to a temporary name and renamed so that a crash never leaves half a key.
  const auto tmp = dir / (std::string(kKeyFile) + ".tmp");
  fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(tmp.string() + ": " + std::strerror(errno));
  bool ok = write(fd, identity.secret_key_.data(), identity.secret_key_.size()) ==
                static_cast<ssize_t>(identity.secret_key_.size()) &&
            fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) {
    return IoError(path.string() + ": cannot write the identity key: " + std::strerror(errno));
  }
  return identity;
}

}  // namespace potluck
