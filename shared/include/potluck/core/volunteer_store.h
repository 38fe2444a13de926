// Durable state of a volunteer: the leases it holds, the manifests they need, the latest
// kernel checkpoint of a unit being computed, the outbox of computed results not yet
// acknowledged by their holder, and its credit: units claimed awaiting their verdict, and the
// totals of those verified.
#pragma once

#include <string>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/base/time.h"
#include "potluck/core/ids.h"
#include "potluck/crypto/signature.h"

namespace potluck {

// Writes happen inside the node's transaction (see Durable). Not thread-safe.
class VolunteerStore {
 public:
  struct LeaseRow {
    UnitKey unit;
    TimePoint deadline;
    std::string holder;  // endpoint of the holder that granted it
  };
  struct OutboxRow {
    UnitKey unit;
    ResultHash hash;
    Bytes result;
    std::string holder;
  };
  // A unit computed and claimed here, and whether a holder told us it verified our hash.
  struct CreditRow {
    UnitKey unit;
    ResultHash hash;          // what we claimed
    double cpu_seconds = 0;   // the kernel's CPU time
    TimePoint claimed;
    bool verified = false;
  };
  struct Snapshot {
    std::vector<Bytes> manifests;
    std::vector<LeaseRow> leases;
    std::vector<OutboxRow> outbox;
    std::vector<CreditRow> credit;  // the units claimed here that have not verified yet
    uint64_t units_verified = 0;
    double cpu_seconds_verified = 0;
  };

  virtual ~VolunteerStore() = default;
  virtual Result<Snapshot> LoadVolunteer() = 0;

  virtual void PutManifest(const ProjectId& id, const Bytes& manifest) = 0;
  virtual void PutLease(const LeaseRow& lease) = 0;
  // Drops the lease and the unit's checkpoint with it.
  virtual void DropLease(const UnitKey& unit) = 0;
  // Replaces the unit's checkpoint.
  virtual void PutCheckpoint(const UnitKey& unit, const Bytes& state) = 0;
  // The unit's checkpoint; empty if none.
  virtual Result<Bytes> LoadCheckpoint(const UnitKey& unit) = 0;
  virtual void PutOutbox(const OutboxRow& row) = 0;
  virtual void DropOutbox(const UnitKey& unit) = 0;
  // Replaces the unit's credit row.
  virtual void PutCredit(const CreditRow& row) = 0;
  // Marks the unit's row verified and adds one unit and `cpu_seconds` to the verified totals,
  // which outlive the row.
  virtual void MarkCreditVerified(const UnitKey& unit, double cpu_seconds) = 0;
  // Adds to the verified totals alone: for rows put already verified.
  virtual void AddVerifiedCredit(uint64_t units, double cpu_seconds) = 0;
  // Whether the unit's row is there and verified. Verified rows stay only in the store, so that
  // the volunteer's memory does not grow with the units it computed.
  virtual bool CreditVerified(const UnitKey& unit) = 0;
  virtual void DropCredit(const UnitKey& unit) = 0;
  // Drops the verified rows of units claimed before the first claim made at or after
  // `claimed_before` (in the order claims were put, so a clock set back keeps rows longer,
  // never shorter), and of those claimed before the `keep_max` latest claims put, verified or
  // not.
  virtual void DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) = 0;
};

}  // namespace potluck
