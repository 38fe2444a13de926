#include "potluck/store/sqlite_store.h"

namespace potluck {

using internal::IdColumn;
using internal::IdSpan;

Result<VolunteerStore::Snapshot> SqliteStore::LoadVolunteer() {
  VolunteerStore::Snapshot snap;
  auto manifests = db_->Prepare("SELECT manifest FROM manifests");
  while (manifests->Step()) snap.manifests.push_back(manifests->Blob(0));
  if (!manifests->status().ok()) return manifests->status();

  auto leases = db_->Prepare("SELECT project, unit, deadline_unix_ms, holder FROM held_leases ORDER BY project, unit");
  while (leases->Step()) {
    auto project = IdColumn<ProjectId>(*leases, 0);
    if (!project.ok()) return project.status();
    snap.leases.push_back(
        {{project.value(), static_cast<uint64_t>(leases->Int(1))}, FromUnixMs(leases->Int(2)), leases->Text(3)});
  }
  if (!leases->status().ok()) return leases->status();

  auto outbox = db_->Prepare("SELECT project, unit, hash, result, holder FROM outbox");
  while (outbox->Step()) {
    auto project = IdColumn<ProjectId>(*outbox, 0);
    auto hash = IdColumn<ResultHash>(*outbox, 2);
    if (!project.ok() || !hash.ok()) return Corrupt("a stored result is damaged");
    snap.outbox.push_back(
        {{project.value(), static_cast<uint64_t>(outbox->Int(1))}, hash.value(), outbox->Blob(3), outbox->Text(4)});
  }
  if (!outbox->status().ok()) return outbox->status();

  auto credit =
      db_->Prepare("SELECT project, unit, hash, cpu_seconds, claimed_unix_ms, verified FROM credit WHERE verified = 0");
  while (credit->Step()) {
    auto project = IdColumn<ProjectId>(*credit, 0);
    auto hash = IdColumn<ResultHash>(*credit, 2);
    if (!project.ok() || !hash.ok()) return Corrupt("a stored credit row is damaged");
    snap.credit.push_back({{project.value(), static_cast<uint64_t>(credit->Int(1))}, hash.value(), credit->Real(3),
                           FromUnixMs(credit->Int(4)), credit->Int(5) != 0});
  }
  if (!credit->status().ok()) return credit->status();

  auto verified = db_->Prepare("SELECT units, cpu_seconds FROM credit_verified");
  if (verified->Step()) {
    snap.units_verified = static_cast<uint64_t>(verified->Int(0));
    snap.cpu_seconds_verified = verified->Real(1);
  }
  if (!verified->status().ok()) return verified->status();
  return snap;
}

void SqliteStore::PutManifest(const ProjectId& id, const Bytes& manifest) {
  Write(*put_manifest_, IdSpan(id), std::span<const uint8_t>(manifest));
}

void SqliteStore::PutLease(const VolunteerStore::LeaseRow& l) {
  Write(*put_held_lease_, IdSpan(l.unit.project), static_cast<int64_t>(l.unit.index), ToUnixMs(l.deadline),
        std::string_view(l.holder));
}

void SqliteStore::DropLease(const UnitKey& unit) {
  Write(*drop_held_lease_, IdSpan(unit.project), static_cast<int64_t>(unit.index));
  if (checkpointed_.erase(unit) > 0) Write(*drop_checkpoint_, IdSpan(unit.project), static_cast<int64_t>(unit.index));
}

void SqliteStore::PutCheckpoint(const UnitKey& unit, const Bytes& state) {
  checkpointed_.insert(unit);
  Write(*put_checkpoint_, IdSpan(unit.project), static_cast<int64_t>(unit.index), std::span<const uint8_t>(state));
}

Result<Bytes> SqliteStore::LoadCheckpoint(const UnitKey& unit) {
  if (!checkpointed_.contains(unit)) return Bytes{};
  auto state = FirstRow(*load_checkpoint_, &Statement::Blob, IdSpan(unit.project), static_cast<int64_t>(unit.index));
  if (!state.ok()) return state.status();
  return state->value_or(Bytes{});
}

void SqliteStore::PutOutbox(const OutboxRow& r) {
  Write(*put_outbox_, IdSpan(r.unit.project), static_cast<int64_t>(r.unit.index), IdSpan(r.hash),
        std::span<const uint8_t>(r.result), std::string_view(r.holder));
}

void SqliteStore::DropOutbox(const UnitKey& unit) {
  Write(*drop_outbox_, IdSpan(unit.project), static_cast<int64_t>(unit.index));
}

void SqliteStore::PutCredit(const CreditRow& r) {
  Write(*put_credit_, IdSpan(r.unit.project), static_cast<int64_t>(r.unit.index), IdSpan(r.hash), r.cpu_seconds,
        ToUnixMs(r.claimed), int64_t{r.verified});
}

void SqliteStore::MarkCreditVerified(const UnitKey& unit, double cpu_seconds) {
  Write(*mark_credit_verified_, IdSpan(unit.project), static_cast<int64_t>(unit.index));
  AddVerifiedCredit(1, cpu_seconds);
}

void SqliteStore::AddVerifiedCredit(uint64_t units, double cpu_seconds) {
  Write(*add_verified_credit_, static_cast<int64_t>(units), cpu_seconds);
}

bool SqliteStore::CreditVerified(const UnitKey& unit) {
  auto row = FirstRow(*credit_verified_, &Statement::Int, IdSpan(unit.project), static_cast<int64_t>(unit.index));
  return row.ok() && row->has_value();
}

void SqliteStore::DropCredit(const UnitKey& unit) {
  Write(*drop_credit_, IdSpan(unit.project), static_cast<int64_t>(unit.index));
}

void SqliteStore::DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) {
  Write(*drop_verified_credit_, ToUnixMs(claimed_before), static_cast<int64_t>(keep_max));
}

}  // namespace potluck
