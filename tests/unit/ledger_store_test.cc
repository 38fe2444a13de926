#include <gtest/gtest.h>

#include <filesystem>

#include "potluck/core/actions.h"
#include "potluck/store/memory_store.h"
#include "potluck/store/sqlite.h"
#include "potluck/store/sqlite_store.h"


namespace potluck {
namespace {

constexpr size_t kNoByteLimit = SIZE_MAX;

template <typename Id>
Id Filled(uint8_t b) {
  Id id;
  id.bytes.fill(b);
  return id;
}

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/potluck-store-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(LedgerStoreTest, WhatIsCommittedSurvivesReopening) {
  TempDir dir;
  const auto db = dir.path() / "ledger.db";
  UnitKey unit{Filled<ProjectId>(1), 7};
  {
    auto store = std::move(SqliteStore::Open(db).value());
    store->Begin();
    store->PutProject({unit.project, Bytes{1, 2, 3}, FromUnixMs(1000)});
    store->PutClaim({unit, Filled<PeerId>(2), Filled<ResultHash>(3)}, Bytes{42});
    store->PutClaim({unit, Filled<PeerId>(4), Filled<ResultHash>(3)}, Bytes{42});
    store->PutLease({unit, Filled<PeerId>(5), FromUnixMs(5000)});
    ASSERT_TRUE(store->Commit().ok());
    store->Begin();
    store->DropLease(unit, Filled<PeerId>(5));
    store->PutLease({{unit.project, 8}, Filled<PeerId>(5), FromUnixMs(6000)});
    ASSERT_TRUE(store->Commit().ok());
  }
  auto store = std::move(SqliteStore::Open(db).value());
  auto snap = store->LoadLedger();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->projects.size(), 1u);
  EXPECT_EQ(snap->projects[0].manifest, (Bytes{1, 2, 3}));
  EXPECT_EQ(snap->claims.size(), 2u);
  ASSERT_EQ(snap->leases.size(), 1u);
  EXPECT_EQ(snap->leases[0].unit.index, 8u);
  int results = 0;
  ASSERT_TRUE(store->ScanResults(unit.project, [&](uint64_t index, const ResultHash& h, const Bytes& b) {
                     EXPECT_EQ(index, 7u);
                     EXPECT_EQ(h, Filled<ResultHash>(3));
                     EXPECT_EQ(b, Bytes{42});
                     ++results;
                   }).ok());
  EXPECT_EQ(results, 1);  // agreeing replicas share one stored result
}

TEST(LedgerStoreTest, ClaimsComeBackInStoredOrderForLedgerExchange) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  ProjectId project = Filled<ProjectId>(1);
  // One turn each: the claims of one turn may be stored in any order among themselves.
  for (uint8_t i = 0; i < 5; ++i) {
    store->Begin();
    LedgerStore::ClaimRow claim{{project, static_cast<uint64_t>(10 - i)}, Filled<PeerId>(i), Filled<ResultHash>(i)};
    if (i == 1) claim.relayed_by = Filled<PeerId>(0xB0);
    store->PutClaim(claim, Bytes{i});
    ASSERT_TRUE(store->Commit().ok());
  }
  auto first = store->ClaimsAfter(project, 0, {3, kNoByteLimit});
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->claims.size(), 3u);
  EXPECT_EQ(first->claims.at(0).claim.unit.index, 10u);
  EXPECT_EQ(first->claims.at(2).result, Bytes{2});
  EXPECT_EQ(first->last_seq, first->claims.back().seq);
  EXPECT_FALSE(first->end);
  // Which holder pushed a claim here, if one did.
  EXPECT_EQ(first->claims.at(0).claim.relayed_by, std::nullopt);
  EXPECT_EQ(first->claims.at(1).claim.relayed_by, Filled<PeerId>(0xB0));
  auto rest = store->ClaimsAfter(project, first->last_seq, {10, kNoByteLimit});
  ASSERT_EQ(rest->claims.size(), 2u);
  EXPECT_EQ(rest->claims.at(1).claim.unit.index, 6u);
  EXPECT_TRUE(rest->end);
  auto none = store->ClaimsAfter(project, rest->last_seq, {10, kNoByteLimit});
  EXPECT_TRUE(none->claims.empty());
  EXPECT_EQ(none->last_seq, rest->last_seq);
  EXPECT_TRUE(none->end);
}

TEST(LedgerStoreTest, AProjectsClaimsStartAboveItsSeqFloor) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  const ProjectId old_project = Filled<ProjectId>(1), new_project = Filled<ProjectId>(2);
  EXPECT_EQ(store->ClaimSeqFloor(new_project).value(), 0u);
  store->Begin();
  for (uint8_t i = 0; i < 4; ++i) {
    store->PutClaim({{old_project, i}, Filled<PeerId>(i), Filled<ResultHash>(i)}, Bytes{i});
  }
  ASSERT_TRUE(store->Commit().ok());
  // A project with no claims yet: everything stored so far lies below it.
  EXPECT_EQ(store->ClaimSeqFloor(new_project).value(), 4u);
  store->Begin();
  for (uint8_t i = 0; i < 2; ++i) {
    store->PutClaim({{new_project, i}, Filled<PeerId>(i), Filled<ResultHash>(i)}, Bytes{i});
  }
  store->PutClaim({{old_project, 9}, Filled<PeerId>(9), Filled<ResultHash>(9)}, Bytes{9});
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(store->ClaimSeqFloor(new_project).value(), 4u);
  EXPECT_EQ(store->ClaimSeqFloor(old_project).value(), 0u);
  // A pass from the floor looks at the project's claims only: none of the old project's first.
  auto scan = store->ClaimsAfter(new_project, 4, {10, kNoByteLimit, 2});
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->claims.size(), 2u);
  EXPECT_EQ(scan->claims.front().seq, 5u);
  EXPECT_TRUE(scan->end);
  MemoryStore memory;
  EXPECT_EQ(memory.ClaimSeqFloor(new_project).value(), 0u);  // its seqs count from 1 per project
}

TEST(LedgerStoreTest, ClaimsPassedOverForLedgerExchangeCountAsLookedAt) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  ProjectId project = Filled<ProjectId>(1);
  for (uint8_t i = 0; i < 6; ++i) {
    store->Begin();
    LedgerStore::ClaimRow claim{{project, i}, Filled<PeerId>(i), Filled<ResultHash>(i)};
    if (i % 2 == 1) claim.relayed_by = Filled<PeerId>(0xB0);
    store->PutClaim(claim, Bytes{i});
    ASSERT_TRUE(store->Commit().ok());
  }
  std::vector<uint64_t> asked;
  auto first_hand = [&](uint64_t seq, const std::optional<PeerId>& relayed_by) {
    asked.push_back(seq);
    return !relayed_by;
  };
  auto all = store->ClaimsAfter(project, 0, {10, kNoByteLimit}, first_hand);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->claims.size(), 3u);
  EXPECT_EQ(all->claims.at(1).claim.unit.index, 2u);
  EXPECT_EQ(all->claims.at(1).result, Bytes{2});
  EXPECT_EQ(asked, (std::vector<uint64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(all->last_seq, 6u);  // the last claim was passed over, but looked at
  EXPECT_TRUE(all->end);
  // Looking at no more than four: two handed back, and the scan goes on from the fourth.
  auto some = store->ClaimsAfter(project, 0, {10, kNoByteLimit, 4}, first_hand);
  ASSERT_EQ(some->claims.size(), 2u);
  EXPECT_EQ(some->last_seq, 4u);
  EXPECT_FALSE(some->end);
  // Handing back no more than two: the scan stops at the second handed back.
  auto two = store->ClaimsAfter(project, 0, {2, kNoByteLimit}, first_hand);
  ASSERT_EQ(two->claims.size(), 2u);
  EXPECT_EQ(two->last_seq, 3u);
  EXPECT_FALSE(two->end);
}

TEST(LedgerStoreTest, ClaimsForLedgerExchangeStopAtTheResultBytesAllowed) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  ProjectId project = Filled<ProjectId>(1);
  store->Begin();
  for (uint8_t i = 0; i < 4; ++i) {
    store->PutClaim({{project, i}, Filled<PeerId>(i), Filled<ResultHash>(i)}, Bytes(100, i));
  }
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(store->ClaimsAfter(project, 0, {10, 250})->claims.size(), 2u);
  EXPECT_EQ(store->ClaimsAfter(project, 0, {10, 300})->claims.size(), 3u);
  // A first claim over the allowance still goes, alone: otherwise it would never go.
  auto first = store->ClaimsAfter(project, 0, {10, 50});
  ASSERT_EQ(first->claims.size(), 1u);
  EXPECT_EQ(first->claims.at(0).result.size(), 100u);
  EXPECT_EQ(first->last_seq, first->claims.at(0).seq);  // the second is still to go
}

TEST(LedgerStoreTest, ResultsNoLongerThanAHashAreKeptInTheirClaims) {
  TempDir dir;
  const auto path = dir.path() / "ledger.db";
  ProjectId project = Filled<ProjectId>(1);
  const Bytes small(8, 1), hash_sized(32, 2), large(33, 3), empty;
  const std::pair<uint64_t, Bytes> results[] = {{4, large}, {1, small}, {3, empty}, {2, hash_sized}};
  {
    auto store = std::move(SqliteStore::Open(path).value());
    store->Begin();
    for (const auto& [index, bytes] : results) {
      for (uint8_t peer : {5, 6}) store->PutClaim({{project, index}, Filled<PeerId>(peer), Filled<ResultHash>(7)}, bytes);
    }
    ASSERT_TRUE(store->Commit().ok());
    auto pushed = store->ClaimsAfter(project, 0, {100, kNoByteLimit});
    ASSERT_TRUE(pushed.ok());
    ASSERT_EQ(pushed->claims.size(), 8u);
    for (size_t i = 0; i < 8; ++i) EXPECT_EQ(pushed->claims[i].result, results[i / 2].second) << "claim " << i;
  }
  auto rows = Database::Open(path).value()->Prepare("SELECT unit FROM results");
  ASSERT_TRUE(rows->Step());
  EXPECT_EQ(rows->Int(0), 4);  // only the larger result has a row of its own
  EXPECT_FALSE(rows->Step());
  auto store = std::move(SqliteStore::Open(path).value());
  std::vector<std::pair<uint64_t, Bytes>> scanned;
  ASSERT_TRUE(store->ScanResults(project, [&](uint64_t index, const ResultHash& hash, const Bytes& bytes) {
                     EXPECT_EQ(hash, Filled<ResultHash>(7));
                     scanned.emplace_back(index, bytes);
                   }).ok());
  // Once each, in unit order, however many claims hold a copy.
  const std::vector<std::pair<uint64_t, Bytes>> expected = {{1, small}, {2, hash_sized}, {3, empty}, {4, large}};
  EXPECT_EQ(scanned, expected);
}

TEST(LedgerStoreTest, OneUnitsClaimsComeBackInStoredOrder) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  UnitKey unit{Filled<ProjectId>(1), 7};
  store->Begin();
  for (uint8_t peer : {3, 1, 2}) {
    LedgerStore::ClaimRow row{unit, Filled<PeerId>(peer), Filled<ResultHash>(5), {}, {}, "net", peer == 1};
    row.signature.fill(peer);
    if (peer == 2) row.proof = {0, 2, {Filled<ResultHash>(6).bytes}};
    store->PutClaim(row, Bytes{5});
  }
  store->PutClaim({{unit.project, 8}, Filled<PeerId>(4), Filled<ResultHash>(5)}, Bytes{5});
  store->ReplaceClaim({unit, Filled<PeerId>(3), Filled<ResultHash>(4)}, Bytes{4});  // stored anew: last
  ASSERT_TRUE(store->Commit().ok());
  auto claims = store->UnitClaims(unit);
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 3u);
  EXPECT_EQ(claims->at(0).peer, Filled<PeerId>(1));
  EXPECT_TRUE(claims->at(0).alone);
  EXPECT_EQ(claims->at(0).network, "net");
  EXPECT_EQ(claims->at(1).signature[0], 2);
  EXPECT_EQ(claims->at(1).proof, (ClaimProof{0, 2, {Filled<ResultHash>(6).bytes}}));
  EXPECT_EQ(claims->at(0).proof, ClaimProof{});
  auto stored = store->ClaimsAfter(unit.project, 0, {10, kNoByteLimit});
  ASSERT_TRUE(stored.ok());
  ASSERT_EQ(stored->claims.size(), 4u);
  EXPECT_EQ(stored->claims.at(1).claim.proof, claims->at(1).proof);  // peer 3 replaced its claim: last
  EXPECT_EQ(claims->at(2).peer, Filled<PeerId>(3));
  EXPECT_EQ(claims->at(2).hash, Filled<ResultHash>(4));
  EXPECT_TRUE(store->UnitClaims({unit.project, 9})->empty());
}

TEST(LedgerStoreTest, OlderDatabasesOpenWithTheirClaimsLeasesAndUnsentResults) {
  TempDir dir;
  const auto path = dir.path() / "old.db";
  {
    // The tables as they were before claims recorded networks and proofs, with the outbox's
    // signatures.
    auto db = std::move(Database::Open(path).value());
    ASSERT_TRUE(db->Exec("CREATE TABLE claims (project BLOB NOT NULL, unit INTEGER NOT NULL, peer BLOB NOT NULL, "
                         "hash BLOB NOT NULL, signature BLOB NOT NULL, UNIQUE (project, unit, peer));"
                         "INSERT INTO claims VALUES (zeroblob(32), 7, zeroblob(32), zeroblob(32), zeroblob(64));"
                         "CREATE TABLE outbox (project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, "
                         "result BLOB NOT NULL, holder TEXT NOT NULL, signature BLOB NOT NULL, "
                         "PRIMARY KEY (project, unit));"
                         "INSERT INTO outbox VALUES (zeroblob(32), 8, zeroblob(32), x'0707', 'tcp://h:1', zeroblob(64));"
                         // and before the lease tables lost their rowids and claims their index by project.
                         "CREATE INDEX claims_by_seq ON claims (project);"
                         "CREATE TABLE leases (project BLOB NOT NULL, unit INTEGER NOT NULL, peer BLOB NOT NULL, "
                         "deadline_unix_ms INTEGER NOT NULL, PRIMARY KEY (project, unit, peer));"
                         "INSERT INTO leases VALUES (zeroblob(32), 5, zeroblob(32), 1000);"
                         "CREATE TABLE held_leases (project BLOB NOT NULL, unit INTEGER NOT NULL, "
                         "deadline_unix_ms INTEGER NOT NULL, holder TEXT NOT NULL, PRIMARY KEY (project, unit));"
                         "INSERT INTO held_leases VALUES (zeroblob(32), 6, 2000, 'tcp://h:1');"
                         // and before results lost theirs.
                         "CREATE TABLE results (project BLOB NOT NULL, unit INTEGER NOT NULL, hash BLOB NOT NULL, "
                         "bytes BLOB NOT NULL, PRIMARY KEY (project, unit, hash));"
                         "INSERT INTO results VALUES (zeroblob(32), 7, zeroblob(32), x'0505');")
                    .ok());
  }
  auto store = SqliteStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto claims = (*store)->UnitClaims({ProjectId{}, 7});
  ASSERT_TRUE(claims.ok());
  ASSERT_EQ(claims->size(), 1u);
  EXPECT_EQ(claims->at(0).proof, ClaimProof{});
  auto pushed = (*store)->ClaimsAfter(ProjectId{}, 0, {10, kNoByteLimit});
  ASSERT_TRUE(pushed.ok()) << pushed.status().message();
  ASSERT_EQ(pushed->claims.size(), 1u);
  EXPECT_EQ(pushed->claims[0].result, (Bytes{5, 5}));
  auto snap = (*store)->LoadVolunteer();
  ASSERT_TRUE(snap.ok()) << snap.status().message();
  ASSERT_EQ(snap->outbox.size(), 1u);
  EXPECT_EQ(snap->outbox[0].result, (Bytes{7, 7}));
  ASSERT_EQ(snap->leases.size(), 1u);
  EXPECT_EQ(snap->leases[0].unit.index, 6u);
  EXPECT_EQ(snap->leases[0].holder, "tcp://h:1");
  auto ledger = (*store)->LoadLedger();
  ASSERT_TRUE(ledger.ok()) << ledger.status().message();
  ASSERT_EQ(ledger->leases.size(), 1u);
  EXPECT_EQ(ledger->leases[0].unit.index, 5u);
  (*store)->Begin();
  (*store)->PutOutbox({{ProjectId{}, 9}, ResultHash{}, Bytes{9}, "tcp://h:1"});
  (*store)->PutLease(LedgerStore::LeaseRow{{ProjectId{}, 5}, PeerId{}, FromUnixMs(3000)});
  EXPECT_TRUE((*store)->Commit().ok());
  auto tables = Database::Open(path).value()->Prepare(
      "SELECT COUNT(*) FROM sqlite_master "
      "WHERE name IN ('claims_by_seq', 'old_leases', 'old_held_leases', 'old_results', 'old_outbox')");
  ASSERT_TRUE(tables->Step());
  EXPECT_EQ(tables->Int(0), 0);
  for (const char* table : {"leases", "held_leases", "results", "outbox"}) {
    EXPECT_FALSE(Database::Open(path).value()->Prepare(std::string("SELECT rowid FROM ") + table)->valid()) << table;
  }
  auto reopened = SqliteStore::Open(path);
  ASSERT_TRUE(reopened.ok()) << reopened.status().message();
  ledger = (*reopened)->LoadLedger();
  ASSERT_TRUE(ledger.ok());
  ASSERT_EQ(ledger->leases.size(), 1u);
  EXPECT_EQ(ledger->leases[0].deadline, FromUnixMs(3000));
}

TEST(TransactionTest, OpensAtTheTurnsFirstWriteSoThatATurnOfReadsLocksNothing) {
  auto db = std::move(Database::Open(":memory:").value());
  ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
  auto insert = db->Prepare("INSERT INTO t VALUES (1)");
  Transaction tx(*db);
  tx.Begin();
  EXPECT_TRUE(sqlite3_get_autocommit(db->handle())) << "no transaction before the first write";
  EXPECT_TRUE(tx.Commit(false).ok());
  tx.Begin();
  tx.Write(*insert);
  tx.Write(*insert);
  EXPECT_FALSE(sqlite3_get_autocommit(db->handle())) << "the turn's writes share one transaction";
  EXPECT_TRUE(tx.Commit(false).ok());
  EXPECT_TRUE(sqlite3_get_autocommit(db->handle()));
  // A turn that failed is rolled back whole, and one that failed before its first write writes
  // nothing.
  tx.Begin();
  tx.Write(*insert);
  tx.Note(IoError("a write failed"));
  EXPECT_FALSE(tx.Commit(false).ok());
  tx.Begin();
  tx.Note(IoError("a write failed"));
  tx.Write(*insert);
  EXPECT_FALSE(tx.Commit(false).ok());
  auto count = db->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count->Step());
  EXPECT_EQ(count->Int(0), 2);
}

TEST(TransactionTest, ASyncedCommitReachesTheWriteAheadLogOnDisk) {
  TempDir dir;
  const auto path = dir.path() / "node.db";
  {
    auto db = std::move(Database::Open(path).value());
    ASSERT_TRUE(db->Exec("CREATE TABLE t (x INTEGER)").ok());
    auto insert = db->Prepare("INSERT INTO t VALUES (1)");
    Transaction tx(*db);
    tx.Begin();
    tx.Write(*insert);
    ASSERT_TRUE(tx.Commit(false).ok());
    tx.Begin();
    tx.Write(*insert);
    ASSERT_TRUE(tx.Commit(true).ok());
    // The sync goes to the log SQLite hands out; were there none, it would sync nothing.
    sqlite3_file* log = nullptr;
    ASSERT_EQ(sqlite3_file_control(db->handle(), "main", SQLITE_FCNTL_JOURNAL_POINTER, &log), SQLITE_OK);
    ASSERT_NE(log, nullptr);
    EXPECT_NE(log->pMethods, nullptr) << "the write-ahead log is open after a commit";
    EXPECT_TRUE(std::filesystem::exists(dir.path() / "node.db-wal"));
    // A turn that writes nothing but sends an answer syncs what came before it too.
    tx.Begin();
    EXPECT_TRUE(tx.Commit(true).ok());
  }
  auto count = Database::Open(path).value()->Prepare("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count->Step());
  EXPECT_EQ(count->Int(0), 2);
}

TEST(DurabilityTest, AnswersThatPromiseWhatIsStoredWaitForTheDisk) {
  auto sending = [](std::vector<Body> bodies) {
    Actions actions;
    for (Body& body : bodies) actions.messages.push_back({{}, Envelope{.body = std::move(body)}});
    return DurabilityFor(actions);
  };
  EXPECT_EQ(sending({}), Survives::kProcessCrash);
  EXPECT_EQ(sending({WorkRequest{}, ClaimBatch{}, Gossip{}, LeaseGrant{}}), Survives::kProcessCrash);
  EXPECT_EQ(sending({ClaimAck{}}), Survives::kPowerLoss);
  EXPECT_EQ(sending({WorkRequest{}, LedgerAck{}}), Survives::kPowerLoss);
  EXPECT_EQ(sending({HoldAck{}}), Survives::kPowerLoss);
  EXPECT_EQ(sending({Reply{}}), Survives::kPowerLoss);
  EXPECT_EQ(sending({VerifiedNotice{}}), Survives::kPowerLoss);
}

TEST(PeerStoreTest, PeersSurviveAndCanBeDropped) {
  auto store = std::move(SqliteStore::Open(":memory:").value());
  store->Begin();
  store->PutPeer({Filled<PeerId>(1), "tcp://127.0.0.1:1", FromUnixMs(10)});
  store->PutPeer({Filled<PeerId>(2), "tcp://127.0.0.1:2", FromUnixMs(20)});
  store->PutPeer({Filled<PeerId>(1), "tcp://127.0.0.1:3", FromUnixMs(30)});
  store->DropPeer(Filled<PeerId>(2));
  ASSERT_TRUE(store->Commit().ok());
  auto peers = store->LoadPeers();
  ASSERT_EQ(peers->size(), 1u);
  EXPECT_EQ(peers->at(0).endpoint, "tcp://127.0.0.1:3");
}

TEST(LedgerStoreTest, UnreadablePathIsAnError) {
  auto store = SqliteStore::Open("/nonexistent-folder/x/ledger.db");
  EXPECT_FALSE(store.ok());
}

TEST(VolunteerStoreTest, OutboxAndLeasesSurviveReopening) {
  TempDir dir;
  const auto db = dir.path() / "worker.db";
  UnitKey a{Filled<ProjectId>(1), 1}, b{Filled<ProjectId>(1), 2};
  {
    auto store = std::move(SqliteStore::Open(db).value());
    store->Begin();
    store->PutManifest(a.project, Bytes{9});
    store->PutLease({a, FromUnixMs(100), "tcp://h:1"});
    store->PutLease({b, FromUnixMs(200), "tcp://h:1"});
    ASSERT_TRUE(store->Commit().ok());
    store->Begin();
    store->DropLease(a);
    store->PutOutbox({a, Filled<ResultHash>(5), Bytes{7, 7}, "tcp://h:1"});
    ASSERT_TRUE(store->Commit().ok());
  }
  auto store = std::move(SqliteStore::Open(db).value());
  auto snap = store->LoadVolunteer();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->manifests.size(), 1u);
  ASSERT_EQ(snap->leases.size(), 1u);
  EXPECT_EQ(snap->leases[0].unit, b);
  ASSERT_EQ(snap->outbox.size(), 1u);
  EXPECT_EQ(snap->outbox[0].result, (Bytes{7, 7}));
  EXPECT_EQ(snap->outbox[0].holder, "tcp://h:1");
}

TEST(VolunteerStoreTest, CreditSurvivesReopeningAndOutlivesItsRows) {
  TempDir dir;
  const auto db = dir.path() / "worker.db";
  UnitKey a{Filled<ProjectId>(1), 1}, b{Filled<ProjectId>(1), 2}, c{Filled<ProjectId>(2), 1};
  {
    auto store = std::move(SqliteStore::Open(db).value());
    store->Begin();
    for (const UnitKey& unit : {a, b, c}) store->PutCredit({unit, Filled<ResultHash>(5), 1.5, FromUnixMs(100)});
    store->MarkCreditVerified(a, 1.5);
    store->MarkCreditVerified(b, 1.5);
    store->DropCredit(b);  // forgotten, but still in the totals
    ASSERT_TRUE(store->Commit().ok());
  }
  auto store = std::move(SqliteStore::Open(db).value());
  auto snap = store->LoadVolunteer();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->units_verified, 2u);
  EXPECT_DOUBLE_EQ(snap->cpu_seconds_verified, 3.0);
  // Only the unit waiting for its verdict comes back; the verified one stays in the store.
  ASSERT_EQ(snap->credit.size(), 1u);
  const auto& row = snap->credit[0];
  EXPECT_EQ(row.unit, c);
  EXPECT_FALSE(row.verified);
  EXPECT_DOUBLE_EQ(row.cpu_seconds, 1.5);
  EXPECT_EQ(row.claimed, FromUnixMs(100));
  EXPECT_EQ(row.hash, Filled<ResultHash>(5));
  EXPECT_TRUE(store->CreditVerified(a));
  EXPECT_FALSE(store->CreditVerified(b));
  EXPECT_FALSE(store->CreditVerified(c));
}

TEST(VolunteerStoreTest, VerifiedCreditIsPrunedByAgeAndCount) {
  TempDir dir;
  auto store = std::move(SqliteStore::Open(dir.path() / "worker.db").value());
  auto unit = [](uint64_t i) { return UnitKey{Filled<ProjectId>(1), i}; };
  store->Begin();
  for (uint64_t i = 0; i < 10; ++i) {
    store->PutCredit({unit(i), Filled<ResultHash>(5), 1.0, FromUnixMs(static_cast<int64_t>(1000 * i))});
    if (i != 9) store->MarkCreditVerified(unit(i), 1.0);  // unit 9 still waits
  }
  // Units 0 and 1 are too old; 2 to 4 come before the 5 latest claims, unit 9's among them.
  store->DropVerifiedCredit(FromUnixMs(2000), 5);
  ASSERT_TRUE(store->Commit().ok());
  for (uint64_t i = 0; i < 9; ++i) EXPECT_EQ(store->CreditVerified(unit(i)), i >= 5) << "unit " << i;
  auto snap = store->LoadVolunteer();
  ASSERT_TRUE(snap.ok());
  ASSERT_EQ(snap->credit.size(), 1u);
  EXPECT_EQ(snap->credit[0].unit, unit(9));
  EXPECT_EQ(snap->units_verified, 9u);
}

TEST(VolunteerStoreTest, VerifiedCreditOutlivesAClockSetBack) {
  TempDir dir;
  auto store = std::move(SqliteStore::Open(dir.path() / "worker.db").value());
  auto unit = [](uint64_t i) { return UnitKey{Filled<ProjectId>(1), i}; };
  // Claimed at 5 s, then 1 s after the clock was set back, then 6 s.
  const int64_t claimed_ms[] = {5000, 1000, 6000};
  store->Begin();
  for (uint64_t i = 0; i < 3; ++i) {
    store->PutCredit({unit(i), Filled<ResultHash>(5), 1.0, FromUnixMs(claimed_ms[i])});
    store->MarkCreditVerified(unit(i), 1.0);
  }
  // Unit 1 looks older than the bound, but it was claimed after unit 0, which is not.
  store->DropVerifiedCredit(FromUnixMs(2000), 10);
  ASSERT_TRUE(store->Commit().ok());
  for (uint64_t i = 0; i < 3; ++i) EXPECT_TRUE(store->CreditVerified(unit(i))) << "unit " << i;
  store->Begin();
  store->DropVerifiedCredit(FromUnixMs(5500), 10);
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_FALSE(store->CreditVerified(unit(0)));
  EXPECT_FALSE(store->CreditVerified(unit(1)));
  EXPECT_TRUE(store->CreditVerified(unit(2)));
}

}  // namespace
}  // namespace potluck
