#include "potluck/store/sqlite_store.h"

#include <algorithm>
#include <cstdint>

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
  const bool in_claim = result.size() <= sizeof(ResultHash);
  Write(statement, IdSpan(c.unit.project), index, IdSpan(c.peer), IdSpan(c.hash),
        std::span<const uint8_t>(c.signature), std::span<const uint8_t>(EncodeClaimProof(c.proof)), c.network,
        int64_t{c.alone}, c.relayed_by ? IdSpan(*c.relayed_by) : std::span<const uint8_t>(),
        in_claim ? std::optional(std::span<const uint8_t>(result)) : std::nullopt);
  if (!in_claim) Write(*put_result_, IdSpan(c.unit.project), index, IdSpan(c.hash), std::span<const uint8_t>(result));
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

Result<uint64_t> SqliteStore::ClaimSeqFloor(const ProjectId& project) {
  // Claims take rowids past every other's (claims are never deleted, and a replaced one moves
  // to the end): one below the project's first claim, or the last of all when it has none yet.
  // The project's claims are found through the UNIQUE index, whose entries carry their rowids.
  auto seq = FirstRow(*claim_seq_floor_, &Statement::Int, IdSpan(project));
  if (!seq.ok()) return seq.status();
  return static_cast<uint64_t>(std::max<int64_t>(seq->value_or(0), 0));
}

Status SqliteStore::ScanResults(const ProjectId& project,
                                const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) {
  // UNION keeps one row of the copies agreeing claims hold.
  auto scan = db_->Prepare(
      "SELECT unit, hash, result FROM claims WHERE project = ?1 AND result IS NOT NULL "
      "UNION SELECT unit, hash, bytes FROM results WHERE project = ?1 ORDER BY 1");
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
// unit, peer, hash, signature, proof, network, alone, relayed_by. claims_after_ adds the result.
constexpr int kRelayedByColumn = 8;
constexpr int kResultColumn = 9;

// The co-holder that relayed the claim, if one did; Corrupt if the column holds no peer id.
Result<std::optional<PeerId>> RelayedBy(const Statement& row) {
  std::span<const uint8_t> bytes = row.BlobView(kRelayedByColumn);
  if (bytes.empty()) return std::optional<PeerId>();
  auto peer = PeerId::FromBytes(bytes.data(), bytes.size());
  if (!peer) return Corrupt("a stored claim is damaged");
  return peer;
}

Result<LedgerStore::ClaimRow> ReadClaimRow(const Statement& row, const ProjectId& project) {
  auto peer = IdColumn<PeerId>(row, 2);
  auto hash = IdColumn<ResultHash>(row, 3);
  std::span<const uint8_t> signature = row.BlobView(4);
  auto proof = DecodeClaimProof(row.Blob(5));
  auto relayed_by = RelayedBy(row);
  if (!peer.ok() || !hash.ok() || signature.size() != Signature{}.size() || !proof.ok() || !relayed_by.ok()) {
    return Corrupt("a stored claim is damaged");
  }
  LedgerStore::ClaimRow claim{{project, static_cast<uint64_t>(row.Int(1))}, peer.value(), hash.value(), {},
                              std::move(proof.value()), row.Text(6), row.Int(7) != 0, relayed_by.value()};
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

Result<LedgerStore::ClaimScan> SqliteStore::ClaimsAfter(const ProjectId& project, uint64_t after,
                                                        const ClaimScanLimits& limits, const ClaimWanted& wanted) {
  ClaimScan out{.last_seq = after};
  Statement& scan = *claims_after_;
  scan.Reset();
  // One claim past the last looked at tells whether the scan reached the end.
  const auto looked_max = static_cast<int64_t>(std::min<size_t>(limits.looked, INT64_MAX - 1));
  scan.Bind(1, IdSpan(project)).Bind(2, static_cast<int64_t>(after)).Bind(3, looked_max + 1);
  int64_t looked = 0;
  size_t result_bytes = 0;
  auto read = [&]() -> Status {
    while (scan.Step()) {
      if (looked == looked_max || out.claims.size() == limits.claims) return Status::Ok();
      ++looked;
      const auto seq = static_cast<uint64_t>(scan.Int(0));
      auto relayed_by = RelayedBy(scan);
      if (!relayed_by.ok()) return relayed_by.status();
      if (!wanted || wanted(seq, relayed_by.value())) {
        auto row = ReadClaimRow(scan, project);
        if (!row.ok()) return row.status();
        std::optional<Bytes> result;
        if (!scan.IsNull(kResultColumn)) {
          result = scan.Blob(kResultColumn);
        } else {
          auto stored = FirstRow(*claim_result_, &Statement::Blob, IdSpan(project), scan.Int(1), IdSpan(row->hash));
          if (!stored.ok()) return stored.status();
          result = std::move(stored.value());
        }
        // A claim from before results were stored has none to pass on.
        if (result) {
          result_bytes += result->size();
          if (!out.claims.empty() && result_bytes > limits.result_bytes) return Status::Ok();
          out.claims.push_back({seq, std::move(row.value()), std::move(*result)});
        }
      }
      out.last_seq = seq;
    }
    out.end = scan.status().ok();
    return scan.status();
  };
  const Status status = read();
  scan.Reset();
  if (!status.ok()) return status;
  return out;
}

}  // namespace potluck
