#include <gtest/gtest.h>

#include <filesystem>

#include "potluck/store/sqlite_ledger_store.h"
#include "potluck/store/sqlite_volunteer_store.h"

namespace potluck {
namespace {

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
    auto store = std::move(SqliteLedgerStore::Open(db).value());
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
  auto store = std::move(SqliteLedgerStore::Open(db).value());
  auto snap = store->Load();
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

TEST(LedgerStoreTest, SameClaimTwiceIsStoredOnce) {
  auto store = std::move(SqliteLedgerStore::Open(":memory:").value());
  UnitKey unit{Filled<ProjectId>(1), 0};
  store->Begin();
  store->PutClaim({unit, Filled<PeerId>(2), Filled<ResultHash>(3)}, Bytes{1});
  store->PutClaim({unit, Filled<PeerId>(2), Filled<ResultHash>(3)}, Bytes{1});
  ASSERT_TRUE(store->Commit().ok());
  EXPECT_EQ(store->Load()->claims.size(), 1u);
}

TEST(LedgerStoreTest, UnreadablePathIsAnError) {
  auto store = SqliteLedgerStore::Open("/nonexistent-folder/x/ledger.db");
  EXPECT_FALSE(store.ok());
}

TEST(VolunteerStoreTest, OutboxAndLeasesSurviveReopening) {
  TempDir dir;
  const auto db = dir.path() / "worker.db";
  UnitKey a{Filled<ProjectId>(1), 1}, b{Filled<ProjectId>(1), 2};
  {
    auto store = std::move(SqliteVolunteerStore::Open(db).value());
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
  auto store = std::move(SqliteVolunteerStore::Open(db).value());
  auto snap = store->Load();
  ASSERT_TRUE(snap.ok());
  EXPECT_EQ(snap->manifests.size(), 1u);
  ASSERT_EQ(snap->leases.size(), 1u);
  EXPECT_EQ(snap->leases[0].unit, b);
  ASSERT_EQ(snap->outbox.size(), 1u);
  EXPECT_EQ(snap->outbox[0].result, (Bytes{7, 7}));
  EXPECT_EQ(snap->outbox[0].holder, "tcp://h:1");
}

}  // namespace
}  // namespace potluck
