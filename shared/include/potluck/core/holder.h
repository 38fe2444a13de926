// The protocol core of a holder: a node that keeps projects' ledgers and leases their units
// to volunteers. Sans-IO: it takes messages and the time and returns messages to send; it
// writes durable state through a LedgerStore. Not thread-safe: one event loop drives it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <unordered_map>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/core/ledger_store.h"
#include "potluck/core/verdict.h"
#include "potluck/workload/workload.h"

namespace potluck {

struct HolderConfig {
  // A peer that sent nothing for this long is gone: its leases go to others.
  Duration peer_timeout = std::chrono::seconds(15);
  // Leases handed out per request, whatever the peer asks for.
  uint32_t leases_per_request_max = 64;
  // A lease the peer's offer does not list, this long after it was granted, never reached the
  // peer (the grant was lost, or one side crashed): it goes to others at once.
  Duration unconfirmed_lease_grace = std::chrono::seconds(5);
};

struct HolderCounters {
  uint64_t claims_accepted = 0;
  uint64_t claims_duplicate = 0;
  uint64_t claims_refused = 0;  // unknown project or unit, bad hash, oversized result
  uint64_t leases_granted = 0;
  uint64_t leases_expired = 0;
  uint64_t leases_unconfirmed = 0;
};

constexpr size_t kResultBytesMax = 1 << 20;

class Holder {
 public:
  // REQUIRES: `store` and `workloads` outlive the holder.
  Holder(PeerId self, HolderConfig config, LedgerStore& store, const WorkloadRegistry& workloads);

  // Rebuilds the ledgers from the store. Leases loaded count from `now` as if their peers
  // had just been heard from, so a restart does not hand their units out twice at once.
  Status Load(TimePoint now);

  Actions OnMessage(const Inbound& in, TimePoint now);
  Actions Tick(TimePoint now);

  // Validates and stores a project; returns its id. Used for SubmitProject messages too.
  Result<ProjectId> Submit(const Bytes& manifest, TimePoint now, Actions& actions);
  // Unit counts and throughput; with `with_result`, also the aggregated verified result.
  Result<ProjectStatus> Describe(const ProjectId& id, bool with_result, TimePoint now);

  const HolderCounters& counters() const { return counters_; }
  size_t peer_count() const { return peers_.size(); }

 private:
  struct ActiveLease {
    PeerId peer;
    TimePoint deadline;
    TimePoint granted;  // or when this holder loaded it
  };
  struct UnitLedger {
    std::vector<ClaimRecord> claims;
    std::vector<ActiveLease> leases;
    UnitState state = UnitState::kPending;
  };
  struct Project {
    ProjectId id;
    Bytes manifest_bytes;
    Manifest manifest;
    const Workload* workload = nullptr;
    TimePoint submitted;
    std::unordered_map<uint64_t, UnitLedger> units;  // only units leased or claimed so far
    std::set<uint64_t> open;                         // touched units still pending
    uint64_t fresh_cursor = 0;                       // units from here on were never touched
    uint64_t verified = 0, failed = 0;
    std::set<PeerId> contributors;                   // peers whose claims it holds
    std::deque<TimePoint> recent_verified;           // for the throughput figure
  };
  struct Peer {
    Offer offer;
    TimePoint last_seen;
    uint32_t hungry_slots = 0;  // asked for work we did not have
  };

  Actions OnOffer(const Inbound& in, const Offer& offer, TimePoint now);
  Actions OnWorkRequest(const Inbound& in, uint32_t slots, TimePoint now);
  Actions OnClaims(const Inbound& in, const ClaimBatch& batch, TimePoint now);
  Actions OnProjectRequest(const Inbound& in, const ProjectRequest& request, TimePoint now);
  Actions OnSubmit(const Inbound& in, const SubmitProject& submit, TimePoint now);

  bool AcceptClaim(const PeerId& peer, const Claim& claim, TimePoint now);
  // Leases up to `slots` units to `peer`; empty if there is nothing it may compute.
  LeaseGrant Grant(const PeerId& peer, uint32_t slots, TimePoint now);
  bool TryLease(Project& project, uint64_t index, const PeerId& peer, TimePoint now, LeaseGrant& grant);
  void ServeHungryPeers(TimePoint now, Actions& actions);
  void DropLease(Project& project, uint64_t index, UnitLedger& unit, const PeerId& peer);
  void ExpireLeases(TimePoint now);
  void ForgetUnconfirmedLeases(const PeerId& peer, const std::vector<UnitKey>& held, TimePoint now);
  void Touch(const PeerId& peer, TimePoint now);
  void Decide(Project& project, uint64_t index, UnitLedger& unit, TimePoint now);
  static bool Runs(const Offer& offer, const Manifest& manifest);
  Envelope Answer(const Inbound& in, Body body) const;

  PeerId self_;
  HolderConfig config_;
  LedgerStore& store_;
  const WorkloadRegistry& workloads_;
  std::map<ProjectId, Project> projects_;
  std::map<PeerId, Peer> peers_;
  std::set<std::pair<TimePoint, std::pair<UnitKey, PeerId>>> lease_deadlines_;
  std::map<PeerId, std::set<UnitKey>> leases_by_peer_;
  HolderCounters counters_;
};

}  // namespace potluck
