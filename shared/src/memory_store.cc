#include "potluck/store/memory_store.h"

#include <algorithm>

namespace potluck {

// Ledger

Result<LedgerStore::Snapshot> MemoryStore::LoadLedger() {
  LedgerStore::Snapshot snap;
  for (const auto& [id, project] : projects_) snap.projects.push_back(project);
  for (const auto& [id, ledger] : ledgers_) {
    for (const auto& claim : ledger.claims) {
      if (!claim) continue;
      snap.claims.push_back(*claim);
      snap.claims.back().signature = {};  // as SqliteStore: the snapshot is for verdicts, not relaying
      snap.claims.back().proof = {};
    }
  }
  for (const auto& [key, deadline] : ledger_leases_) {
    const auto& [project, index, peer] = key;
    snap.leases.push_back({{project, index}, peer, deadline});
  }
  return snap;
}

void MemoryStore::PutProject(const ProjectRow& project) { projects_.try_emplace(project.id, project); }

void MemoryStore::PutCancelled(const ProjectId& project) {
  if (auto it = projects_.find(project); it != projects_.end()) it->second.cancelled = true;
}

void MemoryStore::PutClaim(const ClaimRow& claim, const Bytes& result) {
  Ledger& ledger = ledgers_[claim.unit.project];
  auto [at, fresh] = ledger.claim_at.try_emplace({claim.unit.index, claim.peer}, ledger.claims.size());
  if (fresh) ledger.claims.push_back(claim);
  ledger.results.try_emplace({claim.unit.index, claim.hash}, result);
}

void MemoryStore::ReplaceClaim(const ClaimRow& claim, const Bytes& result) {
  Ledger& ledger = ledgers_[claim.unit.project];
  auto at = ledger.claim_at.find({claim.unit.index, claim.peer});
  if (at != ledger.claim_at.end()) {
    ledger.claims[at->second].reset();
    ledger.claim_at.erase(at);
  }
  PutClaim(claim, result);
}

void MemoryStore::MarkClaimAlone(const UnitKey& unit, const PeerId& peer) {
  auto ledger = ledgers_.find(unit.project);
  if (ledger == ledgers_.end()) return;
  auto at = ledger->second.claim_at.find({unit.index, peer});
  if (at != ledger->second.claim_at.end()) ledger->second.claims[at->second]->alone = true;
}

void MemoryStore::PutLease(const LedgerStore::LeaseRow& lease) {
  ledger_leases_[{lease.unit.project, lease.unit.index, lease.peer}] = lease.deadline;
}

void MemoryStore::DropLease(const UnitKey& unit, const PeerId& peer) {
  ledger_leases_.erase({unit.project, unit.index, peer});
}

Status MemoryStore::ScanResults(const ProjectId& project,
                                const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) {
  auto ledger = ledgers_.find(project);
  if (ledger == ledgers_.end()) return Status::Ok();
  for (const auto& [key, bytes] : ledger->second.results) fn(key.first, key.second, bytes);
  return Status::Ok();
}

Result<std::vector<LedgerStore::ClaimRow>> MemoryStore::UnitClaims(const UnitKey& unit) {
  std::vector<ClaimRow> out;
  auto ledger = ledgers_.find(unit.project);
  if (ledger == ledgers_.end()) return out;
  std::vector<size_t> positions;
  const auto& claim_at = ledger->second.claim_at;
  for (auto it = claim_at.lower_bound({unit.index, PeerId{}}); it != claim_at.end() && it->first.first == unit.index;
       ++it) {
    positions.push_back(it->second);
  }
  std::sort(positions.begin(), positions.end());
  for (size_t at : positions) out.push_back(*ledger->second.claims[at]);
  return out;
}

Result<LedgerStore::ClaimScan> MemoryStore::ClaimsAfter(const ProjectId& project, uint64_t after,
                                                        const ClaimScanLimits& limits, const ClaimWanted& wanted) {
  ClaimScan scan{.last_seq = after};
  auto ledger = ledgers_.find(project);
  if (ledger == ledgers_.end()) {
    scan.end = true;
    return scan;
  }
  const auto& claims = ledger->second.claims;
  size_t looked = 0, result_bytes = 0;
  for (uint64_t seq = after + 1; seq <= claims.size(); ++seq) {
    if (!claims[seq - 1]) continue;  // replaced: stored again further on
    if (looked == limits.looked || scan.claims.size() == limits.claims) return scan;
    ++looked;
    const ClaimRow& claim = *claims[seq - 1];
    if (!wanted || wanted(seq, claim.relayed_by)) {
      const Bytes& result = ledger->second.results.at({claim.unit.index, claim.hash});
      result_bytes += result.size();
      if (!scan.claims.empty() && result_bytes > limits.result_bytes) return scan;
      scan.claims.push_back({seq, claim, result});
    }
    scan.last_seq = seq;
  }
  scan.end = true;
  return scan;
}

// Volunteer

Result<VolunteerStore::Snapshot> MemoryStore::LoadVolunteer() {
  VolunteerStore::Snapshot snap;
  for (const auto& [id, manifest] : manifests_) snap.manifests.push_back(manifest);
  for (const auto& [unit, lease] : held_leases_) snap.leases.push_back(lease);
  for (const auto& [unit, row] : outbox_) snap.outbox.push_back(row);
  for (const auto& [unit, credit] : credit_) {
    if (!credit.row.verified) snap.credit.push_back(credit.row);
  }
  snap.units_verified = units_verified_;
  snap.cpu_seconds_verified = cpu_seconds_verified_;
  return snap;
}

void MemoryStore::PutManifest(const ProjectId& id, const Bytes& manifest) { manifests_.try_emplace(id, manifest); }

void MemoryStore::PutLease(const VolunteerStore::LeaseRow& lease) { held_leases_[lease.unit] = lease; }

void MemoryStore::DropLease(const UnitKey& unit) {
  held_leases_.erase(unit);
  checkpoints_.erase(unit);
}

void MemoryStore::PutCheckpoint(const UnitKey& unit, const Bytes& state) { checkpoints_[unit] = state; }

Result<Bytes> MemoryStore::LoadCheckpoint(const UnitKey& unit) {
  auto it = checkpoints_.find(unit);
  return it == checkpoints_.end() ? Bytes{} : it->second;
}

void MemoryStore::PutOutbox(const OutboxRow& row) { outbox_[row.unit] = row; }

void MemoryStore::DropOutbox(const UnitKey& unit) { outbox_.erase(unit); }

void MemoryStore::PutCredit(const CreditRow& row) { credit_[row.unit] = {row, ++credit_claims_}; }

void MemoryStore::MarkCreditVerified(const UnitKey& unit, double cpu_seconds) {
  if (auto it = credit_.find(unit); it != credit_.end()) it->second.row.verified = true;
  AddVerifiedCredit(1, cpu_seconds);
}

void MemoryStore::AddVerifiedCredit(uint64_t units, double cpu_seconds) {
  units_verified_ += units;
  cpu_seconds_verified_ += cpu_seconds;
}

bool MemoryStore::CreditVerified(const UnitKey& unit) {
  auto it = credit_.find(unit);
  return it != credit_.end() && it->second.row.verified;
}

void MemoryStore::DropCredit(const UnitKey& unit) { credit_.erase(unit); }

void MemoryStore::DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) {
  std::map<uint64_t, std::map<UnitKey, Credit>::iterator> by_claim;
  for (auto it = credit_.begin(); it != credit_.end(); ++it) by_claim.emplace(it->second.claim, it);
  auto young = std::find_if(by_claim.begin(), by_claim.end(),
                            [&](const auto& entry) { return entry.second->second.row.claimed >= claimed_before; });
  const uint64_t last = by_claim.empty() ? 0 : by_claim.rbegin()->first;
  const uint64_t first_young = young == by_claim.end() ? last + 1 : young->first;
  const uint64_t first_kept = std::max(first_young, last + 1 - std::min<uint64_t>(keep_max, last));
  for (auto& [claim, it] : by_claim) {
    if (claim < first_kept && it->second.row.verified) credit_.erase(it);
  }
}

// Peers

Result<std::vector<PeerStore::PeerRow>> MemoryStore::LoadPeers() {
  std::vector<PeerRow> out;
  for (const auto& [id, row] : peers_) out.push_back(row);
  std::stable_sort(out.begin(), out.end(), [](const PeerRow& a, const PeerRow& b) { return a.last_seen > b.last_seen; });
  return out;
}

void MemoryStore::PutPeer(const PeerRow& peer) { peers_[peer.id] = peer; }

void MemoryStore::DropPeer(const PeerId& id) { peers_.erase(id); }

// Each project's claims are numbered from 1 on their own.
Result<uint64_t> MemoryStore::ClaimSeqFloor(const ProjectId&) { return uint64_t{0}; }

}  // namespace potluck
