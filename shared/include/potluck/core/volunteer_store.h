// Durable state of a volunteer: the leases it holds, the manifests they need, the latest
// kernel checkpoint of a unit being computed, and the outbox of computed results not yet
// acknowledged by their holder.
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
    Signature signature{};
  };
  struct Snapshot {
    std::vector<Bytes> manifests;
    std::vector<LeaseRow> leases;
    std::vector<OutboxRow> outbox;
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
};

}  // namespace potluck
