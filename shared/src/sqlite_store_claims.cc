// A holder's claims, stored together in claim_groups (see kSchema in sqlite_store.cc).
#include <algorithm>
#include <cstdint>
#include <map>
#include <tuple>

#include "potluck/store/sqlite_store.h"

namespace potluck {

using internal::IdColumn;
using internal::IdSpan;

namespace {

// Claims of units this close share rows: a holder's claims arrive about in unit order, so a
// turn's claims fill a few rows, and a unit's claims are found among a block's rows.
constexpr uint64_t kClaimBlockUnits = 64;
// Claims in one row at most, so that a row starting this far before a sequence number is the
// earliest that can hold claims after it.
constexpr size_t kClaimGroupMax = 256;

int64_t BlockOf(uint64_t index) { return static_cast<int64_t>(index / kClaimBlockUnits); }

Result<std::optional<PeerId>> RelayedBy(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return std::optional<PeerId>();
  auto peer = PeerId::FromBytes(bytes.data(), bytes.size());
  if (!peer) return Corrupt("a stored claim is damaged: its relaying peer is not 32 bytes");
  return peer;
}

LedgerStore::ClaimRow ToClaimRow(StoredClaimItem& stored, const std::optional<PeerId>& relayed_by) {
  LedgerPush::Entry& e = stored.entry;
  return {e.claim.unit, e.peer, e.claim.hash, e.claim.signature, std::move(e.claim.proof), std::move(e.network),
          e.alone, relayed_by};
}

// A row of claim_groups as block_claims_ and claims_after_ select it: seq, relayed_by, claims.
struct GroupRow {
  uint64_t seq;
  std::optional<PeerId> relayed_by;
  std::vector<StoredClaimItem> claims;
};

Result<GroupRow> ReadGroup(const Statement& row) {
  auto relayed_by = RelayedBy(row.BlobView(1));
  if (!relayed_by.ok()) return relayed_by.status();
  auto claims = DecodeStoredClaims(row.BlobView(2));
  if (!claims.ok()) return claims.status();
  return GroupRow{static_cast<uint64_t>(row.Int(0)), relayed_by.value(), std::move(claims.value())};
}

// Every row of one block of a project's units, read before any is changed.
Result<std::vector<GroupRow>> BlockRows(Statement& scan, const UnitKey& unit) {
  scan.Reset();
  scan.Bind(1, IdSpan(unit.project)).Bind(2, BlockOf(unit.index));
  std::vector<GroupRow> rows;
  Status status;
  while (status.ok() && scan.Step()) {
    auto row = ReadGroup(scan);
    if (row.ok()) rows.push_back(std::move(row.value()));
    status = row.status();
  }
  if (status.ok()) status = scan.status();
  scan.Reset();
  if (!status.ok()) return status;
  return rows;
}

}  // namespace

void SqliteStore::PutClaim(const ClaimRow& c, const Bytes& result) {
  const bool in_claim = result.size() <= sizeof(ResultHash);
  if (!in_claim) {
    Write(*put_result_, IdSpan(c.unit.project), static_cast<int64_t>(c.unit.index), IdSpan(c.hash),
          std::span<const uint8_t>(result));
  }
  pending_claims_.push_back({c, in_claim ? std::optional(result) : std::nullopt});
  // Outside a turn, a write takes effect at once.
  if (!tx_.in_turn()) FlushClaims();
}

void SqliteStore::ReplaceClaim(const ClaimRow& c, const Bytes& result) {
  // The claim replaced keeps its place, marked, so that the claims after it keep their numbers.
  tx_.Note(ChangeStoredClaim(c.unit, c.peer, [](StoredClaimItem& stored) { stored.replaced = true; }));
  PutClaim(c, result);
}

void SqliteStore::MarkClaimAlone(const UnitKey& unit, const PeerId& peer) {
  tx_.Note(ChangeStoredClaim(unit, peer, [](StoredClaimItem& stored) { stored.entry.alone = true; }));
}

void SqliteStore::FlushClaims() {
  if (pending_claims_.empty()) return;
  std::vector<PendingClaim> pending = std::move(pending_claims_);
  pending_claims_.clear();
  auto seq = NextClaimSeq();
  if (!seq.ok()) {
    tx_.Note(seq.status());
    return;
  }
  struct Group {
    ProjectId project;
    int64_t block;
    std::optional<PeerId> relayed_by;
    std::vector<StoredClaimItem> claims;
  };
  std::vector<Group> groups;  // in the order of their first claims
  std::map<std::tuple<ProjectId, int64_t, std::optional<PeerId>>, size_t> group_at;
  for (PendingClaim& p : pending) {
    ClaimRow& c = p.claim;
    const int64_t block = BlockOf(c.unit.index);
    auto [at, fresh] = group_at.try_emplace({c.unit.project, block, c.relayed_by}, groups.size());
    if (fresh) groups.push_back({c.unit.project, block, c.relayed_by, {}});
    const bool in_claim = p.result.has_value();
    groups[at->second].claims.push_back(
        {{c.peer, {c.unit, c.hash, in_claim ? std::move(*p.result) : Bytes(), c.signature, std::move(c.proof)},
          std::move(c.network), c.alone},
         in_claim});
  }
  uint64_t next = seq.value();
  for (const Group& g : groups) {
    const std::span<const StoredClaimItem> claims(g.claims);
    for (size_t from = 0; from < claims.size(); from += kClaimGroupMax) {
      const std::span<const StoredClaimItem> row = claims.subspan(from, std::min(kClaimGroupMax, claims.size() - from));
      const Bytes bytes = EncodeStoredClaims(row);
      Write(*put_claims_, static_cast<int64_t>(next), IdSpan(g.project), g.block, static_cast<int64_t>(row.size()),
            g.relayed_by ? IdSpan(*g.relayed_by) : std::span<const uint8_t>(), std::span<const uint8_t>(bytes));
      next += row.size();
    }
  }
  next_claim_seq_ = next;
}

Result<uint64_t> SqliteStore::NextClaimSeq() {
  if (!next_claim_seq_) {
    auto next = FirstRow(*next_claim_seq_query_, &Statement::Int);
    if (!next.ok()) return next.status();
    next_claim_seq_ = static_cast<uint64_t>(next->value_or(1));
  }
  return *next_claim_seq_;
}

Status SqliteStore::ChangeStoredClaim(const UnitKey& unit, const PeerId& peer,
                                      const std::function<void(StoredClaimItem&)>& change) {
  FlushClaims();
  auto rows = BlockRows(*block_claims_, unit);
  if (!rows.ok()) return rows.status();
  for (GroupRow& row : rows.value()) {
    for (StoredClaimItem& stored : row.claims) {
      if (stored.replaced || stored.entry.peer != peer || stored.entry.claim.unit != unit) continue;
      change(stored);
      const Bytes bytes = EncodeStoredClaims(row.claims);
      const auto replaced = std::count_if(row.claims.begin(), row.claims.end(), [](const auto& c) { return c.replaced; });
      Write(*rewrite_claims_, static_cast<int64_t>(row.seq), std::span<const uint8_t>(bytes),
            static_cast<int64_t>(replaced));
      return Status::Ok();
    }
  }
  return Status::Ok();  // no such claim: nothing to change
}

Status SqliteStore::LoadClaims(std::vector<ClaimRow>& out) {
  FlushClaims();
  auto rows = db_->Prepare("SELECT seq, relayed_by, claims FROM claim_groups ORDER BY seq");
  while (rows->Step()) {
    auto row = ReadGroup(*rows);
    if (!row.ok()) return row.status();
    for (StoredClaimItem& stored : row->claims) {
      if (stored.replaced) continue;
      // What the ledger keeps in memory: no signatures or proofs.
      const LedgerPush::Entry& e = stored.entry;
      out.push_back({e.claim.unit, e.peer, e.claim.hash, {}, {}, e.network, e.alone});
    }
  }
  return rows->status();
}

Result<uint64_t> SqliteStore::ClaimSeqFloor(const ProjectId& project) {
  FlushClaims();
  // One below the project's first claim, or below the next claim of all when it has none yet.
  // The project's rows are found through the index, whose entries carry their sequence numbers.
  auto next = NextClaimSeq();
  if (!next.ok()) return next.status();
  auto seq = FirstRow(*claim_seq_floor_, &Statement::Int, IdSpan(project), static_cast<int64_t>(next.value()));
  if (!seq.ok()) return seq.status();
  return static_cast<uint64_t>(std::max<int64_t>(seq->value_or(0), 0));
}

Result<std::vector<LedgerStore::ClaimRow>> SqliteStore::UnitClaims(const UnitKey& unit) {
  FlushClaims();
  auto rows = BlockRows(*block_claims_, unit);
  if (!rows.ok()) return rows.status();
  std::vector<std::pair<uint64_t, ClaimRow>> by_seq;
  for (GroupRow& row : rows.value()) {
    for (size_t i = 0; i < row.claims.size(); ++i) {
      StoredClaimItem& stored = row.claims[i];
      if (!stored.replaced && stored.entry.claim.unit == unit) {
        by_seq.emplace_back(row.seq + i, ToClaimRow(stored, row.relayed_by));
      }
    }
  }
  std::sort(by_seq.begin(), by_seq.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<ClaimRow> out;
  for (auto& [seq, claim] : by_seq) out.push_back(std::move(claim));
  return out;
}

Result<LedgerStore::ClaimScan> SqliteStore::ClaimsAfter(const ProjectId& project, uint64_t after,
                                                        const ClaimScanLimits& limits, const ClaimWanted& wanted) {
  FlushClaims();
  ClaimScan out{.last_seq = after};
  Statement& scan = *claims_after_;
  scan.Reset();
  scan.Bind(1, IdSpan(project)).Bind(2, static_cast<int64_t>(after > kClaimGroupMax ? after - kClaimGroupMax : 0));
  size_t looked = 0;
  size_t result_bytes = 0;
  auto read = [&]() -> Status {
    while (scan.Step()) {
      const auto first = static_cast<uint64_t>(scan.Int(0));
      const auto count = static_cast<uint64_t>(scan.Int(3));
      auto relayed_by = RelayedBy(scan.BlobView(1));
      if (!relayed_by.ok()) return relayed_by.status();
      // A row whose claims are all passed over, none of them replaced, is not decoded.
      const uint64_t from = std::max(first, after + 1);
      std::vector<bool> wants;
      for (uint64_t seq = from; seq < first + count; ++seq) wants.push_back(!wanted || wanted(seq, relayed_by.value()));
      std::vector<StoredClaimItem> claims;
      if (from < first + count &&
          (scan.Int(4) > 0 || std::find(wants.begin(), wants.end(), true) != wants.end())) {
        auto read_claims = DecodeStoredClaims(scan.BlobView(2));
        if (!read_claims.ok()) return read_claims.status();
        if (read_claims->size() != count) return Corrupt("a stored claim is damaged: its row's count is wrong");
        claims = std::move(read_claims.value());
      }
      for (uint64_t seq = from; seq < first + count; ++seq) {
        StoredClaimItem* stored = claims.empty() ? nullptr : &claims[seq - first];
        if (stored && stored->replaced) continue;
        if (looked == limits.looked || out.claims.size() == limits.claims) return Status::Ok();
        ++looked;
        if (stored && wants[seq - from]) {
          std::optional<Bytes> result;
          if (stored->result_in_claim) {
            result = std::move(stored->entry.claim.result);
          } else {
            auto in_results = FirstRow(*claim_result_, &Statement::Blob, IdSpan(project),
                                       static_cast<int64_t>(stored->entry.claim.unit.index),
                                       IdSpan(stored->entry.claim.hash));
            if (!in_results.ok()) return in_results.status();
            result = std::move(in_results.value());
          }
          // A claim from before results were stored has none to pass on.
          if (result) {
            result_bytes += result->size();
            if (!out.claims.empty() && result_bytes > limits.result_bytes) return Status::Ok();
            out.claims.push_back({seq, ToClaimRow(*stored, relayed_by.value()), std::move(*result)});
          }
        }
        out.last_seq = seq;
      }
    }
    out.end = scan.status().ok();
    return scan.status();
  };
  const Status status = read();
  scan.Reset();
  if (!status.ok()) return status;
  return out;
}

Status SqliteStore::ScanResults(const ProjectId& project,
                                const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) {
  FlushClaims();
  // Block by block: the results the block's claims hold and those in `results`, in unit order,
  // once per distinct answer.
  auto rows = db_->Prepare("SELECT unit_block, claims FROM claim_groups WHERE project = ?1 ORDER BY unit_block");
  auto larger = db_->Prepare("SELECT unit, hash, bytes FROM results WHERE project = ?1 AND unit >= ?2 AND unit < ?3");
  rows->Bind(1, IdSpan(project));
  std::vector<std::tuple<uint64_t, ResultHash, Bytes>> block;
  std::optional<int64_t> current;
  auto pass_on = [&]() -> Status {
    if (!current) return Status::Ok();
    larger->Reset();
    const auto from = static_cast<int64_t>(static_cast<uint64_t>(*current) * kClaimBlockUnits);
    larger->Bind(1, IdSpan(project)).Bind(2, from).Bind(3, from + static_cast<int64_t>(kClaimBlockUnits));
    while (larger->Step()) {
      auto hash = IdColumn<ResultHash>(*larger, 1);
      if (!hash.ok()) return hash.status();
      block.emplace_back(static_cast<uint64_t>(larger->Int(0)), hash.value(), larger->Blob(2));
    }
    if (!larger->status().ok()) return larger->status();
    auto key = [](const auto& r) { return std::tie(std::get<0>(r), std::get<1>(r)); };
    std::sort(block.begin(), block.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
    block.erase(std::unique(block.begin(), block.end(), [&](const auto& a, const auto& b) { return key(a) == key(b); }),
                block.end());
    for (const auto& [index, hash, bytes] : block) fn(index, hash, bytes);
    block.clear();
    return Status::Ok();
  };
  while (rows->Step()) {
    if (current != rows->Int(0)) {
      if (Status s = pass_on(); !s.ok()) return s;
      current = rows->Int(0);
    }
    auto claims = DecodeStoredClaims(rows->BlobView(1));
    if (!claims.ok()) return claims.status();
    for (StoredClaimItem& stored : claims.value()) {
      if (stored.replaced || !stored.result_in_claim) continue;
      const Claim& c = stored.entry.claim;
      block.emplace_back(c.unit.index, c.hash, std::move(stored.entry.claim.result));
    }
  }
  if (!rows->status().ok()) return rows->status();
  return pass_on();
}

Status SqliteStore::GroupOldClaims() {
  // One transaction: a failure leaves the database as it was.
  if (Status s = db_->Exec("BEGIN"); !s.ok()) return s;
  auto old = db_->Prepare(
      "SELECT project, unit, peer, hash, signature, proof, network, alone, relayed_by, result FROM claims "
      "ORDER BY rowid");
  Status status;
  while (status.ok() && old->Step()) {
    auto project = IdColumn<ProjectId>(*old, 0);
    auto peer = IdColumn<PeerId>(*old, 2);
    auto hash = IdColumn<ResultHash>(*old, 3);
    std::span<const uint8_t> signature = old->BlobView(4);
    auto proof = DecodeClaimProof(old->Blob(5));
    auto relayed_by = RelayedBy(old->BlobView(8));
    if (!project.ok() || !peer.ok() || !hash.ok() || signature.size() != Signature{}.size() || !proof.ok() ||
        !relayed_by.ok()) {
      status = Corrupt("a stored claim is damaged");
      break;
    }
    ClaimRow claim{{project.value(), static_cast<uint64_t>(old->Int(1))}, peer.value(), hash.value(), {},
                   std::move(proof.value()), old->Text(6), old->Int(7) != 0, relayed_by.value()};
    std::copy(signature.begin(), signature.end(), claim.signature.begin());
    pending_claims_.push_back({std::move(claim), old->IsNull(9) ? std::nullopt : std::optional(old->Blob(9))});
    if (pending_claims_.size() == kClaimGroupMax * kClaimBlockUnits) FlushClaims();
  }
  if (status.ok()) status = old->status();
  old.reset();
  if (status.ok()) FlushClaims();
  if (status.ok()) status = tx_.status();
  if (status.ok()) status = db_->Exec("DROP TABLE claims; COMMIT");
  if (!status.ok()) {
    (void)db_->Exec("ROLLBACK");
    pending_claims_.clear();
    next_claim_seq_.reset();
  }
  tx_.Rollback();  // forgets the outcome of the writes, which the COMMIT or ROLLBACK above settled
  return status;
}

}  // namespace potluck
