#include "potluck/core/volunteer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <set>

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

const PeerId kSelf = TestPeer(1), kHolder = TestPeer(0xA0), kOtherHolder = TestPeer(0xB0), kIdle = TestPeer(2);
const std::string kHolderEndpoint = "tcp://holder", kOtherEndpoint = "tcp://other", kIdleEndpoint = "tcp://idle";

class VolunteerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = std::move(SqliteStore::Open(":memory:").value());
    manifest_ = testing::SquareManifest(10);
    project_ = OpenManifest(manifest_)->id;
    Announce(kHolder, kHolderEndpoint, {project_}, {});
  }

  void Announce(const PeerId& id, const std::string& endpoint, std::vector<ProjectId> holds, std::vector<UnitKey> leases,
                uint32_t free_slots = 0) {
    Offer o;
    o.peer = id;
    o.endpoint = endpoint;
    o.workloads = {{"square", 1}};
    o.holds = std::move(holds);
    o.leases = std::move(leases);
    o.free_slots = free_slots;
    directory_.Put(o);
  }

  std::unique_ptr<Volunteer> Make(uint32_t queue_max = 2) {
    VolunteerConfig config;
    config.queue_max = queue_max;
    auto v = std::make_unique<Volunteer>(testing::TestIdentity(1), config, *store_, directory_);
    EXPECT_TRUE(v->Load(now_).ok());
    return v;
  }

  template <typename F>
  Actions Step(F&& f) {
    store_->Begin();
    Actions a = f();
    EXPECT_TRUE(store_->Commit().ok());
    return a;
  }

  Actions Grant(Volunteer& v, std::vector<uint64_t> units, Duration deadline = 10min) {
    LeaseGrant g;
    for (uint64_t i : units) g.leases.push_back({{project_, i}, ToUnixMs(now_ + deadline)});
    g.manifests = {manifest_};
    return Step([&] { return v.OnMessage({kHolder, kHolderEndpoint, Envelope{kHolder, 1, g}}, now_); });
  }

  template <typename T>
  static std::vector<const Outgoing*> Sent(const Actions& a) {
    std::vector<const Outgoing*> out;
    for (const auto& m : a.messages) {
      if (std::holds_alternative<T>(m.message.body)) out.push_back(&m);
    }
    return out;
  }

  FakeDirectory directory_;
  std::unique_ptr<SqliteStore> store_;
  Bytes manifest_;
  ProjectId project_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(VolunteerTest, AsksAHolderThatShowsWorkAndStartsWhatItGets) {
  auto v = Make();
  Actions start = Step([&] { return v->Start(now_); });
  auto requests = Sent<WorkRequest>(start);
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0]->to.endpoint, kHolderEndpoint);
  Actions granted = Grant(*v, {3, 4});
  ASSERT_EQ(granted.tasks.size(), 1u);
  EXPECT_EQ(granted.tasks[0].unit.index, 3u);
  EXPECT_EQ(v->leases_held(), 2u);
}

TEST_F(VolunteerTest, AHolderWithNoWorkIsAskedLessOftenUntilItHasSome) {
  auto v = Make();
  ASSERT_EQ(Sent<WorkRequest>(Step([&] { return v->Start(now_); })).size(), 1u);
  // The seconds after each empty grant before the holder is asked again: they double, to 16.
  for (int wait : {2, 4, 8, 16, 16}) {
    Grant(*v, {});
    EXPECT_EQ(v->NextDue(now_), now_ + std::chrono::seconds(wait));
    now_ += std::chrono::seconds(wait) - 1ms;
    EXPECT_TRUE(Sent<WorkRequest>(Step([&] { return v->Tick(now_); })).empty()) << "asked before " << wait << " s";
    now_ += 1ms;
    EXPECT_EQ(Sent<WorkRequest>(Step([&] { return v->Tick(now_); })).size(), 1u) << "not asked at " << wait << " s";
  }
  // Work from it starts the count again.
  Grant(*v, {3, 4});
  now_ += 2s;
  Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), 0, now_); });
  Step([&] { return v->OnTaskDone({project_, 4}, SquareWorkload::Encode(16), 0, now_); });
  Grant(*v, {});
  now_ += 2s;
  EXPECT_EQ(Sent<WorkRequest>(Step([&] { return v->Tick(now_); })).size(), 1u);
}

TEST_F(VolunteerTest, SaysWhenItsTimersAreNextDue) {
  auto v = Make();
  EXPECT_EQ(v->NextDue(now_), now_) << "a holder shows work and nothing was asked yet";
  Step([&] { return v->Start(now_); });
  EXPECT_EQ(v->NextDue(now_), now_ + VolunteerConfig{}.request_retry) << "asked: due to ask again";
  Grant(*v, {3, 4}, 10min);
  EXPECT_EQ(v->NextDue(now_), now_ + 10min) << "its queue full: due when the waiting lease expires";
  // A short unit's claim waits for others to go with it, at most kClaimWaitMax.
  now_ += 10ms;
  Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), 0, now_); });
  EXPECT_EQ(v->NextDue(now_ + 1ms), now_ + kClaimWaitMax);
  now_ += kClaimWaitMax;
  ASSERT_EQ(Sent<ClaimBatch>(Step([&] { return v->Tick(now_); })).size(), 1u);
}

TEST_F(VolunteerTest, ResultsSurviveARestartUntilAcknowledged) {
  {
    auto v = Make();
    Step([&] { return v->Start(now_); });
    Grant(*v, {3});
    now_ += 1s;  // a unit of a second: its claim goes out, and is written, at once
    Actions done = Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), 1.0, now_); });
    ASSERT_EQ(Sent<ClaimBatch>(done).size(), 1u);
  }  // crashed before the acknowledgement
  auto v = Make();
  EXPECT_EQ(v->outbox_size(), 1u);
  Actions start = Step([&] { return v->Start(now_); });
  auto claims = Sent<ClaimBatch>(start);
  ASSERT_EQ(claims.size(), 1u);
  Step([&] { return v->OnMessage({kHolder, kHolderEndpoint, Envelope{kHolder, 2, ClaimAck{{{project_, 3}}}}}, now_); });
  EXPECT_EQ(v->outbox_size(), 0u);
  EXPECT_EQ(Make()->outbox_size(), 0u);
}

// Short units' leases, results and credit wait in memory until they carry kHeldWorkMax of work
// or kWriteBehind has passed; a crash before then costs the grid only that work.
TEST_F(VolunteerTest, ShortUnitsAreWrittenOnceTheyCarryEnoughWork) {
  // Each unit takes two fifths of kHeldWorkMax: the third brings the work held over it.
  const double cpu_seconds = std::chrono::duration<double>(kHeldWorkMax).count() * 2 / 5;
  {
    auto v = Make();
    Step([&] { return v->Start(now_); });
    Grant(*v, {1, 2, 3, 4});
    for (uint64_t i = 1; i <= 2; ++i) {
      Step([&] { return v->OnTaskDone({project_, i}, SquareWorkload::Encode(i * i), cpu_seconds, now_); });
    }
    auto held = store_->LoadVolunteer().value();
    EXPECT_TRUE(held.leases.empty());
    EXPECT_TRUE(held.outbox.empty());
    EXPECT_TRUE(held.credit.empty());
    Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), cpu_seconds, now_); });
    auto written = store_->LoadVolunteer().value();
    EXPECT_EQ(written.leases.size(), 1u);  // unit 4's, still to compute
    EXPECT_EQ(written.outbox.size(), 3u);
    EXPECT_EQ(written.credit.size(), 3u);
  }  // crashed
  auto v = Make();
  EXPECT_EQ(v->outbox_size(), 3u);
  EXPECT_EQ(v->leases_held(), 1u);
}

TEST_F(VolunteerTest, WhatShortUnitsLeaveIsWrittenAfterAWhileOrLostInACrash) {
  {
    auto v = Make();
    Step([&] { return v->Start(now_); });
    Grant(*v, {1, 2});
    Step([&] { return v->OnTaskDone({project_, 1}, SquareWorkload::Encode(1), 0.001, now_); });
  }  // crashed: the unit and both leases are the grid's to hand out again
  {
    auto v = Make();
    EXPECT_EQ(v->outbox_size(), 0u);
    EXPECT_EQ(v->leases_held(), 0u);
    Step([&] { return v->Start(now_); });
    Grant(*v, {1, 2});
    Step([&] { return v->OnTaskDone({project_, 1}, SquareWorkload::Encode(1), 0.001, now_); });
    now_ += kWriteBehind;
    Step([&] { return v->Tick(now_); });
  }  // crashed after the write
  auto v = Make();
  EXPECT_EQ(v->outbox_size(), 1u);
  EXPECT_EQ(v->leases_held(), 1u);
}

TEST_F(VolunteerTest, ClaimsWithLargeResultsGoInBatchesThatFitAFrame) {
  constexpr uint64_t kUnits = 40;  // 40 MB of results: more than two frames' worth
  manifest_ = testing::SquareManifest(kUnits);
  project_ = OpenManifest(manifest_)->id;
  Announce(kHolder, kHolderEndpoint, {project_}, {});
  {
    auto v = Make(kUnits);
    Step([&] { return v->Start(now_); });
    std::vector<uint64_t> units(kUnits);
    std::iota(units.begin(), units.end(), 0);
    Grant(*v, units);
    for (uint64_t i = 0; i < kUnits; ++i) {
      Step([&] { return v->OnTaskDone({project_, i}, Bytes(kResultBytesMax, static_cast<uint8_t>(i)), 0, now_); });
    }
    Step([&] {
      v->WriteHeld(now_);
      return Actions{};
    });
  }  // stopped before any acknowledgement: every claim goes again at the start
  auto v = Make(kUnits);
  std::set<uint64_t> sent;
  Actions actions = Step([&] { return v->Start(now_); });
  for (int retry = 0; retry < 10 && sent.size() < kUnits; ++retry) {
    for (const Outgoing* out : Sent<ClaimBatch>(actions)) {
      EXPECT_LE(EncodeEnvelope(out->message).size(), kFrameBytesMax) << "a batch too large to send";
      for (const Claim& claim : std::get<ClaimBatch>(out->message.body).claims) sent.insert(claim.unit.index);
    }
    now_ += VolunteerConfig{}.claim_retry;
    actions = Step([&] { return v->Tick(now_); });
  }
  EXPECT_EQ(sent.size(), kUnits);
}

TEST_F(VolunteerTest, AUnitRestartedAfterACrashGetsItsCheckpointBack) {
  const UnitKey unit{project_, 3};
  {
    auto v = Make();
    Step([&] { return v->Start(now_); });
    ASSERT_EQ(Grant(*v, {3}).tasks.size(), 1u);
    Step([&] {
      v->OnCheckpoint(unit, Bytes{1, 2});
      v->OnCheckpoint(unit, Bytes{1, 2, 3});  // the latest wins
      v->OnCheckpoint({project_, 4}, Bytes{9});  // not running: ignored
      return Actions{};
    });
  }  // crashed mid-unit
  auto v = Make();
  Actions start = Step([&] { return v->Start(now_); });
  ASSERT_EQ(start.tasks.size(), 1u);
  EXPECT_EQ(start.tasks[0].checkpoint, (Bytes{1, 2, 3}));
  EXPECT_EQ(store_->LoadCheckpoint({project_, 4}).value(), Bytes{});
  // Done after a short last stretch: lease and checkpoint stay until the result is written, so
  // a crash meanwhile resumes the unit from its checkpoint rather than losing all of it.
  Step([&] { return v->OnTaskDone(unit, SquareWorkload::Encode(9), 0.001, now_); });
  EXPECT_EQ(store_->LoadCheckpoint(unit).value(), (Bytes{1, 2, 3}));
  EXPECT_EQ(Make()->leases_held(), 1u);
  now_ += kWriteBehind;
  Step([&] { return v->Tick(now_); });
  EXPECT_EQ(store_->LoadCheckpoint(unit).value(), Bytes{});
  EXPECT_EQ(Make()->outbox_size(), 1u);
}

TEST_F(VolunteerTest, ResultsGoToAnotherHolderWhenTheirsIsGone) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Grant(*v, {3});
  directory_.Remove(kHolder);
  Announce(kOtherHolder, kOtherEndpoint, {project_}, {});
  now_ += 1s;
  Actions done = Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), 0, now_); });
  auto claims = Sent<ClaimBatch>(done);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0]->to.endpoint, kOtherEndpoint);
}

TEST_F(VolunteerTest, WaitingLeaseThatWouldMissItsDeadlineGoesToAnIdlePeer) {
  auto v = Make(/*queue_max=*/3);
  Step([&] { return v->Start(now_); });
  Grant(*v, {0}, 1h);
  now_ += 6s;  // one unit takes 6 s here
  Step([&] { return v->OnTaskDone({project_, 0}, SquareWorkload::Encode(0), 0, now_); });
  Grant(*v, {1, 2, 3}, 14s);  // 1 runs now; 2 would end at 12 s, 3 at 18 s: too late
  Announce(kIdle, kIdleEndpoint, {}, {}, 2);
  Actions tick = Step([&] { return v->Tick(now_); });
  auto handoffs = Sent<LeaseHandoff>(tick);
  ASSERT_EQ(handoffs.size(), 1u);
  EXPECT_EQ(handoffs[0]->to.endpoint, kIdleEndpoint);
  const auto& handoff = std::get<LeaseHandoff>(handoffs[0]->message.body);
  EXPECT_EQ(handoff.unit.index, 3u);
  auto moved = Sent<LeaseMoved>(tick);
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0]->to.endpoint, kHolderEndpoint);
  EXPECT_EQ(v->leases_held(), 2u);
  EXPECT_EQ(v->leases_handed_off(), 1u);

  // The idle peer takes it and starts it.
  VolunteerConfig config;
  auto other_store = std::move(SqliteStore::Open(":memory:").value());
  Volunteer idle(testing::TestIdentity(2), config, *other_store, directory_);
  other_store->Begin();
  Actions taken = idle.OnMessage({kSelf, "", handoffs[0]->message}, now_);
  ASSERT_TRUE(other_store->Commit().ok());
  ASSERT_EQ(taken.tasks.size(), 1u);
  EXPECT_EQ(taken.tasks[0].unit.index, 3u);
}

TEST_F(VolunteerTest, LeaseNotPassedOnWithoutAnIdlePeer) {
  auto v = Make(/*queue_max=*/3);
  Step([&] { return v->Start(now_); });
  Grant(*v, {0}, 1h);
  now_ += 6s;
  Step([&] { return v->OnTaskDone({project_, 0}, SquareWorkload::Encode(0), 0, now_); });
  Grant(*v, {1, 2, 3}, 14s);
  Announce(kIdle, kIdleEndpoint, {}, {{project_, 9}}, 1);  // busy
  EXPECT_TRUE(Sent<LeaseHandoff>(Step([&] { return v->Tick(now_); })).empty());
  EXPECT_EQ(v->leases_held(), 3u);
}

TEST_F(VolunteerTest, NotTakingWorkAsksForNoneYetFinishesWhatItHolds) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Grant(*v, {3, 4});
  v->set_accepting_work(false);
  Offer offer;
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 0u);
  EXPECT_EQ(offer.leases.size(), 2u);
  // Both held units still run and their results go out; no request for more follows.
  Actions first = Step([&] { return v->OnTaskDone({project_, 3}, SquareWorkload::Encode(9), 1, now_); });
  ASSERT_EQ(first.tasks.size(), 1u);
  auto sent = Sent<ClaimBatch>(Step([&] { return v->OnTaskDone({project_, 4}, SquareWorkload::Encode(16), 1, now_); }));
  ASSERT_EQ(sent.size(), 1u) << "nothing left to compute: the claims go at once";
  EXPECT_EQ(std::get<ClaimBatch>(sent[0]->message.body).claims.size(), 2u);
  now_ += 1min;
  EXPECT_TRUE(Sent<WorkRequest>(Step([&] { return v->Tick(now_); })).empty());
  // Leases pushed to it anyway are not taken.
  EXPECT_TRUE(Grant(*v, {5}).tasks.empty());
  EXPECT_EQ(v->leases_held(), 0u);

  v->set_accepting_work(true);
  EXPECT_EQ(Sent<WorkRequest>(Step([&] { return v->Tick(now_); })).size(), 1u);
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 2u) << "holding nothing: the configured queue";
}

TEST_F(VolunteerTest, LongUnitsKeepTheConfiguredQueue) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  ASSERT_EQ(Grant(*v, {0, 1}).tasks.size(), 1u);
  now_ += 1s;
  Actions done = Step([&] { return v->OnTaskDone({project_, 0}, Bytes{1}, 1.0, now_); });
  ASSERT_EQ(done.tasks.size(), 1u);
  Offer offer;
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 1u) << "one second per unit: two leases, as configured";
}

TEST_F(VolunteerTest, ShortUnitsDeepenTheQueueAndStartSeveralKernelsAtOnce) {
  auto v = Make(/*queue_max=*/3);
  Step([&] { return v->Start(now_); });
  ASSERT_EQ(Grant(*v, {0, 1, 2}).tasks.size(), 1u) << "how long units take is unknown yet: one at a time";
  Actions done = Step([&] { return v->OnTaskDone({project_, 0}, Bytes{1}, 0.0, now_); });
  EXPECT_EQ(done.tasks.size(), 2u) << "the rest start together";
  Offer offer;
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, kLeasesHeldMax - 2) << "units that take no time: a full queue";
  Step([&] { return v->OnTaskDone({project_, 1}, Bytes{1}, 0.0, now_); });
  Step([&] { return v->OnTaskDone({project_, 2}, Bytes{1}, 0.0, now_); });
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 3u) << "holding nothing, the next units may be another project's: the configured queue";

  Actions many = Grant(*v, {3, 4, 5, 6, 7, 8, 9, 10});
  EXPECT_EQ(many.tasks.size(), 8u) << "several kernels handed to the runner at once";
  Actions claims;
  for (size_t i = 0; i + 1 < many.tasks.size(); ++i) {
    claims.Append(Step([&] { return v->OnTaskDone(many.tasks[i].unit, Bytes{1}, 0.0, now_); }));
  }
  EXPECT_TRUE(Sent<ClaimBatch>(claims).empty()) << "claims of units that took no time wait for more";
  now_ += kClaimWaitMax - 1ms;
  EXPECT_TRUE(Sent<ClaimBatch>(Step([&] { return v->Tick(now_); })).empty());
  now_ += 1ms;
  claims = Step([&] { return v->Tick(now_); });
  ASSERT_EQ(Sent<ClaimBatch>(claims).size(), 1u) << "claims that waited long enough go together";
  EXPECT_EQ(std::get<ClaimBatch>(Sent<ClaimBatch>(claims)[0]->message.body).claims.size(), 7u) << "the seven done while the eighth runs";
  claims = Step([&] { return v->OnTaskDone(many.tasks.back().unit, Bytes{1}, 0.0, now_); });
  ASSERT_EQ(Sent<ClaimBatch>(claims).size(), 1u) << "the last unit's claim has nothing to wait for";
}

TEST_F(VolunteerTest, UnitsOfAProjectNotYetTimedHereAreAskedForFewAtATime) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Grant(*v, {0, 1});
  Step([&] { return v->OnTaskDone({project_, 0}, Bytes{1}, 0.0, now_); });
  Offer offer;
  v->FillOffer(offer);
  ASSERT_EQ(offer.free_slots, kLeasesHeldMax - 1) << "units that take no time: a full queue";

  // A second project's first units may each take an hour: no more are asked for, and they
  // start one at a time, until one of them has finished here.
  const Bytes slow_manifest = testing::SquareManifest(20);
  const ProjectId slow = OpenManifest(slow_manifest)->id;
  LeaseGrant g;
  for (uint64_t i : {0, 1}) g.leases.push_back({{slow, i}, ToUnixMs(now_ + 10h)});
  g.manifests = {slow_manifest};
  Step([&] { return v->OnMessage({kHolder, kHolderEndpoint, Envelope{kHolder, 2, g}}, now_); });
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 0u) << "three held, two wanted";
  now_ += 1ms;
  Actions done = Step([&] { return v->OnTaskDone({project_, 1}, Bytes{1}, 0.0, now_); });
  ASSERT_EQ(done.tasks.size(), 1u);
  EXPECT_EQ(done.tasks[0].unit, (UnitKey{slow, 0}));
  now_ += 1h;
  done = Step([&] { return v->OnTaskDone({slow, 0}, Bytes{1}, 0.0, now_); });
  ASSERT_EQ(done.tasks.size(), 1u);
  v->FillOffer(offer);
  EXPECT_EQ(offer.free_slots, 1u) << "an hour a unit: the configured queue of two";
}

class VolunteerCreditTest : public VolunteerTest {
 protected:
  // Leases, computes and claims unit `index` after `cpu_seconds` of CPU.
  void Compute(Volunteer& v, uint64_t index, double cpu_seconds) {
    Grant(v, {index});
    Step([&] { return v.OnTaskDone({project_, index}, SquareWorkload::Encode(index * index), cpu_seconds, now_); });
  }

  void Notify(Volunteer& v, const PeerId& from, std::vector<uint64_t> units, uint64_t value_offset = 0) {
    VerifiedNotice notice;
    for (uint64_t i : units) {
      notice.items.push_back({{project_, i}, ResultHash{Blake2b256(SquareWorkload::Encode(i * i + value_offset))}});
    }
    // Holders dial the volunteer: the notice arrives on no link of ours.
    Step([&] { return v.OnMessage({from, "", Envelope{from, 0, notice}}, now_); });
  }
};

TEST_F(VolunteerCreditTest, AUnitCountsOnceWhateverHowManyHoldersSayItVerified) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Compute(*v, 3, 2.5);
  Compute(*v, 4, 1.0);
  EXPECT_EQ(v->credit().units_pending, 2u);
  Notify(*v, kHolder, {3});
  Announce(kOtherHolder, kOtherEndpoint, {project_}, {});
  Notify(*v, kOtherHolder, {3});
  Notify(*v, kHolder, {3});
  Credit credit = v->credit();
  EXPECT_EQ(credit.units_verified, 1u);
  EXPECT_DOUBLE_EQ(credit.cpu_seconds_verified, 2.5);
  EXPECT_EQ(credit.units_pending, 1u);
}

TEST_F(VolunteerCreditTest, AUnitAlreadyClaimedHereIsNotComputedAgain) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Compute(*v, 3, 2.5);
  Step([&] { return v->OnMessage({kHolder, kHolderEndpoint, Envelope{kHolder, 2, ClaimAck{{{project_, 3}}}}}, now_); });
  Notify(*v, kHolder, {3});
  ASSERT_EQ(v->outbox_size(), 0u);
  // A holder that has not merged that claim yet leases the unit to us again.
  Announce(kOtherHolder, kOtherEndpoint, {project_}, {});
  EXPECT_TRUE(Grant(*v, {3}).tasks.empty());
  EXPECT_EQ(v->leases_held(), 0u);
  EXPECT_EQ(Grant(*v, {4}).tasks.size(), 1u);  // other units still run
}

TEST_F(VolunteerCreditTest, NoticesFromNonHoldersOrForOtherResultsCountNothing) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Compute(*v, 3, 2.5);
  Announce(kIdle, kIdleEndpoint, {}, {});  // a peer that holds nothing
  Notify(*v, kIdle, {3});
  Notify(*v, TestPeer(0x77), {3});          // a peer we know nothing of
  Notify(*v, kHolder, {3}, /*value_offset=*/1);  // verified, but not with our result
  Notify(*v, kHolder, {5, 6});              // units we never computed
  EXPECT_EQ(v->credit().units_verified, 0u);
  EXPECT_EQ(v->credit().units_pending, 1u);
  Notify(*v, kHolder, {3});
  EXPECT_EQ(v->credit().units_verified, 1u);
}

TEST_F(VolunteerCreditTest, AHolderStaysBelievedAfterItsOfferDropsTheFinishedProject) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Compute(*v, 3, 1.0);
  Compute(*v, 4, 1.0);
  Announce(kOtherHolder, kOtherEndpoint, {project_}, {});
  v->OnOffer(*directory_.OfferOf(kOtherHolder));
  // The project is complete: neither holder's offer lists it any more.
  Announce(kOtherHolder, kOtherEndpoint, {}, {});
  Announce(kHolder, kHolderEndpoint, {}, {});
  Notify(*v, kOtherHolder, {3});
  Notify(*v, kHolder, {4});  // it granted us leases of the project
  EXPECT_EQ(v->credit().units_verified, 2u);
}

TEST_F(VolunteerCreditTest, CreditSurvivesARestart) {
  {
    auto v = Make();
    Step([&] { return v->Start(now_); });
    Compute(*v, 3, 2.0);
    Compute(*v, 4, 3.0);
    Compute(*v, 5, 4.0);
    Notify(*v, kHolder, {3, 4});
    Step([&] {
      v->WriteHeld(now_);  // as the node stops
      return Actions{};
    });
  }
  auto v = Make();
  Credit credit = v->credit();
  EXPECT_EQ(credit.units_verified, 2u);
  EXPECT_DOUBLE_EQ(credit.cpu_seconds_verified, 5.0);
  EXPECT_EQ(credit.units_pending, 1u);
  Notify(*v, kHolder, {4, 5});  // 4 again after the restart: still once
  EXPECT_EQ(v->credit().units_verified, 3u);
  EXPECT_DOUBLE_EQ(v->credit().cpu_seconds_verified, 9.0);
}

TEST_F(VolunteerCreditTest, UnitsNeverVerifiedAreForgottenAfterAMonth) {
  auto v = Make();
  Step([&] { return v->Start(now_); });
  Compute(*v, 3, 1.0);
  Compute(*v, 4, std::nan(""));  // a broken CPU figure counts as none
  Notify(*v, kHolder, {4});
  EXPECT_DOUBLE_EQ(v->credit().cpu_seconds_verified, 0.0);
  now_ += kPendingCreditTtl + 1h;
  Step([&] { return v->Tick(now_); });
  EXPECT_EQ(v->credit().units_pending, 0u);
  EXPECT_EQ(v->credit().units_verified, 1u);
  EXPECT_EQ(Make()->credit().units_pending, 0u);
}

}  // namespace
}  // namespace potluck
