#include "potluck/store/sqlite_volunteer_store.h"

#include "potluck/core/manifest.h"

namespace potluck {
namespace {

constexpr char kSchema[] = R"(
CREATE TABLE IF NOT EXISTS manifests (id BLOB PRIMARY KEY, manifest BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS leases (
  project BLOB NOT NULL, unit INTEGER NOT NULL, deadline_unix_ms INTEGER NOT NULL, holder TEXT NOT NULL,
  PRIMARY KEY (project, unit));
-- Computed results that no holder has acknowledged yet.
CREATE TABLE IF NOT EXISTS outbox (
  project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, result BLOB NOT NULL, holder TEXT NOT NULL,
  PRIMARY KEY (project, unit));
)";

std::span<const uint8_t> Span(const auto& id) { return {id.bytes.data(), id.bytes.size()}; }

}  // namespace

Result<std::unique_ptr<SqliteVolunteerStore>> SqliteVolunteerStore::Open(const std::filesystem::path& path) {
  auto db = Database::Open(path);
  if (!db.ok()) return db.status();
  if (Status s = db.value()->Exec(kSchema); !s.ok()) return s;
  std::unique_ptr<SqliteVolunteerStore> store(new SqliteVolunteerStore(std::move(db.value())));
  for (auto* stmt : {&store->put_manifest_, &store->put_lease_, &store->drop_lease_, &store->put_outbox_,
                     &store->drop_outbox_}) {
    if (!(*stmt)->valid()) return (*stmt)->status();
  }
  return store;
}

SqliteVolunteerStore::SqliteVolunteerStore(std::unique_ptr<Database> db) : db_(std::move(db)), tx_(*db_) {
  put_manifest_ = db_->Prepare("INSERT OR IGNORE INTO manifests VALUES (?1, ?2)");
  put_lease_ = db_->Prepare("INSERT OR REPLACE INTO leases VALUES (?1, ?2, ?3, ?4)");
  drop_lease_ = db_->Prepare("DELETE FROM leases WHERE project = ?1 AND unit = ?2");
  put_outbox_ = db_->Prepare("INSERT OR REPLACE INTO outbox VALUES (?1, ?2, ?3, ?4, ?5)");
  drop_outbox_ = db_->Prepare("DELETE FROM outbox WHERE project = ?1 AND unit = ?2");
}

Result<VolunteerStore::Snapshot> SqliteVolunteerStore::Load() {
  Snapshot snap;
  auto manifests = db_->Prepare("SELECT manifest FROM manifests");
  while (manifests->Step()) snap.manifests.push_back(manifests->Blob(0));
  if (!manifests->status().ok()) return manifests->status();

  auto leases = db_->Prepare("SELECT project, unit, deadline_unix_ms, holder FROM leases ORDER BY project, unit");
  while (leases->Step()) {
    Bytes p = leases->Blob(0);
    auto project = ProjectId::FromBytes(p.data(), p.size());
    if (!project) return Corrupt("a stored lease is damaged");
    snap.leases.push_back({{*project, static_cast<uint64_t>(leases->Int(1))}, FromUnixMs(leases->Int(2)), leases->Text(3)});
  }
  if (!leases->status().ok()) return leases->status();

  auto outbox = db_->Prepare("SELECT project, unit, hash, result, holder FROM outbox");
  while (outbox->Step()) {
    Bytes p = outbox->Blob(0), h = outbox->Blob(2);
    auto project = ProjectId::FromBytes(p.data(), p.size());
    auto hash = ResultHash::FromBytes(h.data(), h.size());
    if (!project || !hash) return Corrupt("a stored result is damaged");
    snap.outbox.push_back(
        {{*project, static_cast<uint64_t>(outbox->Int(1))}, *hash, outbox->Blob(3), outbox->Text(4)});
  }
  if (!outbox->status().ok()) return outbox->status();
  return snap;
}

void SqliteVolunteerStore::PutManifest(const ProjectId& id, const Bytes& manifest) {
  tx_.Note(put_manifest_->Bind(1, Span(id)).Bind(2, manifest).Run());
}

void SqliteVolunteerStore::PutLease(const LeaseRow& l) {
  tx_.Note(put_lease_->Bind(1, Span(l.unit.project))
               .Bind(2, static_cast<int64_t>(l.unit.index))
               .Bind(3, ToUnixMs(l.deadline))
               .Bind(4, l.holder)
               .Run());
}

void SqliteVolunteerStore::DropLease(const UnitKey& unit) {
  tx_.Note(drop_lease_->Bind(1, Span(unit.project)).Bind(2, static_cast<int64_t>(unit.index)).Run());
}

void SqliteVolunteerStore::PutOutbox(const OutboxRow& r) {
  tx_.Note(put_outbox_->Bind(1, Span(r.unit.project))
               .Bind(2, static_cast<int64_t>(r.unit.index))
               .Bind(3, Span(r.hash))
               .Bind(4, r.result)
               .Bind(5, r.holder)
               .Run());
}

void SqliteVolunteerStore::DropOutbox(const UnitKey& unit) {
  tx_.Note(drop_outbox_->Bind(1, Span(unit.project)).Bind(2, static_cast<int64_t>(unit.index)).Run());
}

}  // namespace potluck
