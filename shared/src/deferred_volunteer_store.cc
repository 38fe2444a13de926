#include "potluck/core/deferred_volunteer_store.h"

namespace potluck {

void DeferredVolunteerStore::Write() {
  for (const UnitKey& unit : dropped_leases_) store_.DropLease(unit);
  for (const auto& [unit, lease] : leases_) store_.PutLease(lease);
  for (const auto& [unit, row] : outbox_) store_.PutOutbox(row);
  for (const auto& [unit, row] : credit_) store_.PutCredit(row);
  if (verified_units_ > 0) store_.AddVerifiedCredit(verified_units_, verified_cpu_seconds_);
  dropped_leases_.clear();
  leases_.clear();
  outbox_.clear();
  credit_.clear();
  verified_units_ = 0;
  verified_cpu_seconds_ = 0;
}

void DeferredVolunteerStore::PutLease(const LeaseRow& lease) {
  // Leased again before its old row went: that row goes now, with its checkpoint.
  if (dropped_leases_.erase(lease.unit) > 0) store_.DropLease(lease.unit);
  leases_[lease.unit] = lease;
}

void DeferredVolunteerStore::DropLease(const UnitKey& unit) {
  if (leases_.erase(unit) == 0) dropped_leases_.insert(unit);
}

void DeferredVolunteerStore::PutCheckpoint(const UnitKey& unit, const Bytes& state) {
  // A checkpoint is resumed only through its lease, so the lease goes first.
  if (auto lease = leases_.find(unit); lease != leases_.end()) {
    store_.PutLease(lease->second);
    leases_.erase(lease);
  }
  store_.PutCheckpoint(unit, state);
}

void DeferredVolunteerStore::DropOutbox(const UnitKey& unit) {
  if (outbox_.erase(unit) == 0) store_.DropOutbox(unit);
}

void DeferredVolunteerStore::MarkCreditVerified(const UnitKey& unit, double cpu_seconds) {
  auto row = credit_.find(unit);
  if (row == credit_.end()) {
    store_.MarkCreditVerified(unit, cpu_seconds);
    return;
  }
  row->second.verified = true;
  AddVerifiedCredit(1, cpu_seconds);
}

void DeferredVolunteerStore::AddVerifiedCredit(uint64_t units, double cpu_seconds) {
  verified_units_ += units;
  verified_cpu_seconds_ += cpu_seconds;
}

bool DeferredVolunteerStore::CreditVerified(const UnitKey& unit) {
  auto row = credit_.find(unit);
  return row != credit_.end() ? row->second.verified : store_.CreditVerified(unit);
}

void DeferredVolunteerStore::DropCredit(const UnitKey& unit) {
  // A row put again replaces one the store may hold already: both go.
  credit_.erase(unit);
  store_.DropCredit(unit);
}

void DeferredVolunteerStore::DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) {
  store_.DropVerifiedCredit(claimed_before, keep_max);
}

}  // namespace potluck
