#include "potluck/store/sqlite_store.h"

#include <string>

namespace potluck {
namespace {

constexpr char kSchema[] = R"(
-- Holder: the ledgers of the projects this node holds.
CREATE TABLE IF NOT EXISTS projects (
  id BLOB PRIMARY KEY, manifest BLOB NOT NULL, submitted_unix_ms INTEGER NOT NULL,
  cancelled INTEGER NOT NULL DEFAULT 0);
-- Claims, stored together: a row holds those of one project that one turn stored in one block of
-- kClaimBlockUnits units, brought by the same co-holder (`relayed_by`, empty for none), encoded
-- as StoredClaims. A row and an index entry for each claim cost a holder more than checking the
-- claim did. `seq` is the sequence number of the row's first claim and the rest follow it one
-- by one: it orders claims for ledger exchange between holders. A claim's result travels in it
-- when no longer than a hash, and is in `results` otherwise. `replaced` counts the row's claims
-- that later ones replaced.
CREATE TABLE IF NOT EXISTS claim_groups (
  seq INTEGER PRIMARY KEY, project BLOB NOT NULL, unit_block INTEGER NOT NULL, count INTEGER NOT NULL,
  relayed_by BLOB NOT NULL, claims BLOB NOT NULL, replaced INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS claim_groups_by_block ON claim_groups (project, unit_block);
-- Larger result bytes once per distinct answer: agreeing replicas share a row.
CREATE TABLE IF NOT EXISTS results (
  project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, bytes BLOB NOT NULL,
  PRIMARY KEY (project, unit, hash)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS leases (
  project BLOB NOT NULL, unit INTEGER NOT NULL, peer BLOB NOT NULL, deadline_unix_ms INTEGER NOT NULL,
  PRIMARY KEY (project, unit, peer)) WITHOUT ROWID;

-- Volunteer: what this node computes.
CREATE TABLE IF NOT EXISTS manifests (id BLOB PRIMARY KEY, manifest BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS held_leases (
  project BLOB NOT NULL, unit INTEGER NOT NULL, deadline_unix_ms INTEGER NOT NULL, holder TEXT NOT NULL,
  PRIMARY KEY (project, unit)) WITHOUT ROWID;
-- The latest kernel checkpoint of a held unit, so a restarted worker resumes it.
CREATE TABLE IF NOT EXISTS checkpoints (
  project BLOB NOT NULL, unit INTEGER NOT NULL, state BLOB NOT NULL, PRIMARY KEY (project, unit));
-- Computed results that no holder has acknowledged yet. They are signed as they are sent.
CREATE TABLE IF NOT EXISTS outbox (
  project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, result BLOB NOT NULL, holder TEXT NOT NULL,
  PRIMARY KEY (project, unit)) WITHOUT ROWID;
-- Credit: the units computed and claimed here, until a month after the claim (a day once
-- verified: kept that long only so a second notice or a recomputation counts nothing), and the
-- totals of those verified, in one row that outlives them.
CREATE TABLE IF NOT EXISTS credit (
  project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, cpu_seconds REAL NOT NULL,
  claimed_unix_ms INTEGER NOT NULL, verified INTEGER NOT NULL, PRIMARY KEY (project, unit));
CREATE TABLE IF NOT EXISTS credit_verified (
  id INTEGER PRIMARY KEY CHECK (id = 0), units INTEGER NOT NULL, cpu_seconds REAL NOT NULL);
INSERT OR IGNORE INTO credit_verified VALUES (0, 0, 0);

-- Peers, so that a restarted node finds the grid without its bootstrap nodes.
CREATE TABLE IF NOT EXISTS peers (id BLOB PRIMARY KEY, endpoint TEXT NOT NULL, last_seen_unix_ms INTEGER NOT NULL);
)";

// The lease, result and outbox tables, written for every replica, are one b-tree each WITHOUT
// ROWID (a table with a rowid keeps its primary key in a second one), and ledger exchange reads
// claims by rowid alone instead of through an index on their project that every claim had to
// update.
// An older database changes in one transaction, so a failure leaves it as it was.
Status DropRowids(Database& db) {
  std::vector<std::string> tables;
  for (const char* table : {"leases", "held_leases", "results", "outbox"}) {
    if (db.Prepare(std::string("SELECT rowid FROM ") + table + " LIMIT 0")->valid()) tables.push_back(table);
  }
  std::string renames, refills;
  for (const std::string& t : tables) {
    renames += "ALTER TABLE " + t + " RENAME TO old_" + t + ";";
    refills += "INSERT INTO " + t + " SELECT * FROM old_" + t + "; DROP TABLE old_" + t + ";";
  }
  auto index = db.Prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = 'claims_by_seq'");
  if (tables.empty() && !index->Step()) return Status::Ok();
  // kSchema creates the renamed tables anew.
  const std::string change = tables.empty() ? std::string() : renames + kSchema + refills;
  if (Status s = db.Exec("BEGIN;" + change + "DROP INDEX IF EXISTS claims_by_seq; COMMIT;"); !s.ok()) {
    (void)db.Exec("ROLLBACK");
    return s;
  }
  return Status::Ok();
}

// Every commit writes the tails of the tables and indexes it touched to the log again, and a
// checkpoint copies each page once however often it was rewritten: a longer log between
// checkpoints (about 32 MB at 4 KiB pages, against SQLite's 4 MB) copies the hot pages less often.
constexpr int kLogPagesBetweenCheckpoints = 8000;

}  // namespace

Status SqliteStore::Commit(Survives survives) {
  FlushClaims();
  if (Buggify(faults_, FaultPoint::kStoreCommitFails)) tx_.Note(IoError("commit failed (injected fault)"));
  Status s = tx_.Commit(survives == Survives::kPowerLoss);
  if (!s.ok()) next_claim_seq_.reset();  // the rows that took the numbers are gone
  return s;
}

void SqliteStore::Abort() {
  tx_.Rollback();
  pending_claims_.clear();
  next_claim_seq_.reset();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::filesystem::path& path, size_t page_cache_kib) {
  auto db = Database::Open(path);
  if (!db.ok()) return db.status();
  // Errors name the file they came from.
  auto in_file = [&path](const Status& s) { return Status(s.code(), path.string() + ": " + s.message()); };
  // A negative cache size is in KiB rather than pages.
  if (Status s = db.value()->Exec("PRAGMA cache_size = -" + std::to_string(page_cache_kib) +
                                  "; PRAGMA wal_autocheckpoint = " + std::to_string(kLogPagesBetweenCheckpoints));
      !s.ok()) {
    return in_file(s);
  }
  if (Status s = db.value()->Exec(kSchema); !s.ok()) return in_file(s);
  // Older databases change to this schema: the outbox drops its signatures (claims are signed
  // as they are sent); a database from before claims were stored together keeps them one per
  // row in `claims`, which first gains the columns it lacks (networks, proofs: none for those
  // from when every claim was signed alone) and is then regrouped (GroupOldClaims).
  struct Migration {
    const char* table;
    const char* probe;
    bool apply_when_valid;  // whether the probe's query working means the change is due
    const char* change;
  };
  const Migration migrations[] = {
      {"claims", "SELECT network, alone FROM claims LIMIT 0", false,
       "ALTER TABLE claims ADD COLUMN network TEXT NOT NULL DEFAULT '';"
       "ALTER TABLE claims ADD COLUMN alone INTEGER NOT NULL DEFAULT 0;"},
      {"claims", "SELECT proof FROM claims LIMIT 0", false,
       "ALTER TABLE claims ADD COLUMN proof BLOB NOT NULL DEFAULT x''"},
      {"claims", "SELECT relayed_by FROM claims LIMIT 0", false,
       "ALTER TABLE claims ADD COLUMN relayed_by BLOB NOT NULL DEFAULT x''"},
      {"outbox", "SELECT signature FROM outbox LIMIT 0", true, "ALTER TABLE outbox DROP COLUMN signature"},
      {"claims", "SELECT result FROM claims LIMIT 0", false, "ALTER TABLE claims ADD COLUMN result BLOB"},
  };
  auto has_table = [&](const std::string& table) {
    return db.value()->Prepare("SELECT 1 FROM " + table + " LIMIT 0")->valid();
  };
  const bool old_claims = has_table("claims");
  for (const Migration& m : migrations) {
    if (!has_table(m.table) || db.value()->Prepare(m.probe)->valid() != m.apply_when_valid) continue;
    if (Status s = db.value()->Exec(m.change); !s.ok()) return in_file(s);
  }
  if (Status s = DropRowids(*db.value()); !s.ok()) return in_file(s);
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db.value())));
  if (Status s = store->Prepare(); !s.ok()) return s;
  if (old_claims) {
    if (Status s = store->GroupOldClaims(); !s.ok()) return in_file(s);
  }
  if (Status s = store->LoadCheckpointed(); !s.ok()) return in_file(s);
  return store;
}

SqliteStore::SqliteStore(std::unique_ptr<Database> db) : db_(std::move(db)), tx_(*db_) {}

Status SqliteStore::LoadCheckpointed() {
  auto units = db_->Prepare("SELECT project, unit FROM checkpoints");
  while (units->Step()) {
    auto project = internal::IdColumn<ProjectId>(*units, 0);
    if (!project.ok()) return Corrupt("a stored checkpoint is damaged");
    checkpointed_.insert({project.value(), static_cast<uint64_t>(units->Int(1))});
  }
  return units->status();
}

Status SqliteStore::Prepare() {
  struct {
    std::unique_ptr<Statement>* statement;
    const char* sql;
  } const statements[] = {
      {&put_project_, "INSERT OR IGNORE INTO projects VALUES (?1, ?2, ?3, ?4)"},
      {&put_cancelled_, "UPDATE projects SET cancelled = 1 WHERE id = ?1"},
      {&put_claims_, "INSERT INTO claim_groups VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0)"},
      {&rewrite_claims_, "UPDATE claim_groups SET claims = ?2, replaced = ?3 WHERE seq = ?1"},
      {&put_result_, "INSERT OR IGNORE INTO results VALUES (?1, ?2, ?3, ?4)"},
      {&block_claims_, "SELECT seq, relayed_by, claims FROM claim_groups WHERE project = ?1 AND unit_block = ?2"},
      // `+project`: SQLite walks the rows from the sequence number on, instead of reading every
      // row of the project through the index and sorting them. A row starting up to
      // kClaimGroupMax claims before ?2 may hold claims after it.
      {&claims_after_,
       "SELECT seq, relayed_by, claims, count, replaced FROM claim_groups WHERE +project = ?1 AND seq > ?2 ORDER BY seq"},
      {&claim_result_, "SELECT bytes FROM results WHERE project = ?1 AND unit = ?2 AND hash = ?3"},
      {&claim_seq_floor_,
       "SELECT IFNULL((SELECT MIN(seq) FROM claim_groups WHERE project = ?1), ?2) - 1"},
      {&next_claim_seq_query_, "SELECT seq + count FROM claim_groups ORDER BY seq DESC LIMIT 1"},
      {&put_ledger_lease_, "INSERT OR REPLACE INTO leases VALUES (?1, ?2, ?3, ?4)"},
      {&drop_ledger_lease_, "DELETE FROM leases WHERE project = ?1 AND unit = ?2 AND peer = ?3"},
      {&put_manifest_, "INSERT OR IGNORE INTO manifests VALUES (?1, ?2)"},
      {&put_held_lease_, "INSERT OR REPLACE INTO held_leases VALUES (?1, ?2, ?3, ?4)"},
      {&drop_held_lease_, "DELETE FROM held_leases WHERE project = ?1 AND unit = ?2"},
      {&put_checkpoint_, "INSERT OR REPLACE INTO checkpoints VALUES (?1, ?2, ?3)"},
      {&drop_checkpoint_, "DELETE FROM checkpoints WHERE project = ?1 AND unit = ?2"},
      {&load_checkpoint_, "SELECT state FROM checkpoints WHERE project = ?1 AND unit = ?2"},
      {&put_outbox_, "INSERT OR REPLACE INTO outbox VALUES (?1, ?2, ?3, ?4, ?5)"},
      {&drop_outbox_, "DELETE FROM outbox WHERE project = ?1 AND unit = ?2"},
      {&put_credit_, "INSERT OR REPLACE INTO credit VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
      {&mark_credit_verified_, "UPDATE credit SET verified = 1 WHERE project = ?1 AND unit = ?2"},
      {&add_verified_credit_, "UPDATE credit_verified SET units = units + ?1, cpu_seconds = cpu_seconds + ?2"},
      {&drop_credit_, "DELETE FROM credit WHERE project = ?1 AND unit = ?2"},
      {&credit_verified_, "SELECT 1 FROM credit WHERE project = ?1 AND unit = ?2 AND verified = 1"},
      // Every claim takes the next rowid (PutCredit replaces its unit's row; marking one
      // verified updates it in place), so rowids count claims and both bounds are a rowid below
      // which verified rows go: the first claim since `claimed_before`, and the `keep_max`-th
      // latest. The delete then reads only the rows it drops and the few unverified among them,
      // not the whole table.
      {&drop_verified_credit_,
       "DELETE FROM credit WHERE verified = 1 AND rowid < MAX("
       "IFNULL((SELECT rowid FROM credit WHERE claimed_unix_ms >= ?1 ORDER BY rowid LIMIT 1), "
       "(SELECT IFNULL(MAX(rowid), 0) + 1 FROM credit)), (SELECT IFNULL(MAX(rowid), 0) FROM credit) - ?2 + 1)"},
      {&put_peer_, "INSERT OR REPLACE INTO peers VALUES (?1, ?2, ?3)"},
      {&drop_peer_, "DELETE FROM peers WHERE id = ?1"},
  };
  for (const auto& [statement, sql] : statements) {
    *statement = db_->Prepare(sql);
    if (!(*statement)->valid()) return (*statement)->status();
  }
  return Status::Ok();
}

}  // namespace potluck
