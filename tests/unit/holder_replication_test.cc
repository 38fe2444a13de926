// Two holders of one project: recruitment, shares of the units, and ledgers that converge.
#include <gtest/gtest.h>

#include <functional>
#include <map>

#include "fake_directory.h"
#include "potluck/core/holder.h"
#include "potluck/crypto/hash.h"
#include "potluck/proto/codec.h"
#include "potluck/store/sqlite_store.h"
#include "test_workload.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::FakeDirectory;
using testing::SquareWorkload;
using testing::TestPeer;

const PeerId kA = TestPeer(0xA0), kB = TestPeer(0xB0), kC = TestPeer(0xB8), kClient = TestPeer(0xC0);

class HolderReplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workloads_.Add(std::make_unique<SquareWorkload>());
    for (const PeerId& id : {kA, kB}) AddHolder(id);
  }

  void AddHolder(const PeerId& id) {
    stores_[id] = std::move(SqliteStore::Open(":memory:").value());
    holders_[id] = std::make_unique<Holder>(id, Endpoint(id), HolderConfig{}, *stores_[id], directory_, workloads_);
    Announce(id, {{"square", 1}});
  }

  // Volunteers join after the project found its second holder, so that it is B.
  void AnnounceVolunteers() {
    for (uint8_t v = 1; v <= 2; ++v) Announce(TestPeer(v), {{"square", 1}});
  }

  static std::string Endpoint(const PeerId& id) { return "tcp://node" + id.Short(); }

  void Announce(const PeerId& id, std::vector<WorkloadVersion> workloads) {
    Offer offer;
    offer.peer = id;
    offer.endpoint = Endpoint(id);
    offer.workloads = std::move(workloads);
    offer.issued_unix_ms = ToUnixMs(now_);
    offer.expires_unix_ms = ToUnixMs(now_ + 1h);
    directory_.Put(offer);
  }

  // Runs `f` on holder `id` inside a transaction, as the event loop would.
  template <typename F>
  Actions On(const PeerId& id, F&& f) {
    stores_[id]->Begin();
    Actions actions = f(*holders_[id]);
    EXPECT_TRUE(stores_[id]->Commit().ok());
    return actions;
  }

  // Delivers every message between the holders until none is left, but those `lost` says
  // the network loses; returns the messages for others.
  using LostFn = std::function<bool(const PeerId& from, const PeerId& to, const Envelope& message)>;
  std::vector<Outgoing> Exchange(Actions actions, const PeerId& from, const LostFn& lost = {}) {
    std::vector<Outgoing> others;
    std::vector<std::pair<PeerId, Outgoing>> queue;
    for (auto& m : actions.messages) queue.push_back({from, std::move(m)});
    while (!queue.empty()) {
      auto [sender, out] = std::move(queue.front());
      queue.erase(queue.begin());
      PeerId to = out.to.peer;
      for (const auto& [id, holder] : holders_) {
        if (out.to.endpoint == Endpoint(id)) to = id;
      }
      if (!holders_.contains(to)) {
        others.push_back(std::move(out));
        continue;
      }
      if (lost && lost(sender, to, out.message)) continue;
      // As the transport would: a frame over the limit never arrives.
      EXPECT_LE(EncodeEnvelope(out.message).size(), kFrameBytesMax) << "a message too large to send";
      std::string link = out.to.endpoint.empty() ? Endpoint(sender) : "";
      Actions next = On(to, [&](Holder& h) { return h.OnMessage({sender, link, out.message}, now_); });
      for (auto& m : next.messages) queue.push_back({to, std::move(m)});
    }
    return others;
  }

  Bytes Manifest(uint64_t units, uint32_t holders = 2) { return testing::SquareManifest(units, {2, 4, 60s, holders}); }

  // Submits to holder A, lets it recruit B (and C, with three holders), then lets the
  // volunteers join.
  ProjectId SubmitToA(uint64_t units, uint32_t holders = 2) {
    if (holders == 3) AddHolder(kC);
    Actions submitted;
    ProjectId id;
    On(kA, [&](Holder& h) {
      id = h.Submit(Manifest(units, holders), now_, submitted).value();
      return Actions{};
    });
    Exchange(std::move(submitted), kA);
    AnnounceVolunteers();
    return id;
  }

  ClaimBatch ClaimOf(const PeerId& peer, const UnitKey& unit, uint64_t value) {
    return ClaimBatch{{testing::SignedClaim(peer, unit, SquareWorkload::Encode(value))}};
  }

  WorkloadRegistry workloads_;
  FakeDirectory directory_;
  std::map<PeerId, std::unique_ptr<SqliteStore>> stores_;
  std::map<PeerId, std::unique_ptr<Holder>> holders_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(HolderReplicationTest, SubmitIsAnsweredOnceASecondHolderHasTheProject) {
  Actions first = On(kA, [&](Holder& h) {
    return h.OnMessage({kClient, "", Envelope{kClient, 7, SubmitProject{Manifest(10)}}}, now_);
  });
  // Nothing for the client yet: only a request to hold.
  for (const auto& m : first.messages) EXPECT_NE(m.to.peer, kClient);
  std::vector<Outgoing> rest = Exchange(std::move(first), kA);
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].to.peer, kClient);
  const auto& reply = std::get<Reply>(rest[0].message.body);
  ASSERT_TRUE(reply.ok);
  EXPECT_TRUE(holders_[kB]->Describe(*reply.project, false, now_).ok());
}

TEST_F(HolderReplicationTest, LedgersConvergeToTheUnionOfClaimsAsClaimsArrive) {
  ProjectId project = SubmitToA(1);
  UnitKey unit{project, 0};
  // Two volunteers deliver agreeing results, each to a different holder, which pushes its new
  // claim to the other without waiting for a tick.
  Exchange(On(kA, [&](Holder& h) { return h.OnMessage({TestPeer(1), "", {TestPeer(1), 1, ClaimOf(TestPeer(1), unit, 0)}}, now_); }),
           kA);
  Exchange(On(kB, [&](Holder& h) { return h.OnMessage({TestPeer(2), "", {TestPeer(2), 1, ClaimOf(TestPeer(2), unit, 0)}}, now_); }),
           kB);
  for (const PeerId& id : {kA, kB}) {
    auto status = holders_[id]->Describe(project, true, now_);
    ASSERT_TRUE(status.ok());
    EXPECT_EQ(status->units.verified, 1u) << "holder " << id.Short();
    EXPECT_EQ(status->summary, "sum 0");
  }
}

TEST_F(HolderReplicationTest, AClaimIsNotPushedBackToTheHolderItCameFrom) {
  ProjectId project = SubmitToA(4);
  for (uint64_t i = 0; i < 4; ++i) {
    const PeerId volunteer = TestPeer(static_cast<uint8_t>(1 + i % 2));
    const PeerId holder = i < 2 ? kA : kB;
    Exchange(On(holder, [&](Holder& h) {
               return h.OnMessage({volunteer, "", {volunteer, 1, ClaimOf(volunteer, {project, i}, i)}}, now_);
             }),
             holder);
  }
  // Each holder passed on the two claims it had first-hand, and only those.
  for (const PeerId& id : {kA, kB}) {
    EXPECT_EQ(holders_[id]->counters().claims_accepted, 4u) << "holder " << id.Short();
    EXPECT_EQ(holders_[id]->counters().claims_pushed, 2u) << "holder " << id.Short();
    EXPECT_EQ(holders_[id]->counters().claims_duplicate, 0u) << "holder " << id.Short();
  }
  // A new claim later still goes, past the ones that came from the other holder.
  Exchange(On(kB, [&](Holder& h) {
             return h.OnMessage({TestPeer(2), "", {TestPeer(2), 1, ClaimOf(TestPeer(2), {project, 0}, 0)}}, now_);
           }),
           kB);
  EXPECT_EQ(holders_[kA]->counters().claims_accepted, 5u);
  EXPECT_EQ(holders_[kB]->counters().claims_pushed, 3u);
}

TEST_F(HolderReplicationTest, WithThreeHoldersEachClaimReachesTheOthersOnceFromTheHolderThatHadItFirst) {
  const ProjectId project = SubmitToA(4, /*holders=*/3);
  // Each holder gets one claim first-hand.
  const std::map<PeerId, uint64_t> first_hand = {{kA, 0}, {kB, 1}, {kC, 2}};
  for (const auto& [holder, index] : first_hand) {
    Exchange(On(holder, [&](Holder& h) {
               return h.OnMessage({TestPeer(1), "", {TestPeer(1), 1, ClaimOf(TestPeer(1), {project, index}, index)}}, now_);
             }),
             holder);
  }
  // The holders' Ticks: pushes due at the interval find nothing new to send.
  now_ += 1s;
  for (const PeerId& id : {kA, kB, kC}) Exchange(On(id, [&](Holder& h) { return h.Tick(now_); }), id);
  for (const PeerId& id : {kA, kB, kC}) {
    EXPECT_EQ(holders_[id]->counters().claims_accepted, 3u) << "holder " << id.Short();
    EXPECT_EQ(holders_[id]->counters().claims_pushed, 2u) << "holder " << id.Short() << " pushed another's claim";
    EXPECT_EQ(holders_[id]->counters().claims_duplicate, 0u) << "holder " << id.Short();
  }
}

TEST_F(HolderReplicationTest, AClaimOnlyOneOtherHolderGotIsPassedOnWhenItsFirstHolderIsLost) {
  const ProjectId project = SubmitToA(4, /*holders=*/3);
  // A's push reaches B, never C; and B's answer to its first push to C comes back only after
  // A is lost, so it must not acknowledge the pass that starts then.
  auto a_to_c = [](const PeerId& from, const PeerId& to, const Envelope&) { return from == kA && to == kC; };
  Exchange(On(kA, [&](Holder& h) {
             return h.OnMessage({TestPeer(1), "", {TestPeer(1), 1, ClaimOf(TestPeer(1), {project, 0}, 0)}}, now_);
           }),
           kA, a_to_c);
  Actions b_claim = On(kB, [&](Holder& h) {
    return h.OnMessage({TestPeer(2), "", {TestPeer(2), 1, ClaimOf(TestPeer(2), {project, 1}, 1)}}, now_);
  });
  std::vector<Outgoing> late_acks;
  auto hold_acks = [&](const PeerId& from, const PeerId& to, const Envelope& m) {
    if (from == kC && to == kB && std::holds_alternative<LedgerAck>(m.body)) {
      late_acks.push_back({{kC, Endpoint(kC)}, m});
      return true;
    }
    return false;
  };
  Exchange(std::move(b_claim), kB, hold_acks);
  ASSERT_EQ(late_acks.size(), 1u);
  EXPECT_EQ(holders_[kC]->counters().claims_accepted, 1u) << "C has only B's own claim";

  directory_.Remove(kA);
  now_ += 1s;
  // B sees A gone and passes over its claims again for C. That push is lost, and the stale
  // answer arrives instead: were it taken for an answer to the new pass, A's claim would
  // never reach C.
  auto b_to_c_push = [](const PeerId& from, const PeerId& to, const Envelope& m) {
    return from == kB && to == kC && std::holds_alternative<LedgerPush>(m.body);
  };
  Exchange(On(kB, [&](Holder& h) { return h.Tick(now_); }), kB, b_to_c_push);
  Exchange(On(kB, [&](Holder& h) { return h.OnMessage({kC, "", late_acks[0].message}, now_); }), kB);
  EXPECT_EQ(holders_[kC]->counters().claims_accepted, 1u);
  now_ += HolderConfig{}.push_retry + 1s;
  Exchange(On(kB, [&](Holder& h) { return h.Tick(now_); }), kB);
  EXPECT_EQ(holders_[kC]->counters().claims_accepted, 2u) << "B passed on the claim A had pushed it";
}

TEST_F(HolderReplicationTest, CancelReachesTheOtherHolders) {
  ProjectId project = SubmitToA(10);
  CancelProject cancel{project, testing::TestIdentity(0xEE).Sign(CancelStatement(project))};
  Exchange(On(kA, [&](Holder& h) { return h.OnMessage({kClient, "", Envelope{kClient, 3, cancel}}, now_); }), kA);
  EXPECT_TRUE(holders_[kB]->Describe(project, false, now_)->cancelled);
  EXPECT_TRUE(holders_[kB]->OpenProjects().empty());
}

TEST_F(HolderReplicationTest, LiveHoldersLeaseDisjointSharesOfFreshUnits) {
  ProjectId project = SubmitToA(100);
  std::set<uint64_t> from_a, from_b;
  for (auto [holder, peer, seen] : {std::tuple{kA, TestPeer(1), &from_a}, std::tuple{kB, TestPeer(2), &from_b}}) {
    Actions a = On(holder, [&, peer = peer](Holder& h) { return h.OnMessage({peer, "", {peer, 1, WorkRequest{64}}}, now_); });
    for (const auto& item : std::get<LeaseGrant>(a.messages.at(0).message.body).leases) seen->insert(item.unit.index);
  }
  EXPECT_FALSE(from_a.empty());
  EXPECT_FALSE(from_b.empty());
  for (uint64_t i : from_a) EXPECT_FALSE(from_b.contains(i)) << "unit " << i << " leased by both holders";
  EXPECT_EQ(from_a.size() + from_b.size(), 100u);
  (void)project;
}

TEST_F(HolderReplicationTest, ClaimsWithLargeResultsReachTheOtherHolderInPushesThatFitAFrame) {
  constexpr uint64_t kUnits = 40;  // 40 MB of results: more than two frames' worth
  ProjectId project = SubmitToA(kUnits);
  for (uint64_t i = 0; i < kUnits; ++i) {
    Bytes result(kResultBytesMax, static_cast<uint8_t>(i));
    Claim claim = testing::SignedClaim(TestPeer(1), {project, i}, result);
    // B is away: A's first push is lost, and it waits for the retry.
    On(kA, [&](Holder& h) { return h.OnMessage({TestPeer(1), "", {TestPeer(1), 1, ClaimBatch{{claim}}}}, now_); });
  }
  now_ += HolderConfig{}.push_retry + 1s;
  Exchange(On(kA, [&](Holder& h) { return h.Tick(now_); }), kA);
  std::set<uint64_t> at_b;
  ASSERT_TRUE(stores_[kB]->ScanResults(project, [&](uint64_t index, const ResultHash&, const Bytes& bytes) {
    EXPECT_EQ(bytes.size(), kResultBytesMax);
    at_b.insert(index);
  }).ok());
  EXPECT_EQ(at_b.size(), kUnits);
}

TEST_F(HolderReplicationTest, ARecruitedHolderWaitsToHearItsCoHoldersBeforeRecruitingOthers) {
  SubmitToA(10);
  directory_.Remove(kA);  // B has not heard A's offer yet
  auto hold_requests = [](const Actions& actions) {
    return std::count_if(actions.messages.begin(), actions.messages.end(),
                         [](const Outgoing& out) { return std::holds_alternative<HoldRequest>(out.message.body); });
  };
  EXPECT_EQ(hold_requests(On(kB, [&](Holder& h) { return h.Tick(now_); })), 0);
  now_ += kRecruitInterval;
  EXPECT_EQ(hold_requests(On(kB, [&](Holder& h) { return h.Tick(now_); })), 1) << "A silent that long is gone";
}

TEST_F(HolderReplicationTest, HoldersOfAnOpenProjectKnowWhereTheOthersAre) {
  ProjectId project = SubmitToA(1);
  EXPECT_EQ(holders_[kA]->CoHolderEndpoints(), std::vector<std::string>{Endpoint(kB)});
  EXPECT_EQ(holders_[kB]->CoHolderEndpoints(), std::vector<std::string>{Endpoint(kA)});
  for (uint8_t v = 1; v <= 2; ++v) {
    Exchange(On(kA, [&](Holder& h) {
               return h.OnMessage({TestPeer(v), "", {TestPeer(v), 1, ClaimOf(TestPeer(v), {project, 0}, 0)}}, now_);
             }),
             kA);
  }
  EXPECT_TRUE(holders_[kA]->CoHolderEndpoints().empty()) << "a finished project needs no more replication";
}

TEST_F(HolderReplicationTest, SurvivingHolderTakesOverTheShareOfALostOne) {
  SubmitToA(100);
  directory_.Remove(kB);
  Exchange(On(kA, [&](Holder& h) { return h.Tick(now_); }), kA);
  Actions a = On(kA, [&](Holder& h) { return h.OnMessage({TestPeer(1), "", {TestPeer(1), 1, WorkRequest{64}}}, now_); });
  EXPECT_EQ(std::get<LeaseGrant>(a.messages.at(0).message.body).leases.size(), 64u);
}

}  // namespace
}  // namespace potluck
