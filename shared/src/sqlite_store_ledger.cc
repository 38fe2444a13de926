#include "potluck/store/sqlite_store.h"

#include <cstdint>

namespace potluck {

using internal::IdColumn;
using internal::IdSpan;

Result<LedgerStore::Snapshot> SqliteStore::LoadLedger() {
  LedgerStore::Snapshot snap;
  auto projects = db_->Prepare("SELECT id, manifest, submitted_unix_ms, cancelled FROM projects");
  while (projects->Step()) {
    auto id = IdColumn<ProjectId>(*projects, 0);
    if (!id.ok()) return id.status();
    snap.projects.push_back({id.value(), projects->Blob(1), FromUnixMs(projects->Int(2)), projects->Int(3) != 0});
  }
  if (!projects->status().ok()) return projects->status();

  if (Status s = LoadClaims(snap.claims); !s.ok()) return s;

  auto leases = db_->Prepare("SELECT project, unit, peer, deadline_unix_ms FROM leases");
  while (leases->Step()) {
    auto project = IdColumn<ProjectId>(*leases, 0);
    auto peer = IdColumn<PeerId>(*leases, 2);
    if (!project.ok() || !peer.ok()) return Corrupt("a stored lease is damaged");
    snap.leases.push_back(
        {{project.value(), static_cast<uint64_t>(leases->Int(1))}, peer.value(), FromUnixMs(leases->Int(3))});
  }
  if (!leases->status().ok()) return leases->status();
  return snap;
}

void SqliteStore::PutProject(const ProjectRow& p) {
  Write(*put_project_, IdSpan(p.id), std::span<const uint8_t>(p.manifest), ToUnixMs(p.submitted),
        int64_t{p.cancelled});
}

void SqliteStore::PutCancelled(const ProjectId& project) { Write(*put_cancelled_, IdSpan(project)); }

void SqliteStore::PutLease(const LedgerStore::LeaseRow& l) {
  Write(*put_ledger_lease_, IdSpan(l.unit.project), static_cast<int64_t>(l.unit.index), IdSpan(l.peer),
        ToUnixMs(l.deadline));
}

void SqliteStore::DropLease(const UnitKey& unit, const PeerId& peer) {
  Write(*drop_ledger_lease_, IdSpan(unit.project), static_cast<int64_t>(unit.index), IdSpan(peer));
}

}  // namespace potluck
