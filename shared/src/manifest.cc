#include "potluck/core/manifest.h"

#include <cstdio>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "capnp_bytes.h"
#include "proto/potluck.capnp.h"
#include "potluck/crypto/hash.h"

namespace potluck {

Status CheckPolicy(const QuorumPolicy& policy) {
  if (policy.min_quorum < 1 || policy.min_quorum > kReplicasMax) {
    return InvalidArgument("quorum must be between 1 and " + std::to_string(kReplicasMax));
  }
  if (policy.max_replicas < policy.min_quorum || policy.max_replicas > kReplicasMax) {
    return InvalidArgument("max replicas must be between the quorum (" + std::to_string(policy.min_quorum) +
                           ") and " + std::to_string(kReplicasMax));
  }
  if (policy.spot_check_ppm != 0 && (policy.spot_check_ppm < kSpotCheckPpmMin || policy.spot_check_ppm > 1000000)) {
    char text[96];
    std::snprintf(text, sizeof text, "the spot-check rate must be 0 (off) or between %g and 1", kSpotCheckPpmMin / 1e6);
    return InvalidArgument(text);
  }
  if (policy.holders < 1 || policy.holders > kHoldersMax) {
    return InvalidArgument("holders must be between 1 and " + std::to_string(kHoldersMax));
  }
  if (policy.deadline < std::chrono::seconds(1) || policy.deadline > std::chrono::hours(24 * 30)) {
    return InvalidArgument("deadline must be between 1 second and 30 days");
  }
  return Status::Ok();
}

Bytes EncodeManifest(const Manifest& m) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Manifest>();
  root.setOwner(capnp::Data::Reader(m.owner.bytes.data(), 32));
  root.setWorkload(m.workload);
  root.setWorkloadVersion(m.workload_version);
  auto params = root.initParams(static_cast<unsigned>(m.params.size()));
  unsigned i = 0;
  for (const auto& [key, value] : m.params) {  // std::map: sorted, so canonical
    params[i].setKey(key);
    params[i].setValue(value);
    ++i;
  }
  root.setUnits(m.units);
  root.setMinQuorum(m.policy.min_quorum);
  root.setMaxReplicas(m.policy.max_replicas);
  root.setDeadlineMs(m.policy.deadline.count());
  root.setPriority(m.priority);
  root.setCreatedUnixMs(m.created_unix_ms);
  root.setHolders(m.policy.holders);
  root.setDistinctNetworks(m.policy.distinct_networks);
  root.setSpotCheckPpm(m.policy.spot_check_ppm);
  auto words = capnp::canonicalize(root.asReader());
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<Manifest> DecodeManifest(const Bytes& bytes) {
  if (bytes.empty() || bytes.size() % sizeof(capnp::word) != 0 || bytes.size() > 1 << 20) {
    return Corrupt("manifest is not a well-formed message");
  }
  kj::Array<capnp::word> words = internal::AlignedWords(bytes);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = bytes.size();
  options.nestingLimit = 8;
  Manifest m;
  try {
    // The canonical form is one bare segment, without the segment table of the stream form.
    kj::ArrayPtr<const capnp::word> segments[1] = {words.asPtr()};
    capnp::SegmentArrayMessageReader reader(kj::arrayPtr(segments, 1), options);
    auto root = reader.getRoot<wire::Manifest>();
    auto owner = PeerId::FromBytes(root.getOwner().begin(), root.getOwner().size());
    if (!owner) return Corrupt("manifest owner is not a 32-byte key");
    m.owner = *owner;
    m.workload = root.getWorkload();
    m.workload_version = root.getWorkloadVersion();
    if (root.getParams().size() > kManifestParamsMax) return Corrupt("manifest has too many parameters");
    for (auto p : root.getParams()) {
      if (p.getKey().size() + p.getValue().size() > kManifestTextBytesMax) return Corrupt("manifest parameter too long");
      if (!m.params.emplace(p.getKey(), p.getValue()).second) return Corrupt("manifest repeats a parameter");
    }
    m.units = root.getUnits();
    m.policy.min_quorum = root.getMinQuorum();
    m.policy.max_replicas = root.getMaxReplicas();
    m.policy.deadline = Duration(root.getDeadlineMs());
    m.priority = root.getPriority();
    m.created_unix_ms = root.getCreatedUnixMs();
    m.policy.holders = root.getHolders();
    m.policy.distinct_networks = root.getDistinctNetworks();
    m.policy.spot_check_ppm = root.getSpotCheckPpm();
  } catch (const kj::Exception& e) {
    return Corrupt(std::string("malformed manifest: ") + e.getDescription().cStr());
  }
  if (m.workload.empty() || m.workload.size() > 64) return Corrupt("manifest workload name is empty or too long");
  if (m.units == 0) return Corrupt("manifest has no units");
  if (Status s = CheckPolicy(m.policy); !s.ok()) return Corrupt("manifest policy: " + s.message());
  // Cap'n Proto's canonical form still allows, say, parameters in any order; ours is the one
  // encoding EncodeManifest gives, so that one manifest has one id.
  if (EncodeManifest(m) != bytes) return Corrupt("manifest is not in canonical form");
  return m;
}

Bytes SignManifest(const Manifest& manifest, const Signer& signer) {
  POTLUCK_CHECK(signer.id() == manifest.owner);
  Bytes canonical = EncodeManifest(manifest);
  Signature signature = signer.Sign(canonical);
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::SignedManifest>();
  root.setManifest(capnp::Data::Reader(canonical.data(), canonical.size()));
  root.setSignature(capnp::Data::Reader(signature.data(), signature.size()));
  auto words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<OpenedManifest> OpenManifest(const Bytes& signed_manifest) {
  if (signed_manifest.empty() || signed_manifest.size() % sizeof(capnp::word) != 0 || signed_manifest.size() > 2 << 20) {
    return Corrupt("signed manifest is not a well-formed message");
  }
  kj::Array<capnp::word> words = internal::AlignedWords(signed_manifest);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = signed_manifest.size();
  options.nestingLimit = 4;
  Bytes inner;
  Signature signature;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    auto root = reader.getRoot<wire::SignedManifest>();
    if (root.getSignature().size() != signature.size()) return Corrupt("manifest signature is not 64 bytes");
    std::memcpy(signature.data(), root.getSignature().begin(), signature.size());
    inner.assign(root.getManifest().begin(), root.getManifest().end());
  } catch (const kj::Exception& e) {
    return Corrupt(std::string("malformed signed manifest: ") + e.getDescription().cStr());
  }
  auto manifest = DecodeManifest(inner);
  if (!manifest.ok()) return manifest.status();
  if (!VerifySignature(manifest->owner, inner, signature)) {
    return Corrupt("manifest signature does not match its owner " + manifest->owner.Short());
  }
  return OpenedManifest{ProjectIdOf(inner), std::move(manifest.value())};
}

ProjectId ProjectIdOf(const Bytes& canonical_manifest) {
  ProjectId id;
  id.bytes = Blake2b256(canonical_manifest);
  return id;
}

}  // namespace potluck
