#include "potluck/store/sqlite_store.h"

#include <algorithm>

namespace potluck {

using internal::IdColumn;
using internal::IdSpan;

Result<LedgerStore::Snapshot> SqliteStore::LoadLedger() {
  LedgerStore::Snapshot snap;
  auto projects = db_->Prepare("SELECT id, manifest, submitted_unix_ms, cancelled FROM projects");
  while (projects->Step()) {
    auto id = IdColumn<ProjectId>(*projects, 0);
    if (!id.ok()) return id.status();
    snap.projects.push_back({id.value(), projects->Blob(1), FromUnixMs(projects->Int(2)), projects->Int(3) != 0});
  }
  if (!projects->status().ok()) return projects->status();

  auto claims = db_->Prepare("SELECT project, unit, peer, hash, network, alone FROM claims ORDER BY rowid");
  while (claims->Step()) {
    auto project = IdColumn<ProjectId>(*claims, 0);
    auto peer = IdColumn<PeerId>(*claims, 2);
    auto hash = IdColumn<ResultHash>(*claims, 3);
    if (!project.ok() || !peer.ok() || !hash.ok()) return Corrupt("a stored claim is damaged");
    snap.claims.push_back({{project.value(), static_cast<uint64_t>(claims->Int(1))}, peer.value(), hash.value(), {}, {},
                           claims->Text(4), claims->Int(5) != 0});
  }
  if (!claims->status().ok()) return claims->status();

  auto leases = db_->Prepare("SELECT project, unit, peer, deadline_unix_ms FROM leases");
  while (leases->Step()) {
    auto project = IdColumn<ProjectId>(*leases, 0);
    auto peer = IdColumn<PeerId>(*leases, 2);
    if (!project.ok() || !peer.ok()) return Corrupt("a stored lease is damaged");
    snap.leases.push_back(
        {{project.value(), static_cast<uint64_t>(leases->Int(1))}, peer.value(), FromUnixMs(leases->Int(3))});
  }
  if (!leases->status().ok()) return leases->status();
  return snap;
}

void SqliteStore::PutProject(const ProjectRow& p) {
  Write(*put_project_, IdSpan(p.id), std::span<const uint8_t>(p.manifest), ToUnixMs(p.submitted),
        int64_t{p.cancelled});
}

void SqliteStore::PutCancelled(const ProjectId& project) { Write(*put_cancelled_, IdSpan(project)); }

void SqliteStore::PutClaim(const ClaimRow& c, const Bytes& result) { WriteClaim(*put_claim_, c, result); }

void SqliteStore::ReplaceClaim(const ClaimRow& c, const Bytes& result) { WriteClaim(*replace_claim_, c, result); }

void SqliteStore::WriteClaim(Statement& statement, const ClaimRow& c, const Bytes& result) {
  auto index = static_cast<int64_t>(c.unit.index);
  Write(statement, IdSpan(c.unit.project), index, IdSpan(c.peer), IdSpan(c.hash),
        std::span<const uint8_t>(c.signature), std::span<const uint8_t>(EncodeClaimProof(c.proof)), c.network,
        int64_t{c.alone}, c.relayed_by ? IdSpan(*c.relayed_by) : std::span<const uint8_t>());
  Write(*put_result_, IdSpan(c.unit.project), index, IdSpan(c.hash), std::span<const uint8_t>(result));
}

void SqliteStore::MarkClaimAlone(const UnitKey& unit, const PeerId& peer) {
  Write(*mark_claim_alone_, IdSpan(unit.project), static_cast<int64_t>(unit.index), IdSpan(peer));
}

void SqliteStore::PutLease(const LedgerStore::LeaseRow& l) {
  Write(*put_ledger_lease_, IdSpan(l.unit.project), static_cast<int64_t>(l.unit.index), IdSpan(l.peer),
        ToUnixMs(l.deadline));
}

void SqliteStore::DropLease(const UnitKey& unit, const PeerId& peer) {
  Write(*drop_ledger_lease_, IdSpan(unit.project), static_cast<int64_t>(unit.index), IdSpan(peer));
}

Status SqliteStore::ScanResults(const ProjectId& project,
                                const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) {
  auto scan = db_->Prepare("SELECT unit, hash, bytes FROM results WHERE project = ?1 ORDER BY unit");
  scan->Bind(1, IdSpan(project));
  while (scan->Step()) {
    auto hash = IdColumn<ResultHash>(*scan, 1);
    if (!hash.ok()) return hash.status();
    fn(static_cast<uint64_t>(scan->Int(0)), hash.value(), scan->Blob(2));
  }
  return scan->status();
}

namespace {

// A claim's columns 1-8 as unit_claims_ and claims_after_ both select them (0 is its rowid):
// unit, peer, hash, signature, proof, network, alone, relayed_by.
Result<LedgerStore::ClaimRow> ReadClaimRow(const Statement& row, const ProjectId& project) {
  auto peer = IdColumn<PeerId>(row, 2);
  auto hash = IdColumn<ResultHash>(row, 3);
  Bytes signature = row.Blob(4);
  auto proof = DecodeClaimProof(row.Blob(5));
  Bytes relayed_by = row.Blob(8);
  std::optional<PeerId> relayer;
  if (!relayed_by.empty()) relayer = PeerId::FromBytes(relayed_by.data(), relayed_by.size());
  if (!peer.ok() || !hash.ok() || signature.size() != Signature{}.size() || !proof.ok() ||
      relayer.has_value() != !relayed_by.empty()) {
    return Corrupt("a stored claim is damaged");
  }
  LedgerStore::ClaimRow claim{{project, static_cast<uint64_t>(row.Int(1))}, peer.value(), hash.value(), {},
                              std::move(proof.value()), row.Text(6), row.Int(7) != 0, relayer};
  std::copy(signature.begin(), signature.end(), claim.signature.begin());
  return claim;
}

}  // namespace

Result<std::vector<LedgerStore::ClaimRow>> SqliteStore::UnitClaims(const UnitKey& unit) {
  Statement& scan = *unit_claims_;
  scan.Reset();
  scan.Bind(1, IdSpan(unit.project)).Bind(2, static_cast<int64_t>(unit.index));
  std::vector<std::pair<int64_t, ClaimRow>> by_rowid;
  while (scan.Step()) {
    auto row = ReadClaimRow(scan, unit.project);
    if (!row.ok()) {
      scan.Reset();
      return row.status();
    }
    by_rowid.emplace_back(scan.Int(0), std::move(row.value()));
  }
  const Status status = scan.status();
  scan.Reset();
  if (!status.ok()) return status;
  std::sort(by_rowid.begin(), by_rowid.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ClaimRow> out;
  for (auto& [rowid, row] : by_rowid) out.push_back(std::move(row));
  return out;
}

Result<std::vector<LedgerStore::StoredClaim>> SqliteStore::ClaimsAfter(const ProjectId& project, uint64_t after,
                                                                       size_t limit, size_t result_bytes_max) {
  Statement& scan = *claims_after_;
  scan.Reset();
  scan.Bind(1, IdSpan(project)).Bind(2, static_cast<int64_t>(after)).Bind(3, static_cast<int64_t>(limit));
  std::vector<StoredClaim> out;
  size_t result_bytes = 0;
  while (scan.Step()) {
    Bytes result = scan.Blob(9);
    result_bytes += result.size();
    if (!out.empty() && result_bytes > result_bytes_max) break;
    auto row = ReadClaimRow(scan, project);
    if (!row.ok()) {
      scan.Reset();
      return row.status();
    }
    out.push_back({static_cast<uint64_t>(scan.Int(0)), std::move(row.value()), std::move(result)});
  }
  const Status status = scan.status();
  scan.Reset();
  if (!status.ok()) return status;
  return out;
}

}  // namespace potluck
