#include "potluck/core/membership.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "fake_directory.h"
#include "potluck/store/sqlite_store.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::TestPeer;

class MembershipTest : public ::testing::Test {
 protected:
  void SetUp() override { store_ = std::move(SqliteStore::Open(":memory:").value()); }

  std::unique_ptr<Membership> Make(std::vector<std::string> bootstrap = {}) {
    MembershipConfig config;
    config.bootstrap = std::move(bootstrap);
    auto m = std::make_unique<Membership>(TestPeer(1), config, *store_, 7);
    Offer own;
    own.endpoint = "tcp://self";
    own.cores = 4;
    m->SetOwnOffer(own);
    return m;
  }

  Offer OfferOf(uint8_t peer, TimePoint issued, Duration ttl = 10s) {
    Offer o;
    o.peer = TestPeer(peer);
    o.endpoint = "tcp://peer" + std::to_string(peer);
    o.issued_unix_ms = ToUnixMs(issued);
    o.expires_unix_ms = ToUnixMs(issued + ttl);
    return o;
  }

  Actions Gossip(Membership& m, std::vector<Offer> offers, uint64_t request_id = 1, uint8_t from = 9) {
    store_->Begin();
    Inbound in{TestPeer(from), "", Envelope{TestPeer(from), request_id, potluck::Gossip{std::move(offers)}}, ""};
    Actions a = m.OnGossip(in, std::get<potluck::Gossip>(in.message.body), now_);
    EXPECT_TRUE(store_->Commit().ok());
    return a;
  }

  std::unique_ptr<SqliteStore> store_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(MembershipTest, BootstrapEndpointsAreGossipedWithUntilTheyAnswer) {
  auto m = Make({"tcp://seed"});
  Actions a = m->Tick(now_);
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.messages[0].to.endpoint, "tcp://seed");
  const auto& sent = std::get<potluck::Gossip>(a.messages[0].message.body);
  ASSERT_EQ(sent.offers.size(), 1u);
  EXPECT_EQ(sent.offers[0].peer, TestPeer(1));
  EXPECT_EQ(sent.offers[0].cores, 4u);
  EXPECT_GT(sent.offers[0].expires_unix_ms, ToUnixMs(now_));
}

TEST_F(MembershipTest, GossipIsAnsweredAndMergedNewestFirst) {
  auto m = Make();
  Actions a = Gossip(*m, {OfferOf(2, now_), OfferOf(3, now_)});
  ASSERT_EQ(a.messages.size(), 1u);  // push-pull: the sender gets our offers back
  EXPECT_EQ(std::get<potluck::Gossip>(a.messages[0].message.body).offers.size(), 3u);
  ASSERT_NE(m->OfferOf(TestPeer(2)), nullptr);
  Offer newer = OfferOf(2, now_ + 1s);
  newer.cores = 8;
  Gossip(*m, {newer}, 0);
  EXPECT_EQ(m->OfferOf(TestPeer(2))->cores, 8u);
  Gossip(*m, {OfferOf(2, now_)}, 0);  // an older offer changes nothing
  EXPECT_EQ(m->OfferOf(TestPeer(2))->cores, 8u);
  EXPECT_TRUE(Gossip(*m, {}, 0).messages.empty());  // a reply is not answered
}

TEST_F(MembershipTest, AnOfferHoldingANewProjectIsGossipedAtTheNextTickNotTheNextRound) {
  auto m = Make({"tcp://seed"});
  ASSERT_EQ(m->Tick(now_).messages.size(), 1u);  // the first round
  now_ += 100ms;
  EXPECT_TRUE(m->Tick(now_).messages.empty()) << "the next round is a second away";
  Offer own;
  own.endpoint = "tcp://self";
  ProjectId project;
  project.bytes.fill(5);
  own.holds = {project};
  m->SetOwnOffer(own);
  now_ += 100ms;
  Actions a = m->Tick(now_);
  ASSERT_EQ(a.messages.size(), 1u) << "news of work goes at once";
  const auto& sent = std::get<potluck::Gossip>(a.messages[0].message.body);
  ASSERT_FALSE(sent.offers.empty());
  EXPECT_EQ(sent.offers[0].holds, own.holds);
  m->SetOwnOffer(own);  // nothing new since that round
  now_ += 100ms;
  EXPECT_TRUE(m->Tick(now_).messages.empty());
}

TEST_F(MembershipTest, PeersWhoseOffersExpireAreDropped) {
  auto m = Make();
  Gossip(*m, {OfferOf(2, now_, 5s), OfferOf(3, now_, 20s)});
  now_ += 6s;
  m->Tick(now_);
  EXPECT_EQ(m->OfferOf(TestPeer(2)), nullptr);
  EXPECT_NE(m->OfferOf(TestPeer(3)), nullptr);
  // An expired offer relayed late does not bring the peer back.
  Gossip(*m, {OfferOf(2, now_ - 6s, 5s)}, 0);
  EXPECT_EQ(m->OfferOf(TestPeer(2)), nullptr);
}

TEST_F(MembershipTest, PeersAreRememberedAcrossRestarts) {
  {
    auto m = Make();
    Gossip(*m, {OfferOf(2, now_), OfferOf(3, now_)});
  }
  auto restarted = Make();  // no bootstrap this time
  ASSERT_TRUE(restarted->Load().ok());
  Actions a = restarted->Tick(now_ + 1h);
  std::set<std::string> partners;
  for (const auto& out : a.messages) partners.insert(out.to.endpoint);
  EXPECT_EQ(partners, (std::set<std::string>{"tcp://peer2", "tcp://peer3"}));
}

TEST_F(MembershipTest, FanoutBoundsTheGossipPartnersPerRound) {
  auto m = Make();
  std::vector<Offer> offers;
  for (uint8_t p = 2; p < 30; ++p) offers.push_back(OfferOf(p, now_));
  Gossip(*m, offers, 0);
  Actions a = m->Tick(now_);
  EXPECT_EQ(a.messages.size(), 3u);
  EXPECT_EQ(m->Alive().size(), 29u);  // 28 peers and ourselves
}

TEST_F(MembershipTest, APeerThatPulledFromUsSinceOurLastRoundIsLeftOutOfTheNext) {
  auto m = Make();
  Gossip(*m, {OfferOf(2, now_), OfferOf(3, now_), OfferOf(4, now_)}, 0);
  EXPECT_EQ(m->Pin("tcp://peer2", now_).messages.size(), 1u);
  auto partners = [&](TimePoint at) {
    std::set<std::string> to;
    for (const auto& out : m->Tick(at).messages) to.insert(out.to.endpoint);
    return to;
  };
  ASSERT_EQ(partners(now_), (std::set<std::string>{"tcp://peer2", "tcp://peer3", "tcp://peer4"}));
  // Peer 2 gossips with us in between: our answer gave it our offer and its push gave us its.
  Gossip(*m, {OfferOf(2, now_ + 500ms)}, 1, 2);
  EXPECT_EQ(partners(now_ + 1s), (std::set<std::string>{"tcp://peer3", "tcp://peer4"}))
      << "neither gossip nor the pinned push goes to a peer we just exchanged offers with";
  EXPECT_EQ(partners(now_ + 2s), (std::set<std::string>{"tcp://peer2", "tcp://peer3", "tcp://peer4"}));

  // News of work goes to everyone, whoever pulled.
  Gossip(*m, {OfferOf(2, now_ + 2500ms)}, 1, 2);
  Offer own;
  own.endpoint = "tcp://self";
  own.holds = {ProjectId{Blake2b256(Bytes{1})}};
  m->SetOwnOffer(own);
  EXPECT_EQ(partners(now_ + 2600ms), (std::set<std::string>{"tcp://peer2", "tcp://peer3", "tcp://peer4"}));
}

TEST_F(MembershipTest, HoldingListsThePeersWithWorkInIdOrderAndFollowsTheirOffers) {
  auto m = Make();
  const ProjectId project{Blake2b256(Bytes{1})};
  auto holding = [&] {
    std::vector<PeerId> ids;
    for (const Offer* offer : m->Holding()) ids.push_back(offer->peer);
    return ids;
  };
  Offer two = OfferOf(2, now_), three = OfferOf(3, now_), four = OfferOf(4, now_);
  two.holds = four.holds = {project};
  Gossip(*m, {two, three, four}, 0);
  std::vector<PeerId> expected{TestPeer(2), TestPeer(4)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(holding(), expected);

  // Peer 2's project is done; then peer 3 takes one on.
  Gossip(*m, {OfferOf(2, now_ + 1s)}, 0);
  EXPECT_EQ(holding(), std::vector<PeerId>{TestPeer(4)});
  three = OfferOf(3, now_ + 1s);
  three.holds = {project};
  Gossip(*m, {three}, 0);
  expected = {TestPeer(3), TestPeer(4)};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(holding(), expected);

  // Our own offer joins once it holds work and is issued.
  Offer own;
  own.endpoint = "tcp://self";
  own.holds = {project};
  m->SetOwnOffer(own);
  m->Tick(now_ + 1s);
  expected.push_back(TestPeer(1));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(holding(), expected);
}

TEST_F(MembershipTest, StoredPeersAreTheLiveOnesUnlessEveryoneWentSilent) {
  auto m = Make();
  Gossip(*m, {OfferOf(2, now_, 5s), OfferOf(3, now_, 20s)});
  store_->Begin();
  m->Tick(now_ + 6s);  // 2 went silent, 3 is alive: 2 is forgotten
  ASSERT_TRUE(store_->Commit().ok());
  auto stored = store_->LoadPeers().value();
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].id, TestPeer(3));
  store_->Begin();
  m->Tick(now_ + 21s);  // everyone silent: likelier our network than theirs, so 3 is kept
  ASSERT_TRUE(store_->Commit().ok());
  EXPECT_EQ(store_->LoadPeers().value().size(), 1u);
}

// A peer id for grids larger than TestPeer's 256 keys; membership never checks signatures.
PeerId ManyPeer(uint32_t i) {
  PeerId id;
  id.bytes[0] = 0xAB;
  std::memcpy(id.bytes.data() + 1, &i, sizeof i);
  return id;
}

TEST_F(MembershipTest, SecondHandOffersStayBoundedWhileDirectAndHolderOffersAreKept) {
  auto m = Make();
  std::vector<Offer> relayed;
  for (uint32_t i = 0; i < 1000; ++i) {
    Offer o = OfferOf(2, now_);
    o.peer = ManyPeer(i);
    o.endpoint = "tcp://many" + std::to_string(i);
    relayed.push_back(o);
    if (relayed.size() == kGossipOffersMax) {
      Gossip(*m, relayed, 0);
      relayed.clear();
    }
  }
  Gossip(*m, relayed, 0);
  EXPECT_EQ(m->relayed_count(), MembershipConfig{}.relayed_offers_max);
  EXPECT_EQ(m->peer_count(), MembershipConfig{}.relayed_offers_max);

  // A holder's offer, relayed, and a peer's own offer are kept beyond the bound.
  Offer holder = OfferOf(3, now_);
  holder.holds = {ProjectId{}};
  Gossip(*m, {holder}, 0);
  EXPECT_NE(m->OfferOf(TestPeer(3)), nullptr);
  Gossip(*m, {OfferOf(9, now_)}, 0);  // from TestPeer(9), its own offer
  EXPECT_NE(m->OfferOf(TestPeer(9)), nullptr);
  EXPECT_EQ(m->relayed_count(), MembershipConfig{}.relayed_offers_max);

  // Gossip carries a bounded sample, the holder's offer right after our own.
  Actions a = Gossip(*m, {});
  const auto& sent = std::get<potluck::Gossip>(a.messages.at(0).message.body);
  EXPECT_EQ(sent.offers.size(), 1 + MembershipConfig{}.gossip_offers);
  EXPECT_EQ(sent.offers.at(1).peer, TestPeer(3));

  // Once the second-hand offers expire, new ones are taken again.
  now_ += 11s;
  m->Tick(now_);
  EXPECT_EQ(m->relayed_count(), 0u);
  Gossip(*m, {OfferOf(4, now_)}, 0);
  EXPECT_EQ(m->relayed_count(), 1u);
}

TEST_F(MembershipTest, PinnedEndpointsHearOurOfferAtOnceAndEveryRoundUntilTheyLapse) {
  auto m = Make();
  Actions first = m->Pin("tcp://holder", now_);
  ASSERT_EQ(first.messages.size(), 1u);
  EXPECT_EQ(first.messages[0].to.endpoint, "tcp://holder");
  EXPECT_EQ(first.messages[0].message.request_id, 0u);  // a push: nothing asked back
  EXPECT_EQ(std::get<potluck::Gossip>(first.messages[0].message.body).offers.at(0).peer, TestPeer(1));
  EXPECT_TRUE(m->Pin("tcp://holder", now_).messages.empty());  // already pinned

  auto sent_to_holder = [&](TimePoint at) {
    Actions a = m->Tick(at);
    return std::count_if(a.messages.begin(), a.messages.end(),
                         [](const Outgoing& o) { return o.to.endpoint == "tcp://holder"; });
  };
  EXPECT_EQ(sent_to_holder(now_ + 1s), 1);
  EXPECT_EQ(sent_to_holder(now_ + 2s), 1);
  EXPECT_EQ(sent_to_holder(now_ + MembershipConfig{}.pin_for + 1s), 0);
}

}  // namespace
}  // namespace potluck
