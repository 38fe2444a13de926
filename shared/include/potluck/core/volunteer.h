// The protocol core of a volunteer: asks holders it learns of through gossip for leases,
// starts kernels, delivers results until a holder has acknowledged them, and keeps the credit
// its verified results earned. Sans-IO, like Holder. Not thread-safe: one event loop drives it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/core/deferred_volunteer_store.h"
#include "potluck/core/directory.h"
#include "potluck/core/volunteer_store.h"

namespace potluck {

struct VolunteerConfig {
  // Leases held at once when units are long: one running, the rest waiting. Short units
  // raise it (see kWorkHeldAhead).
  uint32_t queue_max = 2;
  Duration request_retry = std::chrono::seconds(2);  // re-ask when a request got no answer
  // Re-ask a holder after an empty grant, twice as late after each further one in a row, up to
  // idle_retry_max: it pushes work to the peers that asked once it has some, so at the end of a
  // project the waiting peers of a large grid need not keep asking.
  Duration idle_retry = std::chrono::seconds(2);
  Duration idle_retry_max = std::chrono::seconds(16);
  Duration claim_retry = std::chrono::seconds(3);    // resend unacknowledged results
};


constexpr size_t kClaimBatchMax = 64;
// A batch also stops at this many bytes of results, so that it stays well inside a frame
// (kFrameBytesMax) whatever the workload returns; claims due beyond either go in more batches.
constexpr size_t kClaimBatchResultBytesMax = 8 << 20;
// New claims go out once they carry this much computing, once kClaimBatchMax of them wait, once
// the oldest has waited kClaimWaitMax, or when no unit is left to compute: a holder then pays
// its commit, replication and answer once per batch rather than once per short unit, and a
// long unit's claim leaves at once.
constexpr Duration kClaimBatchWork = std::chrono::milliseconds(200);
constexpr Duration kClaimWaitMax = std::chrono::milliseconds(200);
// With short units the volunteer holds leases for about this much work, so that its kernel
// never waits for a holder's answer, up to kLeasesHeldMax (a holder grants at most
// kLeasesPerPeerMax to one peer).
constexpr Duration kWorkHeldAhead = std::chrono::milliseconds(500);
constexpr size_t kLeasesHeldMax = 1024;
// ... and hands its runner about this much work at once, up to kTasksStartedMax, so that one
// commit of the event loop covers many short units instead of one each.
constexpr Duration kWorkStartedAhead = std::chrono::milliseconds(100);
constexpr size_t kTasksStartedMax = 64;
// A claimed unit whose verdict has not reached us this long after the claim never will: it
// failed, disagreed, or its notices were lost.
constexpr Duration kPendingCreditTtl = std::chrono::hours(24 * 30);
// A verified unit is remembered (in the store only) this long after its claim, so that the
// notices of the other holders, or a recomputation of it, count nothing; its credit stays in
// the totals.
constexpr Duration kVerifiedCreditTtl = std::chrono::hours(24);
// Units awaiting their verdict remembered at once, and verified units kept in the store; beyond,
// the oldest claims are forgotten, this many at a time, so that finding them (a pass over the
// table) is paid once per batch, not per claim.
constexpr size_t kCreditUnitsMax = 100000;
constexpr size_t kCreditForgetBatch = kCreditUnitsMax / 100;
// Verified units between two prunes of the store's verified rows.
constexpr size_t kVerifiedCreditPruneEvery = kCreditUnitsMax / 10;
// The volunteer's writes wait (see DeferredVolunteerStore) at most about this long, and until
// the results computed since the last write carry this much of the kernels' CPU time, so that
// a crash costs the grid at most that much computing besides the running units' progress since
// their last checkpoint. A unit that takes longer is written as soon as it is done.
constexpr Duration kWriteBehind = std::chrono::seconds(1);
constexpr Duration kHeldWorkMax = std::chrono::milliseconds(50);
// Peers remembered per project as its holders, whose verified notices we believe.
constexpr size_t kHoldersSeenPerProjectMax = 64;

// The work this volunteer did that the grid verified: only results that agreed with their
// unit's quorum count. CPU seconds are the kernels' CPU time (shown to people as core-hours).
struct Credit {
  uint64_t units_verified = 0;
  double cpu_seconds_verified = 0;
  // Claimed within kPendingCreditTtl with no verified notice yet: waiting for replicas, or
  // results that will never verify.
  uint64_t units_pending = 0;
};

class Volunteer {
 public:
  // REQUIRES: `signer`, `store` and `directory` outlive the volunteer. Claims are signed by `signer`.
  Volunteer(const Signer& signer, VolunteerConfig config, VolunteerStore& store, const Directory& directory);

  // Restores leases and the outbox. Leases whose deadline passed are dropped.
  Status Load(TimePoint now);

  // Resent results, the first request for work.
  Actions Start(TimePoint now);
  // Free slots and the leases held, for this node's offer.
  void FillOffer(Offer& offer) const;
  Actions OnMessage(const Inbound& in, TimePoint now);
  // A kernel finished after `cpu_seconds` of CPU time. A kUnavailable result means it was
  // stopped: the lease is kept.
  Actions OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, double cpu_seconds, TimePoint now);
  // A newer offer of another peer: remembers which peers hold the projects we compute for.
  void OnOffer(const Offer& offer);
  // Verdicts of this node's own holder: believed without asking who holds the project.
  void OnOwnVerifiedNotice(const VerifiedNotice& notice);
  // The running kernel saved its state: kept until the unit is done or its lease dropped.
  void OnCheckpoint(const UnitKey& unit, const Bytes& state);
  Actions Tick(TimePoint now);
  // Writes what waits to be written (see kWriteBehind); the node calls it as it stops.
  void WriteHeld(TimePoint now);
  // The earliest of asking for work, the batch of fresh claims leaving and a queued lease's deadline.
  TimePoint NextDue(TimePoint now) const;
  // With false, asks for and takes no new work, and offers no free slot; it still computes
  // and delivers the leases it holds. True at first.
  void set_accepting_work(bool accepting) { accepting_work_ = accepting; }
  bool accepting_work() const { return accepting_work_; }
  Credit credit() const { return {units_verified_, cpu_seconds_verified_, pending_credit_.size()}; }

  bool running() const { return !started_.empty(); }
  size_t leases_held() const { return queue_.size() + started_.size(); }
  size_t outbox_size() const { return outbox_.size(); }
  uint64_t units_computed() const { return units_computed_; }
  uint64_t leases_handed_off() const { return leases_handed_off_; }

 private:
  struct HeldLease {
    UnitKey unit;
    TimePoint deadline;
    std::string holder;
    TimePoint started{};  // handed to the kernel runner then; zero while waiting
  };
  struct UnitTimes {
    std::chrono::microseconds average{0};  // of this project's units here
    uint32_t samples = 0;
  };
  struct Unsent {
    Claim claim;
    std::string holder;
    TimePoint last_sent;
  };

  void OnGrant(const Inbound& in, const LeaseGrant& grant, TimePoint now);
  void OnHandoff(const Inbound& in, const LeaseHandoff& handoff);
  bool Holds(const UnitKey& unit) const;
  // A lease stored and queued, and one given up (computed, expired or passed on): the store
  // and held_units_ change together.
  void Take(HeldLease lease);
  void Release(const UnitKey& unit);
  // The project's id if the signed manifest opens; stores it the first time.
  std::optional<ProjectId> AddManifest(const Bytes& signed_manifest);
  // Passes waiting leases we cannot finish before their deadlines to idle peers.
  void HandOffLateLeases(TimePoint now, Actions& actions);
  // Peers with a live offer, free slots and no leases: who a late lease may go to.
  std::vector<const Offer*> IdlePeers() const;
  void OnAck(const ClaimAck& ack);
  void MaybeStartTask(TimePoint now, Actions& actions);
  void StartTask(TimePoint now, Actions& actions);
  // Leases to hold and kernels to have started, from how long the held leases' units take here.
  size_t LeasesWanted() const;
  // The slowest held project's unit time; none while nothing is held or a held project has
  // not had a unit finish here yet, since its units may be far longer than the last project's.
  std::optional<std::chrono::microseconds> HeldUnitTime() const;
  size_t TasksWanted() const;
  // Free slots enough to ask for more work, and willing to take it.
  bool WantsWork() const;
  // When the holder at `holder` may be asked for work again: at once unless it had none lately.
  TimePoint AskableFrom(const std::string& holder) const;
  void MaybeRequestWork(TimePoint now, Actions& actions);
  void SendDueClaims(TimePoint now, bool force, Actions& actions);
  // One signature for the whole batch (see claim_tree.h).
  void Sign(ClaimBatch& batch) const;
  // Where results for a claim go: its holder if alive, else another live holder of its project.
  std::string RouteFor(const std::string& holder, const ProjectId& project) const;
  Outgoing To(const std::string& endpoint, Body body);

  // volunteer_credit.cc
  void LoadCredit(const VolunteerStore::Snapshot& snapshot, TimePoint now);
  // Whether this peer has computed and claimed `unit` (its claim unsent, or remembered for credit).
  bool AlreadyClaimed(const UnitKey& unit);
  void RecordClaim(const UnitKey& unit, const ResultHash& hash, double cpu_seconds, TimePoint now);
  // `trusted`: from our own holder. Otherwise only a holder of each unit's project is believed.
  void OnVerifiedNotice(const PeerId& from, const VerifiedNotice& notice, bool trusted);
  void RememberHolder(const PeerId& peer, const ProjectId& project);
  bool KnownHolder(const PeerId& peer, const ProjectId& project) const;
  void DropOldCreditUnits(TimePoint now);
  void ForgetCreditUnit(std::map<UnitKey, VolunteerStore::CreditRow>::iterator it);
  void ForgetOldestCreditUnits(size_t count);

  PeerId self_;
  const Signer& signer_;
  VolunteerConfig config_;
  DeferredVolunteerStore store_;
  TimePoint last_write_{};
  double held_cpu_seconds_ = 0;  // of the units computed since last_write_
  const Directory& directory_;
  std::map<ProjectId, std::shared_ptr<const Manifest>> manifests_;
  std::map<ProjectId, Bytes> manifest_bytes_;  // signed, as passed on to other peers
  std::deque<HeldLease> queue_;
  std::deque<HeldLease> started_;  // handed to the kernel runner, which computes them in order
  std::set<UnitKey> held_units_;   // the units of queue_ and started_, for Holds()
  std::map<ProjectId, UnitTimes> unit_times_;
  TimePoint last_done_{};  // when the last unit finished here
  std::map<UnitKey, Unsent> outbox_;
  // Claims computed and not yet sent (see kClaimBatchWork): how many, their computing time,
  // and when the first of them was made.
  size_t fresh_claims_ = 0;
  Duration fresh_work_{0};
  TimePoint fresh_since_{};
  std::optional<TimePoint> request_sent_;   // a work request is unanswered since then
  struct IdleHolder {
    TimePoint until;       // not asked again before
    Duration wait{0};      // after its last empty grant
  };
  std::map<std::string, IdleHolder> idle_holders_;  // holders that had no work for us, by endpoint
  size_t next_holder_ = 0;                  // rotates requests over the holders
  uint64_t next_request_id_ = 1;
  uint64_t units_computed_ = 0;
  uint64_t leases_handed_off_ = 0;
  bool accepting_work_ = true;
  std::map<UnitKey, VolunteerStore::CreditRow> pending_credit_;  // claimed here, not verified yet
  size_t verified_since_prune_ = 0;
  uint64_t units_verified_ = 0;
  double cpu_seconds_verified_ = 0;
  // Peers seen holding each project we have a manifest of. Offers drop a project once it is
  // complete, yet the notices of its last units may still be on their way.
  std::map<ProjectId, std::set<PeerId>> holders_seen_;
  TimePoint next_credit_prune_{};
};

}  // namespace potluck
