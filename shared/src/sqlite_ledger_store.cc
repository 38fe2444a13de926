#include "potluck/store/sqlite_ledger_store.h"

namespace potluck {
namespace {

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS projects (
  id BLOB PRIMARY KEY, manifest BLOB NOT NULL, submitted_unix_ms INTEGER NOT NULL);
-- One claim per peer and unit: a claim delivered twice is stored once.
CREATE TABLE IF NOT EXISTS claims (
  project BLOB NOT NULL, unit INTEGER NOT NULL, peer BLOB NOT NULL, hash BLOB NOT NULL,
  PRIMARY KEY (project, unit, peer));
-- Result bytes once per distinct answer: agreeing replicas share a row.
CREATE TABLE IF NOT EXISTS results (
  project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (project, unit, hash));
CREATE TABLE IF NOT EXISTS leases (
  project BLOB NOT NULL, unit INTEGER NOT NULL, peer BLOB NOT NULL, deadline_unix_ms INTEGER NOT NULL,
  PRIMARY KEY (project, unit, peer));
)";

std::span<const uint8_t> Span(const auto& id) { return {id.bytes.data(), id.bytes.size()}; }

template <typename Id>
Result<Id> IdColumn(const Statement& s, int col) {
  Bytes b = s.Blob(col);
  auto id = Id::FromBytes(b.data(), b.size());
  if (!id) return Corrupt("stored id is not 32 bytes");
  return *id;
}

}  // namespace

Result<std::unique_ptr<SqliteLedgerStore>> SqliteLedgerStore::Open(const std::filesystem::path& path) {
  auto db = Database::Open(path);
  if (!db.ok()) return db.status();
  if (Status s = db.value()->Exec(kSchema); !s.ok()) return s;
  std::unique_ptr<SqliteLedgerStore> store(new SqliteLedgerStore(std::move(db.value())));
  for (auto* stmt : {&store->put_project_, &store->put_claim_, &store->put_result_, &store->put_lease_,
                     &store->drop_lease_}) {
    if (!(*stmt)->valid()) return (*stmt)->status();
  }
  return store;
}

SqliteLedgerStore::SqliteLedgerStore(std::unique_ptr<Database> db) : db_(std::move(db)), tx_(*db_) {
  put_project_ = db_->Prepare("INSERT OR IGNORE INTO projects VALUES (?1, ?2, ?3)");
  put_claim_ = db_->Prepare("INSERT OR IGNORE INTO claims VALUES (?1, ?2, ?3, ?4)");
  put_result_ = db_->Prepare("INSERT OR IGNORE INTO results VALUES (?1, ?2, ?3, ?4)");
  put_lease_ = db_->Prepare("INSERT OR REPLACE INTO leases VALUES (?1, ?2, ?3, ?4)");
  drop_lease_ = db_->Prepare("DELETE FROM leases WHERE project = ?1 AND unit = ?2 AND peer = ?3");
}

Result<LedgerStore::Snapshot> SqliteLedgerStore::Load() {
  Snapshot snap;
  auto projects = db_->Prepare("SELECT id, manifest, submitted_unix_ms FROM projects");
  while (projects->Step()) {
    auto id = IdColumn<ProjectId>(*projects, 0);
    if (!id.ok()) return id.status();
    snap.projects.push_back({id.value(), projects->Blob(1), FromUnixMs(projects->Int(2))});
  }
  if (!projects->status().ok()) return projects->status();

  auto claims = db_->Prepare("SELECT project, unit, peer, hash FROM claims");
  while (claims->Step()) {
    auto project = IdColumn<ProjectId>(*claims, 0);
    auto peer = IdColumn<PeerId>(*claims, 2);
    auto hash = IdColumn<ResultHash>(*claims, 3);
    if (!project.ok() || !peer.ok() || !hash.ok()) return Corrupt("a stored claim is damaged");
    snap.claims.push_back({{project.value(), static_cast<uint64_t>(claims->Int(1))}, peer.value(), hash.value()});
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

void SqliteLedgerStore::PutProject(const ProjectRow& p) {
  tx_.Note(put_project_->Bind(1, Span(p.id)).Bind(2, p.manifest).Bind(3, ToUnixMs(p.submitted)).Run());
}

void SqliteLedgerStore::PutClaim(const ClaimRow& c, const Bytes& result) {
  auto index = static_cast<int64_t>(c.unit.index);
  tx_.Note(put_claim_->Bind(1, Span(c.unit.project)).Bind(2, index).Bind(3, Span(c.peer)).Bind(4, Span(c.hash)).Run());
  tx_.Note(put_result_->Bind(1, Span(c.unit.project)).Bind(2, index).Bind(3, Span(c.hash)).Bind(4, result).Run());
}

void SqliteLedgerStore::PutLease(const LeaseRow& l) {
  tx_.Note(put_lease_->Bind(1, Span(l.unit.project))
               .Bind(2, static_cast<int64_t>(l.unit.index))
               .Bind(3, Span(l.peer))
               .Bind(4, ToUnixMs(l.deadline))
               .Run());
}

void SqliteLedgerStore::DropLease(const UnitKey& unit, const PeerId& peer) {
  tx_.Note(drop_lease_->Bind(1, Span(unit.project)).Bind(2, static_cast<int64_t>(unit.index)).Bind(3, Span(peer)).Run());
}

Status SqliteLedgerStore::ScanResults(const ProjectId& project,
                                      const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) {
  auto scan = db_->Prepare("SELECT unit, hash, bytes FROM results WHERE project = ?1 ORDER BY unit");
  scan->Bind(1, Span(project));
  while (scan->Step()) {
    auto hash = IdColumn<ResultHash>(*scan, 1);
    if (!hash.ok()) return hash.status();
    fn(static_cast<uint64_t>(scan->Int(0)), hash.value(), scan->Blob(2));
  }
  return scan->status();
}

}  // namespace potluck
