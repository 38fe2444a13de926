// Durable state of a holder: projects, claims with their result bytes, leases.
#pragma once

#include <functional>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/base/time.h"
#include "potluck/core/ids.h"

namespace potluck {

// Writes are grouped: the runtime calls Begin(), lets the core write, and sends the core's
// messages only after Commit() succeeded, so nothing is acknowledged before it is durable.
// A failed write is sticky: Commit() reports it and the runtime stops rather than guess.
// Not thread-safe: one event loop owns it.
class LedgerStore {
 public:
  struct ProjectRow {
    ProjectId id;
    Bytes manifest;
    TimePoint submitted;
  };
  struct ClaimRow {
    UnitKey unit;
    PeerId peer;
    ResultHash hash;
  };
  struct LeaseRow {
    UnitKey unit;
    PeerId peer;
    TimePoint deadline;
  };
  struct Snapshot {
    std::vector<ProjectRow> projects;
    std::vector<ClaimRow> claims;
    std::vector<LeaseRow> leases;
  };

  virtual ~LedgerStore() = default;
  virtual Result<Snapshot> Load() = 0;
  virtual void Begin() = 0;
  virtual Status Commit() = 0;

  virtual void PutProject(const ProjectRow& project) = 0;
  // Keeps `result` once per (unit, hash): agreeing replicas share it.
  virtual void PutClaim(const ClaimRow& claim, const Bytes& result) = 0;
  virtual void PutLease(const LeaseRow& lease) = 0;
  virtual void DropLease(const UnitKey& unit, const PeerId& peer) = 0;

  // Calls `fn` with every stored result of `project`, in unit order.
  virtual Status ScanResults(const ProjectId& project,
                             const std::function<void(uint64_t index, const ResultHash&, const Bytes&)>& fn) = 0;
};

}  // namespace potluck
