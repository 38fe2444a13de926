// A holder tells the peers whose claims agreed with a verified unit that it verified: their credit.
#include <gtest/gtest.h>

#include "fake_directory.h"
#include "potluck/core/holder.h"
#include "potluck/crypto/hash.h"
#include "potluck/store/sqlite_store.h"
#include "test_workload.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::SignedClaim;
using testing::SquareWorkload;
using testing::TestPeer;

const PeerId kHolder = TestPeer(0), kCoHolder = TestPeer(0xB0);

class HolderNoticesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workloads_.Add(std::make_unique<SquareWorkload>());
    store_ = std::move(SqliteStore::Open(":memory:").value());
    holder_ = std::make_unique<Holder>(kHolder, "tcp://holder", HolderConfig{}, *store_, directory_, workloads_);
    Actions ignored;
    store_->Begin();
    project_ = holder_->Submit(testing::SquareManifest(1000, {2, 4, 60s, 1}), now_, ignored).value();
    ASSERT_TRUE(store_->Commit().ok());
    for (uint8_t p = 1; p <= 3; ++p) Join(TestPeer(p));
  }

  template <typename F>
  Actions Step(F&& f) {
    store_->Begin();
    Actions actions = f();
    EXPECT_TRUE(store_->Commit().ok());
    return actions;
  }

  void Join(const PeerId& peer) {
    Offer offer;
    offer.peer = peer;
    offer.endpoint = Endpoint(peer);
    offer.workloads = {{"square", 1}};
    offer.expires_unix_ms = ToUnixMs(now_ + 1h);
    directory_.Put(offer);
  }

  static std::string Endpoint(const PeerId& peer) { return "tcp://peer" + peer.Short(); }

  Actions SendClaim(const PeerId& peer, uint64_t index, uint64_t value) {
    potluck::Claim claim = SignedClaim(peer, {project_, index}, SquareWorkload::Encode(value));
    return Step([&] { return holder_->OnMessage({peer, "", Envelope{peer, 1, ClaimBatch{{claim}}}}, now_); });
  }

  // What the holder sends once the notices noted until now are due.
  Actions WhenDue() { return Step([&] { return holder_->Tick(now_ + kVerifiedNoticeDelay); }); }

  static ResultHash HashOf(uint64_t value) { return ResultHash{Blake2b256(SquareWorkload::Encode(value))}; }

  // The notices among `actions`, by the peer they go to.
  static std::map<PeerId, std::vector<Outgoing>> Notices(const Actions& actions) {
    std::map<PeerId, std::vector<Outgoing>> out;
    for (const Outgoing& m : actions.messages) {
      if (std::holds_alternative<VerifiedNotice>(m.message.body)) out[m.to.peer].push_back(m);
    }
    return out;
  }

  static const VerifiedNotice& NoticeOf(const Outgoing& out) { return std::get<VerifiedNotice>(out.message.body); }

  WorkloadRegistry workloads_;
  testing::FakeDirectory directory_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Holder> holder_;
  ProjectId project_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(HolderNoticesTest, OnlyPeersWhoseClaimAgreedAreTold) {
  const PeerId right1 = TestPeer(1), right2 = TestPeer(2), wrong = TestPeer(3);
  EXPECT_TRUE(Notices(SendClaim(right1, 5, 25)).empty());
  EXPECT_TRUE(Notices(SendClaim(wrong, 5, 7777)).empty());  // disputed: nothing verified yet
  EXPECT_TRUE(Notices(SendClaim(right2, 5, 25)).empty());    // verified: the notices wait
  auto notices = Notices(WhenDue());
  ASSERT_EQ(notices.size(), 2u);
  EXPECT_FALSE(notices.contains(wrong));
  for (const PeerId& peer : {right1, right2}) {
    ASSERT_EQ(notices[peer].size(), 1u);
    const Outgoing& out = notices[peer][0];
    EXPECT_EQ(out.to.endpoint, Endpoint(peer));  // dialled where its offer says it serves
    EXPECT_EQ(out.message.request_id, 0u);
    ASSERT_EQ(NoticeOf(out).items.size(), 1u);
    EXPECT_EQ(NoticeOf(out).items[0].unit, (UnitKey{project_, 5}));
    EXPECT_EQ(NoticeOf(out).items[0].hash, HashOf(25));
  }
  EXPECT_EQ(holder_->counters().units_noticed, 2u);
}

TEST_F(HolderNoticesTest, ALateResultIsToldOnlyIfItAgrees) {
  SendClaim(TestPeer(1), 5, 25);
  SendClaim(TestPeer(2), 5, 25);
  EXPECT_EQ(Notices(WhenDue()).size(), 2u);
  SendClaim(TestPeer(3), 5, 7777);
  EXPECT_TRUE(Notices(WhenDue()).empty());
  Join(TestPeer(4));
  SendClaim(TestPeer(4), 5, 25);
  auto late_right = Notices(WhenDue());
  ASSERT_EQ(late_right.size(), 1u);
  EXPECT_EQ(late_right.begin()->first, TestPeer(4));
}

TEST_F(HolderNoticesTest, AClaimSeenTwiceIsToldOnce) {
  SendClaim(TestPeer(1), 5, 25);
  SendClaim(TestPeer(2), 5, 25);
  EXPECT_EQ(Notices(WhenDue()).size(), 2u);
  SendClaim(TestPeer(2), 5, 25);
  EXPECT_TRUE(Notices(WhenDue()).empty());
}

TEST_F(HolderNoticesTest, NoticesWaitToTravelTogether) {
  const PeerId peer = TestPeer(1);
  SendClaim(TestPeer(2), 5, 25);
  SendClaim(peer, 5, 25);
  // A lease that lasts longer does not hold the notices back.
  Step([&] { return holder_->OnMessage({TestPeer(3), "", Envelope{TestPeer(3), 1, WorkRequest{1}}}, now_); });
  EXPECT_EQ(holder_->NextDue(now_), now_ + kVerifiedNoticeDelay);
  now_ += kVerifiedNoticeDelay / 2;  // a second unit verifies while the first one's notices wait
  SendClaim(TestPeer(2), 6, 36);
  SendClaim(peer, 6, 36);
  EXPECT_TRUE(Notices(Step([&] { return holder_->Tick(now_); })).empty());
  auto notices = Notices(Step([&] { return holder_->Tick(now_ + kVerifiedNoticeDelay / 2); }));
  ASSERT_EQ(notices[peer].size(), 1u);
  ASSERT_EQ(NoticeOf(notices[peer][0]).items.size(), 2u);
  EXPECT_EQ(NoticeOf(notices[peer][0]).items[1].unit, (UnitKey{project_, 6}));
  EXPECT_TRUE(Notices(Step([&] { return holder_->Tick(now_ + kVerifiedNoticeDelay); })).empty());
  EXPECT_GT(holder_->NextDue(now_ + kVerifiedNoticeDelay), now_ + kVerifiedNoticeDelay);
}

TEST_F(HolderNoticesTest, NoticesToThisNodeGoAtOnce) {
  // Its own volunteer's credit travels no further than this process.
  SendClaim(TestPeer(1), 5, 25);
  auto notices = Notices(SendClaim(kHolder, 5, 25));
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices.begin()->first, kHolder);
  EXPECT_EQ(Notices(WhenDue()).size(), 1u);
}

TEST_F(HolderNoticesTest, ALoneClaimThatVerifiesItsUnitEarnsANoticeInBatches) {
  // Adaptive replication, as a co-holder pushes it: each lone claim verifies its unit. One push
  // verifies more units for the peer than one notice carries: the full notice goes at once.
  const PeerId peer = TestPeer(1);
  LedgerPush push{project_, {{kCoHolder, "tcp://co"}}, {}, 300};
  for (uint64_t i = 0; i < 300; ++i) {
    push.entries.push_back({peer, SignedClaim(peer, {project_, i}, SquareWorkload::Encode(i * i)), "", true});
  }
  auto notices = Notices(Step([&] { return holder_->OnMessage({kCoHolder, "", Envelope{kCoHolder, 1, push}}, now_); }));
  ASSERT_EQ(notices.size(), 1u);
  ASSERT_EQ(notices[peer].size(), 1u);
  EXPECT_EQ(NoticeOf(notices[peer][0]).items.size(), kVerifiedNoticeItemsMax);
  auto rest = Notices(WhenDue());
  ASSERT_EQ(rest[peer].size(), 1u);
  EXPECT_EQ(NoticeOf(rest[peer][0]).items.size(), 300 - kVerifiedNoticeItemsMax);
  EXPECT_EQ(NoticeOf(rest[peer][0]).items.back().unit, (UnitKey{project_, 299}));
}

TEST_F(HolderNoticesTest, APeerWithoutAnOfferIsToldOverItsOwnConnection) {
  const PeerId gone = TestPeer(2);
  SendClaim(TestPeer(1), 5, 25);
  directory_.Remove(gone);
  SendClaim(gone, 5, 25);
  auto notices = Notices(WhenDue());
  ASSERT_EQ(notices[gone].size(), 1u);
  EXPECT_EQ(notices[gone][0].to.endpoint, "");
}

}  // namespace
}  // namespace potluck
