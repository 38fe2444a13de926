// A volunteer's writes, held back until Write(). With short units most of what a volunteer
// writes is undone a moment later: a lease is dropped once its unit is computed, a result once
// a holder acknowledges it, and a unit's credit is put, then marked verified. Held back, a
// write and its undoing cancel out, and what remains goes to the store in one batch.
//
// What a crash takes back is only what was held: the volunteer calls Write() often enough (see
// kWriteBehind and kHeldWorkMax in volunteer.h) that this stays a small amount of work, which
// the grid computes again; a unit's checkpoint writes its lease at once, so a resumed unit
// still finds both.
#pragma once

#include <map>
#include <set>

#include "potluck/core/volunteer_store.h"

namespace potluck {

class DeferredVolunteerStore final : public VolunteerStore {
 public:
  // REQUIRES: `store` outlives this.
  explicit DeferredVolunteerStore(VolunteerStore& store) : store_(store) {}

  // Passes every held write on to the store.
  void Write();

  Result<Snapshot> LoadVolunteer() override { return store_.LoadVolunteer(); }
  void PutManifest(const ProjectId& id, const Bytes& manifest) override { store_.PutManifest(id, manifest); }
  void PutLease(const LeaseRow& lease) override;
  void DropLease(const UnitKey& unit) override;
  void PutCheckpoint(const UnitKey& unit, const Bytes& state) override;
  Result<Bytes> LoadCheckpoint(const UnitKey& unit) override { return store_.LoadCheckpoint(unit); }
  void PutOutbox(const OutboxRow& row) override { outbox_[row.unit] = row; }
  void DropOutbox(const UnitKey& unit) override;
  void PutCredit(const CreditRow& row) override { credit_[row.unit] = row; }
  void MarkCreditVerified(const UnitKey& unit, double cpu_seconds) override;
  void AddVerifiedCredit(uint64_t units, double cpu_seconds) override;
  bool CreditVerified(const UnitKey& unit) override;
  void DropCredit(const UnitKey& unit) override;
  void DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) override;

 private:
  VolunteerStore& store_;
  // Held writes. A unit's lease and its result are each put once per computation, so one held
  // here is not in the store too and dropping it is the end of it.
  std::map<UnitKey, LeaseRow> leases_;
  std::map<UnitKey, OutboxRow> outbox_;
  std::map<UnitKey, CreditRow> credit_;
  // Written leases to drop with the next batch: a lease's checkpoint is the unit's work so far,
  // and goes only together with the result that replaces it.
  std::set<UnitKey> dropped_leases_;
  uint64_t verified_units_ = 0;
  double verified_cpu_seconds_ = 0;
};

}  // namespace potluck
