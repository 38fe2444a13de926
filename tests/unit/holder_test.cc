#include "potluck/core/holder.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "potluck/crypto/hash.h"
#include "potluck/store/sqlite_store.h"
#include "fake_directory.h"
#include "test_workload.h"

namespace potluck {
namespace {

using testing::FakeDirectory;
using testing::SquareWorkload;
using namespace std::chrono_literals;

PeerId Peer(uint8_t b) { return testing::TestPeer(b); }
using potluck::Signature;

class HolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workloads_.Add(std::make_unique<SquareWorkload>());
    store_ = std::move(SqliteStore::Open(":memory:").value());
    holder_ = NewHolder();
  }

  std::unique_ptr<Holder> NewHolder() {
    return std::make_unique<Holder>(Peer(0), "tcp://holder", HolderConfig{.peer_timeout = 15s}, *store_, directory_,
                                    workloads_);
  }

  Bytes Manifest(uint64_t units, uint32_t quorum = 2, uint32_t max_replicas = 4) {
    return testing::SquareManifest(units, {quorum, max_replicas, 60s});
  }

  // `sent`, if given, gets what the holder sends at once: grants pushed to peers waiting for work.
  ProjectId Submit(const Bytes& manifest, Actions* sent = nullptr) {
    Actions actions;
    store_->Begin();
    auto id = holder_->Submit(manifest, now_, actions);
    EXPECT_TRUE(store_->Commit().ok());
    if (sent) *sent = std::move(actions);
    return id.value();
  }

  Actions Send(const PeerId& from, Body body) {
    store_->Begin();
    auto host = hosts_.find(from);
    Actions a = holder_->OnMessage(
        {from, "", Envelope{from, 1, std::move(body)}, host == hosts_.end() ? "" : host->second}, now_);
    EXPECT_TRUE(store_->Commit().ok());
    return a;
  }

  // The peer's offer reaches the holder, directly or through gossip.
  void Join(const PeerId& peer, std::vector<UnitKey> held = {}) {
    Offer offer;
    offer.peer = peer;
    offer.cores = 1;
    offer.workloads = {{"square", 1}};
    offer.endpoint = "tcp://peer" + std::to_string(peer.bytes[0]);
    offer.leases = std::move(held);
    offer.issued_unix_ms = ToUnixMs(now_);
    offer.expires_unix_ms = ToUnixMs(now_ + 10s);
    directory_.Put(offer);
    holder_->OnOffer(offer, now_);
  }

  LeaseGrant Ask(const PeerId& peer, uint32_t slots) {
    Actions a = Send(peer, WorkRequest{slots});
    EXPECT_EQ(a.messages.size(), 1u);
    return std::get<LeaseGrant>(a.messages.at(0).message.body);
  }

  Actions Claim(const PeerId& peer, const UnitKey& unit, uint64_t value) {
    return Send(peer, ClaimBatch{{testing::SignedClaim(peer, unit, SquareWorkload::Encode(value))}});
  }

  // The grant pushed unasked to `peer` among `actions`, if any.
  static std::optional<LeaseGrant> PushedTo(const Actions& actions, const PeerId& peer) {
    for (const Outgoing& out : actions.messages) {
      const auto* grant = std::get_if<LeaseGrant>(&out.message.body);
      if (grant && out.to.peer == peer && out.message.request_id == 0) return *grant;
    }
    return std::nullopt;
  }

  ProjectStatus Status(const ProjectId& id) { return holder_->Describe(id, false, now_).value(); }

  Actions Tick() {
    store_->Begin();
    Actions a = holder_->Tick(now_);
    EXPECT_TRUE(store_->Commit().ok());
    return a;
  }

  WorkloadRegistry workloads_;
  std::map<PeerId, std::string> hosts_;  // where each peer dials from; none: unknown
  FakeDirectory directory_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Holder> holder_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(HolderTest, BadParametersAreRefusedAndNothingIsStored) {
  potluck::Manifest m;
  m.owner = Peer(9);
  m.workload = "square";
  m.workload_version = 1;
  m.units = 3;
  m.params = {{"bogus", "1"}};
  Actions ignored;
  auto id = holder_->Submit(SignManifest(m, testing::TestIdentity(9)), now_, ignored);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.status().message().find("bogus"), std::string::npos);
  EXPECT_TRUE(store_->LoadLedger()->projects.empty());
}

TEST_F(HolderTest, TwoAgreeingPeersVerifyAUnit) {
  ProjectId id = Submit(Manifest(1));
  Join(Peer(1));
  Join(Peer(2));
  LeaseGrant a = Ask(Peer(1), 2);
  ASSERT_EQ(a.leases.size(), 1u);  // one replica per peer
  EXPECT_EQ(a.manifests.size(), 1u);
  LeaseGrant b = Ask(Peer(2), 2);
  ASSERT_EQ(b.leases.size(), 1u);
  EXPECT_EQ(Status(id).units.in_flight, 1u);
  Claim(Peer(1), a.leases[0].unit, 0);
  EXPECT_EQ(Status(id).units.verified, 0u);
  Claim(Peer(2), b.leases[0].unit, 0);
  EXPECT_EQ(Status(id).units.verified, 1u);
  auto results = holder_->Describe(id, true, now_);
  ASSERT_TRUE(results.ok());
  EXPECT_EQ(results->summary, "sum 0");
}

TEST_F(HolderTest, DisagreementLeasesAThirdReplica) {
  ProjectId id = Submit(Manifest(1));
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Ask(Peer(2), 1);
  EXPECT_TRUE(Ask(Peer(3), 1).leases.empty());  // two replicas are out: enough for now
  Claim(Peer(1), unit, 0);
  Actions actions = Claim(Peer(2), unit, 666);  // a wrong answer
  EXPECT_EQ(Status(id).units.verified, 0u);
  // Peer 3 asked and got nothing; now there is work, it is sent a lease unasked.
  auto third = PushedTo(actions, Peer(3));
  ASSERT_TRUE(third.has_value());
  ASSERT_EQ(third->leases.size(), 1u);
  Claim(Peer(3), unit, 0);
  EXPECT_EQ(Status(id).units.verified, 1u);
  EXPECT_EQ(holder_->counters().units_verified, 1u);
  EXPECT_EQ(holder_->counters().results_rejected, 1u);  // peer 2's
}

TEST_F(HolderTest, UnitFailsWhenReplicasNeverAgree) {
  ProjectId id = Submit(Manifest(1, 2, 3));
  for (uint8_t p = 1; p <= 3; ++p) {
    Join(Peer(p));
    UnitKey unit = Ask(Peer(p), 1).leases.at(0).unit;
    Claim(Peer(p), unit, 100 + p);
  }
  EXPECT_EQ(Status(id).units.failed, 1u);
  EXPECT_EQ(holder_->counters().units_failed, 1u);
  EXPECT_EQ(holder_->counters().units_verified, 0u);
  EXPECT_TRUE(Ask(Peer(1), 1).leases.empty());
}

TEST_F(HolderTest, ExpiredLeaseIsReissued) {
  ProjectId id = Submit(Manifest(1, 1, 1));
  Join(Peer(1));
  Join(Peer(2));
  ASSERT_EQ(Ask(Peer(1), 1).leases.size(), 1u);
  EXPECT_TRUE(Ask(Peer(2), 1).leases.empty());
  now_ += 61s;
  Join(Peer(2));  // still alive; peer 1 is silent too, either way the lease is gone
  Actions actions = Tick();
  EXPECT_EQ(holder_->counters().leases_expired, 1u);
  auto pushed = PushedTo(actions, Peer(2));  // peer 2 asked before and is waiting
  ASSERT_TRUE(pushed.has_value());
  EXPECT_EQ(pushed->leases.size(), 1u);
  EXPECT_EQ(Status(id).units.in_flight, 1u);
}

TEST_F(HolderTest, SaysWhenItsTimersAreNextDue) {
  Submit(testing::SquareManifest(1, {.min_quorum = 1, .max_replicas = 1, .deadline = 60s, .holders = 1}));
  Join(Peer(1));
  EXPECT_EQ(holder_->NextDue(now_), TimePoint::max()) << "nothing leased, no other holder wanted";
  ASSERT_EQ(Ask(Peer(1), 1).leases.size(), 1u);
  EXPECT_EQ(holder_->NextDue(now_), now_ + 60s) << "due when the lease lapses";
  // A project that wants more holders than it has looks for them every kRecruitInterval.
  Submit(Manifest(1));
  Tick();
  EXPECT_EQ(holder_->NextDue(now_), now_ + kRecruitInterval);
}

TEST_F(HolderTest, SilentPeerLosesItsLeases) {
  Submit(Manifest(1, 1, 1));
  Join(Peer(1));
  ASSERT_EQ(Ask(Peer(1), 1).leases.size(), 1u);
  now_ += 10s;
  Join(Peer(2));
  directory_.Remove(Peer(1));  // its offer expired: gone
  EXPECT_FALSE(PushedTo(Tick(), Peer(2)).has_value());
  now_ += 6s;  // 16 s since the grant, past the 15 s timeout; the deadline is still far
  Join(Peer(2));
  EXPECT_FALSE(PushedTo(Tick(), Peer(2)).has_value());  // peer 2 never asked
  EXPECT_EQ(Ask(Peer(2), 1).leases.size(), 1u);
}

TEST_F(HolderTest, LeaseThePeerNeverGotIsReissued) {
  Submit(Manifest(1, 1, 1));
  Join(Peer(1));
  Join(Peer(2));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Join(Peer(1), {unit});  // the peer confirms it holds the lease
  now_ += 10s;
  Join(Peer(1), {unit});
  EXPECT_TRUE(Ask(Peer(2), 1).leases.empty());
  Join(Peer(1), {});  // a heartbeat without the lease: the grant was lost, or the peer restarted
  EXPECT_EQ(holder_->counters().leases_unconfirmed, 1u);
  EXPECT_EQ(Ask(Peer(2), 1).leases.size(), 1u);
}

TEST_F(HolderTest, FreshLeaseIsNotForgottenBeforeItsGrantCouldArrive) {
  Submit(Manifest(1, 1, 1));
  Join(Peer(1));
  Ask(Peer(1), 1);
  Join(Peer(1), {});  // this heartbeat may have crossed the grant on the wire
  EXPECT_EQ(holder_->counters().leases_unconfirmed, 0u);
}

TEST_F(HolderTest, LeaseMovedToAnotherPeerFollowsIt) {
  Submit(Manifest(1, 1, 1));
  Join(Peer(1));
  Join(Peer(2));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Send(Peer(1), LeaseMoved{unit, Peer(2)});
  EXPECT_EQ(holder_->counters().leases_moved, 1u);
  // Peer 2 now holds it: its offer listing the unit keeps it, peer 1's silence does not matter.
  now_ += 10s;
  Join(Peer(1), {});
  Join(Peer(2), {unit});
  EXPECT_EQ(holder_->counters().leases_unconfirmed, 0u);
  // A stranger cannot move a lease it does not hold.
  Send(Peer(3), LeaseMoved{unit, Peer(3)});
  EXPECT_EQ(holder_->counters().leases_moved, 1u);
}

TEST_F(HolderTest, DuplicateClaimIsCountedOnce) {
  ProjectId id = Submit(Manifest(1));
  Join(Peer(1));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Claim(Peer(1), unit, 0);
  Claim(Peer(1), unit, 0);
  EXPECT_EQ(holder_->counters().claims_accepted, 1u);
  EXPECT_EQ(holder_->counters().claims_duplicate, 1u);
  EXPECT_EQ(Status(id).units.verified, 0u);  // one peer alone is no quorum
  EXPECT_EQ(store_->LoadLedger()->claims.size(), 1u);
}

TEST_F(HolderTest, TwoDifferentResultsFromOnePeerEndTheSameInEitherOrder) {
  // Peer 1 signs two results for unit 0 (one right, one wrong); peer 2 computes it right.
  const Bytes manifest = Manifest(1);
  const ResultHash right{Blake2b256(SquareWorkload::Encode(0))};
  const ResultHash wrong{Blake2b256(SquareWorkload::Encode(5))};
  const ResultHash kept = std::min(right, wrong);
  std::vector<std::pair<PeerId, ResultHash>> ledgers[2];
  uint64_t verified[2];
  for (int order = 0; order < 2; ++order) {
    store_ = std::move(SqliteStore::Open(":memory:").value());
    holder_ = NewHolder();
    ProjectId id = Submit(manifest);
    Claim(Peer(1), {id, 0}, order == 0 ? 0 : 5);
    const uint64_t first_seq = store_->ClaimsAfter(id, 0, {10, kLedgerPushResultBytesMax})->claims.back().seq;
    Claim(Peer(1), {id, 0}, order == 0 ? 5 : 0);
    Claim(Peer(2), {id, 0}, 0);
    EXPECT_EQ(holder_->counters().claims_contradicting, 1u);
    auto ledger = store_->LoadLedger();
    for (const auto& c : ledger->claims) ledgers[order].emplace_back(c.peer, c.hash);
    std::sort(ledgers[order].begin(), ledgers[order].end());
    verified[order] = Status(id).units.verified;
    EXPECT_EQ(verified[order], kept == right ? 1u : 0u);
    // A replaced claim is stored anew, so the other holders are sent it again.
    const bool replaced = (order == 0 ? right : wrong) != kept;
    auto after = store_->ClaimsAfter(id, first_seq, {10, kLedgerPushResultBytesMax})->claims;
    ASSERT_FALSE(after.empty());
    EXPECT_EQ(after.front().claim.peer, replaced ? Peer(1) : Peer(2));
    // The verdict after a restart is the one the holder reached.
    holder_ = NewHolder();
    ASSERT_TRUE(holder_->Load(now_).ok());
    EXPECT_EQ(Status(id).units.verified, verified[order]);
  }
  EXPECT_EQ(ledgers[0], ledgers[1]);
  EXPECT_EQ(verified[0], verified[1]);
  EXPECT_EQ(ledgers[0].size(), 2u);
  EXPECT_NE(std::find(ledgers[0].begin(), ledgers[0].end(), std::make_pair(Peer(1), kept)), ledgers[0].end());
}

TEST_F(HolderTest, CopyOfAHeldClaimIsADuplicateWhateverItsSignature) {
  ProjectId id = Submit(Manifest(1));
  Join(Peer(1));
  Join(Peer(2));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Claim(Peer(1), unit, 0);
  // Its copy is not checked again: everything a signature proves is in the ledger already.
  potluck::Claim copy = testing::SignedClaim(Peer(1), unit, SquareWorkload::Encode(0));
  copy.signature.fill(0);
  Send(Peer(1), ClaimBatch{{copy}});
  EXPECT_EQ(holder_->counters().claims_duplicate, 1u);
  EXPECT_EQ(holder_->counters().claims_refused, 0u);
  // A claim the ledger does not hold still needs its own peer's signature.
  potluck::Claim unsigned_claim = testing::SignedClaim(Peer(2), unit, SquareWorkload::Encode(0));
  unsigned_claim.signature.fill(0);
  Send(Peer(2), ClaimBatch{{unsigned_claim}});
  EXPECT_EQ(holder_->counters().claims_refused, 1u);
  EXPECT_EQ(Status(id).units.verified, 0u);
}

TEST_F(HolderTest, ClaimWithWrongHashIsRefused) {
  Submit(Manifest(1));
  Join(Peer(1));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  potluck::Claim wrong_hash = testing::SignedClaim(Peer(1), unit, SquareWorkload::Encode(0));
  wrong_hash.hash = ResultHash{};
  Actions a = Send(Peer(1), ClaimBatch{{wrong_hash}});
  EXPECT_EQ(holder_->counters().claims_refused, 1u);
  // Acknowledged anyway, so the sender stops resending it.
  EXPECT_EQ(std::get<ClaimAck>(a.messages.at(0).message.body).units.size(), 1u);
}

TEST_F(HolderTest, ClaimSignedByAnotherPeerIsRefused) {
  ProjectId id = Submit(Manifest(1));
  Join(Peer(1));
  Join(Peer(2));
  UnitKey unit = Ask(Peer(1), 1).leases.at(0).unit;
  Claim(Peer(1), unit, 0);
  // Peer 1 makes up peer 2's agreeing claim: signed with its own key, it does not count.
  potluck::Claim forged = testing::SignedClaim(Peer(1), unit, SquareWorkload::Encode(0));
  Send(Peer(2), ClaimBatch{{forged}});
  EXPECT_EQ(holder_->counters().claims_refused, 1u);
  EXPECT_EQ(Status(id).units.verified, 0u);
}

TEST_F(HolderTest, ClaimsSignedTogetherCountAndOneWithAnotherClaimsProofIsRefused) {
  ProjectId id = Submit(Manifest(3));
  Join(Peer(1));
  Join(Peer(2));
  std::vector<std::pair<UnitKey, Bytes>> results;
  for (const auto& lease : Ask(Peer(1), 3).leases) results.emplace_back(lease.unit, SquareWorkload::Encode(0));
  ASSERT_EQ(results.size(), 3u);
  ASSERT_EQ(Ask(Peer(2), 3).leases.size(), 3u);
  Send(Peer(1), ClaimBatch{testing::SignedTogether(Peer(1), results)});
  std::vector<potluck::Claim> second = testing::SignedTogether(Peer(2), results);
  std::swap(second[0].proof, second[1].proof);
  Send(Peer(2), ClaimBatch{second});
  EXPECT_EQ(holder_->counters().claims_refused, 2u);
  EXPECT_EQ(Status(id).units.verified, 1u);
  Send(Peer(2), ClaimBatch{testing::SignedTogether(Peer(2), results)});
  EXPECT_EQ(Status(id).units.verified, 3u);
}

TEST_F(HolderTest, ForgedOrAlteredManifestIsRefused) {
  Bytes signed_manifest = Manifest(5);
  Bytes altered = signed_manifest;
  altered[altered.size() / 2] ^= 1;
  Actions ignored;
  EXPECT_FALSE(holder_->Submit(altered, now_, ignored).ok());
  // A manifest naming peer 9 as owner, with peer 8's signature in place of peer 9's.
  potluck::Manifest m;
  m.owner = Peer(9);
  m.workload = "square";
  m.workload_version = 1;
  m.units = 3;
  Bytes genuine = SignManifest(m, testing::TestIdentity(9));
  Signature by_9 = testing::TestIdentity(9).Sign(EncodeManifest(m));
  Signature by_8 = testing::TestIdentity(8).Sign(EncodeManifest(m));
  ASSERT_TRUE(std::equal(by_9.begin(), by_9.end(), genuine.end() - 64));  // the signature comes last
  Bytes forged = genuine;
  std::copy(by_8.begin(), by_8.end(), forged.end() - 64);
  EXPECT_TRUE(holder_->Submit(genuine, now_, ignored).ok());
  EXPECT_FALSE(holder_->Submit(forged, now_, ignored).ok());
  EXPECT_NE(OpenManifest(forged).status().message().find("signature"), std::string::npos);
  EXPECT_EQ(store_->LoadLedger()->projects.size(), 1u);  // only the genuine one
}

TEST_F(HolderTest, OnlyTheOwnerCanCancelAProject) {
  ProjectId id = Submit(Manifest(4));
  Join(Peer(1));
  ASSERT_EQ(Ask(Peer(1), 2).leases.size(), 2u);
  // Signed by someone else: refused, and the project runs on.
  Actions refused = Send(Peer(1), CancelProject{id, testing::TestIdentity(1).Sign(CancelStatement(id))});
  EXPECT_FALSE(std::get<Reply>(refused.messages.at(0).message.body).ok);
  EXPECT_EQ(holder_->counters().cancels_refused, 1u);
  EXPECT_FALSE(Status(id).cancelled);
  // Signed by the owner (the key that signed the manifest): cancelled, leases gone, nothing new.
  Actions done = Send(Peer(7), CancelProject{id, testing::TestIdentity(0xEE).Sign(CancelStatement(id))});
  EXPECT_TRUE(std::get<Reply>(done.messages.at(0).message.body).ok);
  EXPECT_TRUE(Status(id).cancelled);
  EXPECT_EQ(Status(id).units.in_flight, 0u);
  EXPECT_TRUE(Ask(Peer(1), 2).leases.empty());
  EXPECT_TRUE(holder_->OpenProjects().empty());
  // It stays cancelled after a restart.
  holder_ = NewHolder();
  ASSERT_TRUE(holder_->Load(now_).ok());
  EXPECT_TRUE(Status(id).cancelled);
}

TEST_F(HolderTest, PeerWrongThreeTimesIsIgnoredAndNamedInStatus) {
  ProjectId id = Submit(Manifest(5));
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  // Peers 1 and 2 agree on units 0..2; peer 3 is wrong on each.
  for (uint64_t i = 0; i < 3; ++i) {
    UnitKey unit{id, i};
    Claim(Peer(3), unit, 12345);
    Claim(Peer(1), unit, i * i);
    Claim(Peer(2), unit, i * i);
  }
  ProjectStatus s = Status(id);
  EXPECT_EQ(s.units.verified, 3u);
  std::map<PeerId, PeerScore> scores;
  for (const auto& p : s.peers) scores[p.peer] = p;
  EXPECT_EQ(scores[Peer(3)].disagreed, 3u);
  EXPECT_TRUE(scores[Peer(3)].ignored);
  EXPECT_EQ(scores[Peer(1)].agreed, 3u);
  EXPECT_FALSE(scores[Peer(1)].ignored);
  EXPECT_TRUE(Ask(Peer(3), 2).leases.empty());
  EXPECT_FALSE(Ask(Peer(1), 2).leases.empty());
  // The record is rebuilt from the ledger after a restart.
  holder_ = NewHolder();
  ASSERT_TRUE(holder_->Load(now_).ok());
  EXPECT_TRUE(Ask(Peer(3), 2).leases.empty());
}

TEST_F(HolderTest, APeerHoldsAtMostItsShareOfLeases) {
  Submit(Manifest(2 * kLeasesPerPeerMax, 1, 1));
  Join(Peer(1));
  size_t leased = 0;
  for (size_t i = 0; i < kLeasesPerPeerMax / 64 + 4; ++i) leased += Ask(Peer(1), 64).leases.size();
  EXPECT_EQ(leased, kLeasesPerPeerMax);
}

TEST_F(HolderTest, RestartKeepsVerifiedUnitsAndLeases) {
  ProjectId id = Submit(Manifest(3));
  Join(Peer(1));
  Join(Peer(2));
  LeaseGrant a = Ask(Peer(1), 2), b = Ask(Peer(2), 2);
  Claim(Peer(1), a.leases[0].unit, a.leases[0].unit.index * a.leases[0].unit.index);
  Claim(Peer(2), b.leases[0].unit, b.leases[0].unit.index * b.leases[0].unit.index);
  ASSERT_EQ(Status(id).units.verified, 1u);

  holder_ = NewHolder();
  ASSERT_TRUE(holder_->Load(now_).ok());
  ProjectStatus s = Status(id);
  EXPECT_EQ(s.units.verified, 1u);
  EXPECT_EQ(s.units.in_flight, 1u);  // unit 1 is still leased to both peers
  Join(Peer(3));
  // Unit 1 has its two replicas out; unit 0 is done; only unit 2 remains for a newcomer.
  LeaseGrant c = Ask(Peer(3), 3);
  ASSERT_EQ(c.leases.size(), 1u);
  EXPECT_EQ(c.leases[0].unit.index, 2u);
}

// A verified unit keeps its claims only in the store: a late claim, a copy of a held one and
// the results must find them there, before and after a restart.
TEST_F(HolderTest, LateClaimsOfAVerifiedUnitMeetItsStoredClaims) {
  ProjectId id = Submit(Manifest(1));
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  UnitKey unit{id, 0};
  Claim(Peer(1), unit, 0);
  Claim(Peer(2), unit, 0);
  ASSERT_EQ(Status(id).units.verified, 1u);
  for (int restarted = 0; restarted < 2; ++restarted) {
    // A copy with no valid signature is known as held only if the claims were read back.
    potluck::Claim copy = testing::SignedClaim(Peer(1), unit, SquareWorkload::Encode(0));
    copy.signature.fill(0);
    Send(Peer(1), ClaimBatch{{copy}});
    EXPECT_EQ(holder_->counters().claims_duplicate, 1u);
    EXPECT_EQ(holder_->counters().claims_refused, 0u);
    auto results = holder_->Describe(id, true, now_);
    ASSERT_TRUE(results.ok());
    EXPECT_EQ(results->summary, "sum 0");
    holder_ = NewHolder();
    ASSERT_TRUE(holder_->Load(now_).ok());
  }
  Claim(Peer(3), unit, 7);  // late and wrong
  EXPECT_EQ(holder_->counters().results_rejected, 1u);
  EXPECT_EQ(Status(id).units.verified, 1u);
  EXPECT_EQ(holder_->reputation().Of(Peer(3)).disagreed, 1u);
  // Peer 2 signs a second, different result: the stored first one is what proves it lied.
  Claim(Peer(2), unit, 9);
  EXPECT_EQ(holder_->counters().claims_contradicting, 1u);
  auto troubles = holder_->Troubles(id, 10);
  ASSERT_TRUE(troubles.ok());
  ASSERT_EQ(troubles->disputed.size(), 1u);
  EXPECT_EQ(troubles->disputed[0].results, 3u);
}

TEST_F(HolderTest, HungryPeerIsServedWhenAProjectArrives) {
  Join(Peer(1));
  EXPECT_TRUE(Ask(Peer(1), 2).leases.empty());
  Actions pushed;
  Submit(Manifest(5), &pushed);
  auto grant = PushedTo(pushed, Peer(1));
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->leases.size(), 2u);
}

TEST_F(HolderTest, HungryPeerIsWokenWithAFewLeasesAndAsksForTheRest) {
  Join(Peer(1));
  EXPECT_TRUE(Ask(Peer(1), 64).leases.empty()) << "asked for a deep queue of short units";
  Actions pushed;
  Submit(Manifest(100), &pushed);
  auto grant = PushedTo(pushed, Peer(1));
  ASSERT_TRUE(grant.has_value());
  EXPECT_EQ(grant->leases.size(), kLeasesPushedMax);
  EXPECT_EQ(Ask(Peer(1), 64).leases.size(), 64u);
}

TEST_F(HolderTest, KeysOnOneNetworkGetOneReplicaOfAUnit) {
  ProjectId id = Submit(Manifest(1));
  hosts_ = {{Peer(1), "192.0.2.5"}, {Peer(2), "192.0.2.6"}, {Peer(3), "198.51.100.9"}};
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  ASSERT_EQ(Ask(Peer(1), 1).leases.size(), 1u);
  EXPECT_TRUE(Ask(Peer(2), 1).leases.empty());  // the same /24 as peer 1
  LeaseGrant other = Ask(Peer(3), 1);
  ASSERT_EQ(other.leases.size(), 1u);
  Claim(Peer(1), {id, 0}, 0);
  Claim(Peer(3), {id, 0}, 0);
  EXPECT_EQ(Status(id).units.verified, 1u);
}

TEST_F(HolderTest, ClaimsFromOneNetworkDoNotMakeAQuorum) {
  ProjectId id = Submit(Manifest(1));
  hosts_ = {{Peer(1), "192.0.2.5"}, {Peer(2), "192.0.2.5"}, {Peer(3), "203.0.113.1"}};
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  // Two keys on one machine agree on a wrong answer, unasked.
  Claim(Peer(1), {id, 0}, 99);
  Claim(Peer(2), {id, 0}, 99);
  EXPECT_EQ(Status(id).units.verified, 0u);
  // The ledger keeps where each claim came from, across a restart.
  holder_ = NewHolder();
  ASSERT_TRUE(holder_->Load(now_).ok());
  Claim(Peer(3), {id, 0}, 0);
  EXPECT_EQ(Status(id).units.verified, 0u);
}

TEST_F(HolderTest, TheNetworkRuleCanBeSwitchedOffForOneMachine) {
  ProjectId id = Submit(testing::SquareManifest(1, {.min_quorum = 2, .max_replicas = 4, .deadline = 60s,
                                                    .distinct_networks = false}));
  hosts_ = {{Peer(1), "127.0.0.1"}, {Peer(2), "127.0.0.1"}};
  for (uint8_t p = 1; p <= 2; ++p) Join(Peer(p));
  ASSERT_EQ(Ask(Peer(1), 1).leases.size(), 1u);
  ASSERT_EQ(Ask(Peer(2), 1).leases.size(), 1u);
  Claim(Peer(1), {id, 0}, 0);
  Claim(Peer(2), {id, 0}, 0);
  EXPECT_EQ(Status(id).units.verified, 1u);
}

TEST_F(HolderTest, AdaptiveReplicationTrustsALongRecordWithSpotChecks) {
  const uint64_t units = 200;
  ProjectId id = Submit(testing::SquareManifest(units, {.min_quorum = 2, .max_replicas = 4, .deadline = 60s,
                                                        .spot_check_ppm = kSpotCheckPpmMin}));
  for (uint8_t p = 1; p <= 3; ++p) Join(Peer(p));
  // Peers 1 and 2 agree on 12 units in a row; peer 3 agrees on 11 and then is wrong once.
  for (uint64_t i = 0; i < 12; ++i) {
    Claim(Peer(1), {id, i}, i * i);
    Claim(Peer(2), {id, i}, i * i);
    Claim(Peer(3), {id, i}, i == 11 ? 7 : i * i);
  }
  ASSERT_EQ(Status(id).units.verified, 12u);
  // Peer 3 is not trusted: every unit it takes also goes to someone else.
  LeaseGrant untrusted = Ask(Peer(3), 20);
  EXPECT_EQ(holder_->counters().leases_alone, 0u);
  for (const auto& l : untrusted.leases) Claim(Peer(3), l.unit, l.unit.index * l.unit.index);
  const uint64_t verified_before = Status(id).units.verified;
  EXPECT_EQ(verified_before, 12u);

  // Peer 1 first gets the 20 units peer 3 began (a second replica each), then fresh units:
  // most alone, each verified by its one result; about one in 12 is replicated anyway
  // (1/consecutive, above the 5% floor).
  LeaseGrant trusted = Ask(Peer(1), 60);
  ASSERT_EQ(trusted.leases.size(), 60u);
  const uint64_t alone = holder_->counters().leases_alone;
  EXPECT_EQ(alone + holder_->counters().spot_checks, 40u);
  EXPECT_GE(alone, 30u);
  EXPECT_LT(alone, 40u);
  for (const auto& l : trusted.leases) Claim(Peer(1), l.unit, l.unit.index * l.unit.index);
  EXPECT_EQ(Status(id).units.verified, verified_before + 20 + alone);
}

TEST_F(HolderTest, AUnitShortOfAReplicaIsFoundBehindManyFullyLeasedOnes) {
  Submit(Manifest(4 * kLeasesPerPeerMax, 1, 1));
  std::map<uint8_t, std::vector<UnitKey>> held;
  for (uint8_t p = 1; p <= 4; ++p) {
    Join(Peer(p));
    for (size_t i = 0; i < kLeasesPerPeerMax / 64; ++i) {
      for (const auto& l : Ask(Peer(p), 64).leases) held[p].push_back(l.unit);
    }
    ASSERT_EQ(held[p].size(), kLeasesPerPeerMax);
  }
  // Every unit is out, the last ones far behind the first: peer 4's offer stops listing one.
  const UnitKey lost = held[4].at(200);
  std::erase(held[4], lost);
  now_ += 6s;
  Join(Peer(4), held[4]);
  Join(Peer(5));
  LeaseGrant grant = Ask(Peer(5), 8);
  ASSERT_EQ(grant.leases.size(), 1u);
  EXPECT_EQ(grant.leases[0].unit, lost);
}

TEST_F(HolderTest, UnknownProjectStatusIsNotFound) {
  ProjectId id;
  id.bytes.fill(3);
  EXPECT_EQ(holder_->Describe(id, false, now_).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace potluck
