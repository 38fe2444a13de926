// A project's manifest: everything needed to compute any of its units.
// Project id = BLAKE2b-256 of the manifest's canonical encoding.
#pragma once

#include <cstdint>
#include <string>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"
#include "potluck/base/time.h"
#include "potluck/core/ids.h"
#include "potluck/crypto/signature.h"
#include "potluck/workload/workload.h"

namespace potluck {

constexpr size_t kManifestParamsMax = 64;
constexpr size_t kManifestTextBytesMax = 4096;
constexpr uint32_t kReplicasMax = 16;
constexpr uint32_t kHoldersMax = 16;
// The least spot-check rate adaptive replication may run with: one unit in 20 is replicated
// however long a peer's record.
constexpr uint32_t kSpotCheckPpmMin = 50000;

// When a unit counts as verified, and how hard to try.
struct QuorumPolicy {
  uint32_t min_quorum = 2;    // agreeing results from distinct peers
  uint32_t max_replicas = 5;  // results collected before a unit without quorum is failed
  Duration deadline = std::chrono::minutes(10);  // time a peer has to return one replica
  uint32_t holders = 3;       // nodes that keep the ledger and verified results
  // Results from one host or one /24 network count once toward a quorum, and a unit is not
  // leased twice into one network. Off only for grids on one machine or one small LAN.
  bool distinct_networks = true;
  // Adaptive replication: a peer with a long record of agreeing results gets some units alone,
  // spot-checked at this rate (parts per million, at least kSpotCheckPpmMin). Off: 0.
  uint32_t spot_check_ppm = 0;
  bool adaptive() const { return spot_check_ppm > 0; }
  bool operator==(const QuorumPolicy&) const = default;
};

struct Manifest {
  PeerId owner;
  std::string workload;
  uint32_t workload_version = 0;
  Params params;
  uint64_t units = 0;
  QuorumPolicy policy;
  int32_t priority = 0;
  int64_t created_unix_ms = 0;
  bool operator==(const Manifest&) const = default;
};

// The canonical bytes: the same manifest always gives the same bytes.
Bytes EncodeManifest(const Manifest& manifest);

// A manifest as it travels and is stored: its canonical bytes with the owner's signature.
// REQUIRES: signer.id() == manifest.owner.
Bytes SignManifest(const Manifest& manifest, const Signer& signer);

struct OpenedManifest {
  ProjectId id;       // BLAKE2b-256 of the canonical bytes
  Manifest manifest;
};
// Decodes a signed manifest and checks its limits and its owner's signature: anyone can own a
// project, nobody can make a manifest that claims another owner.
Result<OpenedManifest> OpenManifest(const Bytes& signed_manifest);
// Checks limits and the policy's consistency, not the workload's parameters.
Result<Manifest> DecodeManifest(const Bytes& bytes);
ProjectId ProjectIdOf(const Bytes& canonical_manifest);
Status CheckPolicy(const QuorumPolicy& policy);

}  // namespace potluck
