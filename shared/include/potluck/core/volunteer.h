// The protocol core of a volunteer: asks holders it learns of through gossip for leases,
// starts kernels, and delivers results until a holder has acknowledged them. Sans-IO, like
// Holder. Not thread-safe: one event loop drives it.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/core/directory.h"
#include "potluck/core/volunteer_store.h"

namespace potluck {

struct VolunteerConfig {
  uint32_t queue_max = 2;             // leases held at once: one running, the rest waiting
  Duration request_retry = std::chrono::seconds(2);  // re-ask when a request got no answer
  Duration idle_retry = std::chrono::seconds(2);     // re-ask after an empty grant
  Duration claim_retry = std::chrono::seconds(3);    // resend unacknowledged results
};


constexpr size_t kClaimBatchMax = 64;

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
  // A kernel finished. A kUnavailable result means it was stopped: the lease is kept.
  Actions OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, TimePoint now);
  // The running kernel saved its state: kept until the unit is done or its lease dropped.
  void OnCheckpoint(const UnitKey& unit, const Bytes& state);
  Actions Tick(TimePoint now);
  // While false, asks for no new work and offers no free slot, but still computes and delivers
  // the units it holds (a paused or finishing worker).
  void set_accepting_work(bool accepting) { accepting_work_ = accepting; }

  bool running() const { return running_.has_value(); }
  size_t leases_held() const { return queue_.size() + (running_ ? 1 : 0); }
  size_t outbox_size() const { return outbox_.size(); }
  uint64_t units_computed() const { return units_computed_; }
  uint64_t leases_handed_off() const { return leases_handed_off_; }

 private:
  struct HeldLease {
    UnitKey unit;
    TimePoint deadline;
    std::string holder;
  };
  struct UnitTimes {
    Duration average{0};  // of this project's units here; zero until one finished
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
  // The project's id if the signed manifest opens; stores it the first time.
  std::optional<ProjectId> AddManifest(const Bytes& signed_manifest);
  // Passes waiting leases we cannot finish before their deadlines to idle peers.
  void HandOffLateLeases(TimePoint now, Actions& actions);
  void OnAck(const ClaimAck& ack);
  void MaybeStartTask(TimePoint now, Actions& actions);
  void MaybeRequestWork(TimePoint now, Actions& actions);
  void SendDueClaims(TimePoint now, bool force, Actions& actions);
  // Where results for `unsent` go: its holder if alive, else another live holder of the project.
  std::string RouteFor(const Unsent& unsent) const;
  Outgoing To(const std::string& endpoint, Body body);

  PeerId self_;
  const Signer& signer_;
  VolunteerConfig config_;
  VolunteerStore& store_;
  const Directory& directory_;
  std::map<ProjectId, std::shared_ptr<const Manifest>> manifests_;
  std::map<ProjectId, Bytes> manifest_bytes_;  // signed, as passed on to other peers
  std::deque<HeldLease> queue_;
  std::optional<HeldLease> running_;
  TimePoint running_since_{};
  std::map<ProjectId, UnitTimes> unit_times_;
  std::map<UnitKey, Unsent> outbox_;
  std::optional<TimePoint> request_sent_;   // a work request is unanswered since then
  std::map<std::string, TimePoint> idle_until_;  // holders that had no work for us, by endpoint
  size_t next_holder_ = 0;                  // rotates requests over the holders
  uint64_t next_request_id_ = 1;
  uint64_t units_computed_ = 0;
  uint64_t leases_handed_off_ = 0;
  bool accepting_work_ = true;
};

}  // namespace potluck
