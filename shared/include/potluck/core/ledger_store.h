// Durable state of a holder: projects, claims with their result bytes, leases.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/base/time.h"
#include "potluck/core/ids.h"
#include "potluck/crypto/claim_tree.h"
#include "potluck/crypto/signature.h"

namespace potluck {

// Writes happen inside the node's transaction (see Durable); errors surface at its Commit().
// Not thread-safe: one event loop owns it.
class LedgerStore {
 public:
  struct ProjectRow {
    ProjectId id;
    Bytes manifest;
    TimePoint submitted;
    bool cancelled = false;
  };
  struct ClaimRow {
    UnitKey unit;
    PeerId peer;
    ResultHash hash;
    Signature signature{};  // the peer's, so the claim can be passed on to other holders
    ClaimProof proof;       // what the signature covers, as in Claim
    std::string network;    // see ClaimRecord
    bool alone = false;
    // The co-holder whose ledger push brought the claim, if one did: it has the claim already,
    // so it is not pushed back there.
    std::optional<PeerId> relayed_by;
  };
  struct LeaseRow {
    UnitKey unit;
    PeerId peer;
    TimePoint deadline;
  };
  struct Snapshot {
    std::vector<ProjectRow> projects;
    std::vector<ClaimRow> claims;
    std::vector<LeaseRow> leases;
  };

  virtual ~LedgerStore() = default;
  virtual Result<Snapshot> LoadLedger() = 0;

  virtual void PutProject(const ProjectRow& project) = 0;
  virtual void PutCancelled(const ProjectId& project) = 0;
  // Keeps `result` once per (unit, hash): agreeing replicas share it. A peer's claim for a unit
  // is put once: the holder knows the claims it holds, and a second one goes to ReplaceClaim.
  virtual void PutClaim(const ClaimRow& claim, const Bytes& result) = 0;
  // Replaces the claim of the same peer and unit, under a new sequence number so that it is
  // passed on again (see ClaimsAfter).
  virtual void ReplaceClaim(const ClaimRow& claim, const Bytes& result) = 0;
  // A stored claim turned out to verify its unit alone (see ClaimRecord::alone).
  virtual void MarkClaimAlone(const UnitKey& unit, const PeerId& peer) = 0;
  virtual void PutLease(const LeaseRow& lease) = 0;
  virtual void DropLease(const UnitKey& unit, const PeerId& peer) = 0;

  // Calls `fn` with every stored result of `project`, in unit order.
  virtual Status ScanResults(const ProjectId& project,
                             const std::function<void(uint64_t index, const ResultHash&, const Bytes&)>& fn) = 0;

  // The claims of one unit in the order they were stored (a replaced claim counts from its
  // replacement), with their signatures: a holder keeps a verified unit's claims only here.
  virtual Result<std::vector<ClaimRow>> UnitClaims(const UnitKey& unit) = 0;

  // Claims of `project` in the order they were stored (those of one turn in any order among
  // themselves), after sequence number `after` (the first is 1), with their result bytes: what
  // one holder sends another to merge ledgers.
  // A scan looks at no more than `limits.looked` claims and hands back those `wanted` accepts
  // (all when it is empty): at most `limits.claims`, and no more than `limits.result_bytes` of
  // results unless the first alone has more. A claim `wanted` passes over costs no result read.
  struct StoredClaim {
    uint64_t seq;
    ClaimRow claim;
    Bytes result;
  };
  struct ClaimScanLimits {
    size_t claims;
    size_t result_bytes;
    size_t looked = SIZE_MAX;
  };
  struct ClaimScan {
    std::vector<StoredClaim> claims;
    uint64_t last_seq = 0;  // the last claim handed back or passed over; `after` if none
    bool end = false;       // no claim of the project follows last_seq
  };
  using ClaimWanted = std::function<bool(uint64_t seq, const std::optional<PeerId>& relayed_by)>;
  virtual Result<ClaimScan> ClaimsAfter(const ProjectId& project, uint64_t after, const ClaimScanLimits& limits,
                                        const ClaimWanted& wanted = {}) = 0;
  // A sequence number below that of every claim of `project`, stored or still to come: where
  // a pass over its claims starts, so that it does not walk the claims of older projects.
  virtual Result<uint64_t> ClaimSeqFloor(const ProjectId& project) = 0;
};

}  // namespace potluck
