// MemoryStore keeps the same contract as SqliteStore: the same writes read back the same.
#include "potluck/store/memory_store.h"

#include <gtest/gtest.h>

#include "fake_directory.h"
#include "potluck/store/sqlite_store.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::TestPeer;

const TimePoint kNow = FromUnixMs(1'700'000'000'000);
constexpr size_t kNoByteLimit = SIZE_MAX;

ProjectId Project(uint8_t b) {
  ProjectId id;
  id.bytes.fill(b);
  return id;
}

ResultHash Hash(uint8_t b) {
  ResultHash h;
  h.bytes.fill(b);
  return h;
}

// The same writes, a replaced claim, a replaced lease and a dropped one included.
void Write(LedgerStore& ledger, VolunteerStore& volunteer, PeerStore& peers) {
  ledger.PutProject({Project(1), {1, 2, 3}, kNow, false});
  ledger.PutProject({Project(2), {4}, kNow + 1s, false});
  ledger.PutProject({Project(1), {9}, kNow + 2s, false});  // already there: ignored
  ledger.PutCancelled(Project(2));
  for (uint8_t peer = 1; peer <= 3; ++peer) {
    LedgerStore::ClaimRow claim{{Project(1), 7}, TestPeer(peer), Hash(peer == 3 ? 9 : 5), {}, {}, "10.0.0.0/24",
                                false};
    claim.signature.fill(peer);
    if (peer == 2) claim.proof = {1, 3, {Hash256{4}, Hash256{5}}};
    if (peer == 3) claim.relayed_by = TestPeer(7);
    ledger.PutClaim(claim, {claim.hash.bytes[0], 0xAA});  // a hash's bytes are always the same
  }
  // Stored again under a new sequence number, the first left out of sight.
  ledger.ReplaceClaim({{Project(1), 7}, TestPeer(1), Hash(4), {}, {}, "10.0.0.0/24", false}, {4, 0xAA});
  ledger.PutClaim({{Project(2), 0}, TestPeer(1), Hash(1), {}, {}, "", false}, {1});
  ledger.MarkClaimAlone({Project(1), 7}, TestPeer(2));
  ledger.PutLease({{Project(1), 8}, TestPeer(1), kNow});
  ledger.PutLease({{Project(1), 8}, TestPeer(1), kNow + 5s});
  ledger.PutLease({{Project(1), 9}, TestPeer(2), kNow});
  ledger.DropLease({Project(1), 9}, TestPeer(2));

  volunteer.PutManifest(Project(1), {1, 2, 3});
  volunteer.PutLease(VolunteerStore::LeaseRow{{Project(1), 3}, kNow, "tcp://a"});
  volunteer.PutLease(VolunteerStore::LeaseRow{{Project(1), 4}, kNow, "tcp://b"});
  volunteer.PutCheckpoint({Project(1), 3}, {7, 7});
  volunteer.PutCheckpoint({Project(1), 4}, {8});
  volunteer.DropLease({Project(1), 4});  // its checkpoint goes with it
  volunteer.PutOutbox({{Project(1), 5}, Hash(5), {5}, "tcp://a"});
  volunteer.PutOutbox({{Project(1), 6}, Hash(6), {6}, "tcp://a"});
  volunteer.DropOutbox({Project(1), 6});
  volunteer.PutCredit({{Project(1), 5}, Hash(5), 1.5, kNow, false});
  volunteer.PutCredit({{Project(1), 6}, Hash(6), 2.5, kNow, false});
  volunteer.MarkCreditVerified({Project(1), 5}, 1.5);
  volunteer.DropCredit({Project(1), 6});
  volunteer.PutCredit({{Project(1), 7}, Hash(7), 0.5, kNow, false});

  peers.PutPeer({TestPeer(1), "tcp://one", kNow});
  peers.PutPeer({TestPeer(2), "tcp://two", kNow + 2s});
  peers.PutPeer({TestPeer(1), "tcp://uno", kNow + 1s});
  peers.PutPeer({TestPeer(3), "tcp://three", kNow});
  peers.DropPeer(TestPeer(3));
}

TEST(MemoryStoreTest, ReadsBackWhatSqliteStoreReadsBack) {
  auto sqlite = std::move(SqliteStore::Open(":memory:").value());
  MemoryStore memory;
  sqlite->Begin();
  Write(*sqlite, *sqlite, *sqlite);
  ASSERT_TRUE(sqlite->Commit().ok());
  memory.Begin();
  Write(memory, memory, memory);
  ASSERT_TRUE(memory.Commit().ok());

  auto a = sqlite->LoadLedger().value();
  auto b = memory.LoadLedger().value();
  ASSERT_EQ(a.projects.size(), b.projects.size());
  for (size_t i = 0; i < a.projects.size(); ++i) {
    EXPECT_EQ(a.projects[i].id, b.projects[i].id);
    EXPECT_EQ(a.projects[i].manifest, b.projects[i].manifest);
    EXPECT_EQ(a.projects[i].submitted, b.projects[i].submitted);
    EXPECT_EQ(a.projects[i].cancelled, b.projects[i].cancelled);
  }
  ASSERT_EQ(a.claims.size(), 4u);
  ASSERT_EQ(b.claims.size(), 4u);
  for (size_t i = 0; i < a.claims.size(); ++i) {
    EXPECT_EQ(a.claims[i].unit, b.claims[i].unit);
    EXPECT_EQ(a.claims[i].peer, b.claims[i].peer);
    EXPECT_EQ(a.claims[i].hash, b.claims[i].hash);
    EXPECT_EQ(a.claims[i].network, b.claims[i].network);
    EXPECT_EQ(a.claims[i].alone, b.claims[i].alone);
  }
  ASSERT_EQ(a.leases.size(), 1u);
  ASSERT_EQ(b.leases.size(), 1u);
  EXPECT_EQ(a.leases[0].deadline, b.leases[0].deadline);

  // Each result is 2 bytes: 3 allow one, 0 still the first.
  EXPECT_EQ(memory.ClaimsAfter(Project(1), 0, {3, 3})->claims.size(), 1u);
  auto second_on = [](uint64_t seq, const std::optional<PeerId>&) { return seq >= 2; };
  for (auto [after, bytes_max] : {std::pair<uint64_t, size_t>{0, kNoByteLimit}, {1, kNoByteLimit}, {3, kNoByteLimit},
                                  {0, 4}, {0, 3}, {0, 0}}) {
    for (size_t looked : {size_t{1}, size_t{2}, SIZE_MAX}) {
      for (const LedgerStore::ClaimWanted& wanted : {LedgerStore::ClaimWanted{}, LedgerStore::ClaimWanted{second_on}}) {
        SCOPED_TRACE("after " + std::to_string(after) + ", " + std::to_string(bytes_max) + " bytes, " +
                     std::to_string(looked) + " looked at, " + (wanted ? "from the second" : "all"));
        auto ca = sqlite->ClaimsAfter(Project(1), after, {2, bytes_max, looked}, wanted).value();
        auto cb = memory.ClaimsAfter(Project(1), after, {2, bytes_max, looked}, wanted).value();
        EXPECT_EQ(ca.last_seq, cb.last_seq);
        EXPECT_EQ(ca.end, cb.end);
        ASSERT_EQ(ca.claims.size(), cb.claims.size());
        for (size_t i = 0; i < ca.claims.size(); ++i) {
          EXPECT_EQ(ca.claims[i].seq, cb.claims[i].seq);
          EXPECT_EQ(ca.claims[i].claim.peer, cb.claims[i].claim.peer);
          EXPECT_EQ(ca.claims[i].claim.signature, cb.claims[i].claim.signature);
          EXPECT_EQ(ca.claims[i].claim.proof, cb.claims[i].claim.proof);
          EXPECT_EQ(ca.claims[i].claim.relayed_by, cb.claims[i].claim.relayed_by);
          EXPECT_EQ(ca.claims[i].result, cb.claims[i].result);
        }
      }
    }
  }
  for (UnitKey unit : {UnitKey{Project(1), 7}, UnitKey{Project(2), 0}, UnitKey{Project(1), 8}}) {
    auto ua = sqlite->UnitClaims(unit).value();
    auto ub = memory.UnitClaims(unit).value();
    ASSERT_EQ(ua.size(), ub.size()) << "unit " << unit.index;
    for (size_t i = 0; i < ua.size(); ++i) {
      EXPECT_EQ(ua[i].peer, ub[i].peer);
      EXPECT_EQ(ua[i].hash, ub[i].hash);
      EXPECT_EQ(ua[i].signature, ub[i].signature);
      EXPECT_EQ(ua[i].proof, ub[i].proof);
      EXPECT_EQ(ua[i].alone, ub[i].alone);
      EXPECT_EQ(ua[i].relayed_by, ub[i].relayed_by);
    }
  }
  EXPECT_EQ(memory.UnitClaims({Project(1), 7}).value().size(), 3u);
  std::vector<std::tuple<uint64_t, ResultHash, Bytes>> ra, rb;
  ASSERT_TRUE(sqlite->ScanResults(Project(1), [&](uint64_t i, const ResultHash& h, const Bytes& r) { ra.emplace_back(i, h, r); }).ok());
  ASSERT_TRUE(memory.ScanResults(Project(1), [&](uint64_t i, const ResultHash& h, const Bytes& r) { rb.emplace_back(i, h, r); }).ok());
  std::sort(ra.begin(), ra.end());
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(ra.size(), 3u);  // three distinct answers for unit 7

  auto va = sqlite->LoadVolunteer().value();
  auto vb = memory.LoadVolunteer().value();
  EXPECT_EQ(va.manifests, vb.manifests);
  ASSERT_EQ(va.leases.size(), 1u);
  ASSERT_EQ(vb.leases.size(), 1u);
  EXPECT_EQ(va.leases[0].holder, vb.leases[0].holder);
  ASSERT_EQ(vb.outbox.size(), 1u);
  EXPECT_EQ(va.outbox[0].result, vb.outbox[0].result);
  ASSERT_EQ(va.credit.size(), 1u);  // only the unit still waiting for its verdict
  ASSERT_EQ(vb.credit.size(), 1u);
  EXPECT_EQ(va.credit[0].unit, vb.credit[0].unit);
  for (uint64_t i : {5, 6, 7}) EXPECT_EQ(sqlite->CreditVerified({Project(1), i}), memory.CreditVerified({Project(1), i}));
  EXPECT_TRUE(memory.CreditVerified({Project(1), 5}));
  EXPECT_EQ(va.units_verified, vb.units_verified);
  EXPECT_EQ(va.cpu_seconds_verified, vb.cpu_seconds_verified);
  EXPECT_EQ(sqlite->LoadCheckpoint({Project(1), 3}).value(), memory.LoadCheckpoint({Project(1), 3}).value());
  EXPECT_TRUE(memory.LoadCheckpoint({Project(1), 4}).value().empty());

  auto pa = sqlite->LoadPeers().value();
  auto pb = memory.LoadPeers().value();
  ASSERT_EQ(pa.size(), 2u);
  ASSERT_EQ(pb.size(), 2u);
  for (size_t i = 0; i < pa.size(); ++i) {
    EXPECT_EQ(pa[i].id, pb[i].id);
    EXPECT_EQ(pa[i].endpoint, pb[i].endpoint);
  }
}

// SqliteStore keeps a turn's claims together, a row for up to 256 claims of 64 units: scans that
// start and stop inside rows, and units whose claims fill several, read back the same.
TEST(MemoryStoreTest, ReadsBackWhatSqliteStoreReadsBackAcrossManyRows) {
  auto sqlite = std::move(SqliteStore::Open(":memory:").value());
  MemoryStore memory;
  for (LedgerStore* store : std::initializer_list<LedgerStore*>{&memory, sqlite.get()}) {
    auto* durable = dynamic_cast<Durable*>(store);
    durable->Begin();
    // 400 claims of units 0 to 3, then 200 brought by a co-holder, one unit each.
    for (uint64_t unit = 0; unit < 4; ++unit) {
      for (uint8_t peer = 1; peer <= 100; ++peer) store->PutClaim({{Project(1), unit}, TestPeer(peer), Hash(1)}, {1});
    }
    for (uint64_t unit = 64; unit < 264; ++unit) {
      store->PutClaim({{Project(1), unit}, TestPeer(1), Hash(2), {}, {}, "", false, TestPeer(200)}, {2});
    }
    ASSERT_TRUE(durable->Commit().ok());
    durable->Begin();
    store->ReplaceClaim({{Project(1), 2}, TestPeer(50), Hash(3)}, {3});
    ASSERT_TRUE(durable->Commit().ok());
  }
  auto from_the_co_holder = [](uint64_t, const std::optional<PeerId>& relayed_by) { return relayed_by.has_value(); };
  for (uint64_t after : {0, 1, 255, 256, 257, 399, 400, 401, 599, 600, 601}) {
    for (size_t looked : {size_t{10}, size_t{300}, SIZE_MAX}) {
      for (const LedgerStore::ClaimWanted& wanted :
           {LedgerStore::ClaimWanted{}, LedgerStore::ClaimWanted{from_the_co_holder}}) {
        SCOPED_TRACE("after " + std::to_string(after) + ", " + std::to_string(looked) + " looked at");
        auto ca = sqlite->ClaimsAfter(Project(1), after, {120, kNoByteLimit, looked}, wanted).value();
        auto cb = memory.ClaimsAfter(Project(1), after, {120, kNoByteLimit, looked}, wanted).value();
        EXPECT_EQ(ca.last_seq, cb.last_seq);
        EXPECT_EQ(ca.end, cb.end);
        ASSERT_EQ(ca.claims.size(), cb.claims.size());
        for (size_t i = 0; i < ca.claims.size(); ++i) {
          EXPECT_EQ(ca.claims[i].seq, cb.claims[i].seq);
          EXPECT_EQ(ca.claims[i].claim.unit, cb.claims[i].claim.unit);
          EXPECT_EQ(ca.claims[i].claim.peer, cb.claims[i].claim.peer);
          EXPECT_EQ(ca.claims[i].claim.relayed_by, cb.claims[i].claim.relayed_by);
          EXPECT_EQ(ca.claims[i].result, cb.claims[i].result);
        }
      }
    }
  }
  for (uint64_t unit : {0, 2, 3, 4, 64, 263}) {
    auto ua = sqlite->UnitClaims({Project(1), unit}).value();
    auto ub = memory.UnitClaims({Project(1), unit}).value();
    ASSERT_EQ(ua.size(), ub.size()) << "unit " << unit;
    for (size_t i = 0; i < ua.size(); ++i) {
      EXPECT_EQ(ua[i].peer, ub[i].peer);
      EXPECT_EQ(ua[i].hash, ub[i].hash);
    }
  }
  EXPECT_EQ(sqlite->UnitClaims({Project(1), 2}).value().back().hash, Hash(3));  // the replacement, last
  EXPECT_EQ(sqlite->ClaimSeqFloor(Project(1)).value(), 0u);
  EXPECT_EQ(sqlite->LoadLedger().value().claims.size(), memory.LoadLedger().value().claims.size());
  std::vector<std::tuple<uint64_t, ResultHash, Bytes>> ra, rb;
  ASSERT_TRUE(sqlite->ScanResults(Project(1), [&](uint64_t i, const ResultHash& h, const Bytes& r) { ra.emplace_back(i, h, r); }).ok());
  ASSERT_TRUE(memory.ScanResults(Project(1), [&](uint64_t i, const ResultHash& h, const Bytes& r) { rb.emplace_back(i, h, r); }).ok());
  EXPECT_EQ(ra, rb);
  EXPECT_EQ(ra.size(), 205u);  // one answer a unit, and unit 2's second
}

TEST(MemoryStoreTest, PrunesVerifiedCreditByAgeAndCountAsSqliteStoreDoes) {
  MemoryStore memory;
  auto sqlite = std::move(SqliteStore::Open(":memory:").value());
  sqlite->Begin();
  for (VolunteerStore* store : std::initializer_list<VolunteerStore*>{&memory, sqlite.get()}) {
    for (uint8_t i = 0; i < 10; ++i) {
      store->PutCredit({{Project(1), i}, Hash(i), 1.0, kNow + i * 1s, false});
      if (i != 9) store->MarkCreditVerified({Project(1), i}, 1.0);
    }
    store->DropVerifiedCredit(kNow + 2s, 5);
  }
  ASSERT_TRUE(sqlite->Commit().ok());
  for (uint8_t i = 0; i < 10; ++i) {
    EXPECT_EQ(memory.CreditVerified({Project(1), i}), i >= 5 && i < 9) << "unit " << int{i};
    EXPECT_EQ(sqlite->CreditVerified({Project(1), i}), memory.CreditVerified({Project(1), i})) << "unit " << int{i};
  }
}

}  // namespace
}  // namespace potluck
