// A node's durable state kept in memory: the same contract as SqliteStore, for simulating
// grids far too large for a SQLite database per node (100,000 peers in one process).
// Writes take effect at once and Commit() always succeeds, so it cannot undo a turn: a
// simulated crash in the middle of a turn needs SqliteStore. Not thread-safe.
#pragma once

#include <map>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "potluck/core/durable.h"
#include "potluck/core/ledger_store.h"
#include "potluck/core/peer_store.h"
#include "potluck/core/volunteer_store.h"

namespace potluck {

class MemoryStore final : public Durable, public LedgerStore, public VolunteerStore, public PeerStore {
 public:
  void Begin() override {}
  Status Commit(Survives = Survives::kPowerLoss) override { return Status::Ok(); }

  // LedgerStore
  Result<LedgerStore::Snapshot> LoadLedger() override;
  void PutProject(const ProjectRow& project) override;
  void PutCancelled(const ProjectId& project) override;
  void PutClaim(const ClaimRow& claim, const Bytes& result) override;
  void ReplaceClaim(const ClaimRow& claim, const Bytes& result) override;
  void MarkClaimAlone(const UnitKey& unit, const PeerId& peer) override;
  void PutLease(const LedgerStore::LeaseRow& lease) override;
  void DropLease(const UnitKey& unit, const PeerId& peer) override;
  Status ScanResults(const ProjectId& project,
                     const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) override;
  Result<std::vector<ClaimRow>> UnitClaims(const UnitKey& unit) override;
  Result<ClaimScan> ClaimsAfter(const ProjectId& project, uint64_t after, const ClaimScanLimits& limits,
                                const ClaimWanted& wanted = {}) override;
  Result<uint64_t> ClaimSeqFloor(const ProjectId& project) override;

  // VolunteerStore
  Result<VolunteerStore::Snapshot> LoadVolunteer() override;
  void PutManifest(const ProjectId& id, const Bytes& manifest) override;
  void PutLease(const VolunteerStore::LeaseRow& lease) override;
  void DropLease(const UnitKey& unit) override;
  void PutCheckpoint(const UnitKey& unit, const Bytes& state) override;
  Result<Bytes> LoadCheckpoint(const UnitKey& unit) override;
  void PutOutbox(const OutboxRow& row) override;
  void DropOutbox(const UnitKey& unit) override;
  void PutCredit(const CreditRow& row) override;
  void MarkCreditVerified(const UnitKey& unit, double cpu_seconds) override;
  void AddVerifiedCredit(uint64_t units, double cpu_seconds) override;
  bool CreditVerified(const UnitKey& unit) override;
  void DropCredit(const UnitKey& unit) override;
  void DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) override;

  // PeerStore
  Result<std::vector<PeerRow>> LoadPeers() override;
  void PutPeer(const PeerRow& peer) override;
  void DropPeer(const PeerId& id) override;

 private:
  // One project's claims in the order stored (a claim's sequence number is its position + 1;
  // a replaced claim leaves its place empty), one per (unit, peer), and its result bytes once
  // per (unit, hash).
  struct Ledger {
    std::vector<std::optional<ClaimRow>> claims;
    std::map<std::pair<uint64_t, PeerId>, size_t> claim_at;
    std::map<std::pair<uint64_t, ResultHash>, Bytes> results;
  };

  std::map<ProjectId, ProjectRow> projects_;
  std::map<ProjectId, Ledger> ledgers_;
  std::map<std::tuple<ProjectId, uint64_t, PeerId>, TimePoint> ledger_leases_;

  std::map<ProjectId, Bytes> manifests_;
  std::map<UnitKey, VolunteerStore::LeaseRow> held_leases_;
  std::map<UnitKey, Bytes> checkpoints_;
  std::map<UnitKey, OutboxRow> outbox_;
  // Each row with the number of the claim that put it, counted from 1 as SqliteStore's rowids.
  struct Credit {
    CreditRow row;
    uint64_t claim = 0;
  };
  std::map<UnitKey, Credit> credit_;
  uint64_t credit_claims_ = 0;
  uint64_t units_verified_ = 0;
  double cpu_seconds_verified_ = 0;

  std::map<PeerId, PeerRow> peers_;
};

}  // namespace potluck
