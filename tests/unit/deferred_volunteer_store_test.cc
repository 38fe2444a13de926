// What DeferredVolunteerStore holds back, and what reaches the store it wraps.
#include "potluck/core/deferred_volunteer_store.h"

#include <gtest/gtest.h>

#include "potluck/store/memory_store.h"

namespace potluck {
namespace {

const TimePoint kNow = FromUnixMs(1'700'000'000'000);

UnitKey Unit(uint64_t index) {
  ProjectId project;
  project.bytes.fill(7);
  return {project, index};
}

VolunteerStore::CreditRow Credit(uint64_t index) { return {Unit(index), ResultHash{}, 2.0, kNow, false}; }

class DeferredVolunteerStoreTest : public ::testing::Test {
 protected:
  VolunteerStore::Snapshot Stored() { return store_.LoadVolunteer().value(); }

  MemoryStore store_;
  DeferredVolunteerStore deferred_{store_};
};

TEST_F(DeferredVolunteerStoreTest, WritesUndoneBeforeWriteNeverReachTheStore) {
  deferred_.PutLease({Unit(1), kNow, "tcp://holder"});
  deferred_.PutLease({Unit(2), kNow, "tcp://holder"});
  deferred_.PutOutbox({Unit(1), ResultHash{}, {1}, "tcp://holder"});
  deferred_.DropLease(Unit(1));
  EXPECT_TRUE(Stored().leases.empty());
  EXPECT_TRUE(Stored().outbox.empty());
  deferred_.Write();
  ASSERT_EQ(Stored().leases.size(), 1u);
  EXPECT_EQ(Stored().leases[0].unit, Unit(2));
  EXPECT_EQ(Stored().outbox.size(), 1u);
  // Written ones are dropped from the store itself: a result at once, a lease with the next
  // batch.
  deferred_.DropLease(Unit(2));
  deferred_.DropOutbox(Unit(1));
  EXPECT_TRUE(Stored().outbox.empty());
  EXPECT_EQ(Stored().leases.size(), 1u);
  deferred_.Write();
  EXPECT_TRUE(Stored().leases.empty());
}

TEST_F(DeferredVolunteerStoreTest, ACheckpointWritesItsLeaseAtOnce) {
  deferred_.PutLease({Unit(1), kNow, "tcp://holder"});
  deferred_.PutCheckpoint(Unit(1), Bytes{1, 2});
  ASSERT_EQ(Stored().leases.size(), 1u);
  EXPECT_EQ(store_.LoadCheckpoint(Unit(1)).value(), (Bytes{1, 2}));
  // The unit is done: lease and checkpoint stay until its result is written with them.
  deferred_.DropLease(Unit(1));
  deferred_.PutOutbox({Unit(1), ResultHash{}, {1}, "tcp://holder"});
  EXPECT_EQ(Stored().leases.size(), 1u);
  EXPECT_EQ(store_.LoadCheckpoint(Unit(1)).value(), (Bytes{1, 2}));
  deferred_.Write();
  EXPECT_TRUE(Stored().leases.empty());
  EXPECT_EQ(store_.LoadCheckpoint(Unit(1)).value(), Bytes{});
  EXPECT_EQ(Stored().outbox.size(), 1u);
}

TEST_F(DeferredVolunteerStoreTest, CreditVerifiedWhileHeldReachesTheTotalsOnce) {
  deferred_.PutCredit(Credit(1));
  deferred_.PutCredit(Credit(2));
  deferred_.MarkCreditVerified(Unit(1), 2.0);
  EXPECT_TRUE(deferred_.CreditVerified(Unit(1)));
  EXPECT_FALSE(deferred_.CreditVerified(Unit(2)));
  EXPECT_EQ(Stored().units_verified, 0u);
  deferred_.Write();
  EXPECT_TRUE(store_.CreditVerified(Unit(1)));
  EXPECT_EQ(Stored().units_verified, 1u);
  EXPECT_DOUBLE_EQ(Stored().cpu_seconds_verified, 2.0);
  ASSERT_EQ(Stored().credit.size(), 1u);  // unit 2, still waiting for its verdict
  // A row written already is marked in the store.
  deferred_.MarkCreditVerified(Unit(2), 2.0);
  EXPECT_TRUE(store_.CreditVerified(Unit(2)));
  EXPECT_EQ(Stored().units_verified, 2u);
}

TEST_F(DeferredVolunteerStoreTest, DroppedCreditGoesFromMemoryAndStoreAlike) {
  deferred_.PutCredit(Credit(1));
  deferred_.Write();
  deferred_.PutCredit(Credit(1));  // claimed again
  deferred_.DropCredit(Unit(1));
  deferred_.Write();
  EXPECT_TRUE(Stored().credit.empty());
}

}  // namespace
}  // namespace potluck
