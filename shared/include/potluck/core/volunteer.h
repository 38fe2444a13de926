// The protocol core of a volunteer: announces its capacity to its holders, asks for leases,
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
#include "potluck/core/volunteer_store.h"

namespace potluck {

struct VolunteerConfig {
  std::vector<std::string> holders;   // endpoints to join; at least one
  Offer offer;                        // cores, workloads, host; free_slots is filled in
  uint32_t queue_max = 2;             // leases held at once: one running, the rest waiting
  Duration heartbeat = std::chrono::seconds(2);
  Duration request_retry = std::chrono::seconds(2);  // re-ask when a request got no answer
  Duration idle_retry = std::chrono::seconds(2);     // re-ask after an empty grant
  Duration claim_retry = std::chrono::seconds(3);    // resend unacknowledged results
};

constexpr size_t kClaimBatchMax = 64;

class Volunteer {
 public:
  // REQUIRES: `store` outlives the volunteer; config.holders is not empty.
  Volunteer(PeerId self, VolunteerConfig config, VolunteerStore& store);

  // Restores leases and the outbox. Leases whose deadline passed are dropped.
  Status Load(TimePoint now);

  // The first offer, resent results, the first request for work.
  Actions Start(TimePoint now);
  Actions OnMessage(const Inbound& in, TimePoint now);
  // A kernel finished. A kUnavailable result means it was stopped: the lease is kept.
  Actions OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, TimePoint now);
  Actions Tick(TimePoint now);

  bool running() const { return running_.has_value(); }
  size_t leases_held() const { return queue_.size() + (running_ ? 1 : 0); }
  size_t outbox_size() const { return outbox_.size(); }
  uint64_t units_computed() const { return units_computed_; }
  // True once any holder has answered us.
  bool joined() const { return joined_; }

 private:
  struct HeldLease {
    UnitKey unit;
    TimePoint deadline;
    std::string holder;
  };
  struct Unsent {
    Claim claim;
    std::string holder;
    TimePoint last_sent;
  };

  void OnGrant(const Inbound& in, const LeaseGrant& grant, TimePoint now);
  void OnAck(const ClaimAck& ack);
  void MaybeStartTask(TimePoint now, Actions& actions);
  void MaybeRequestWork(TimePoint now, Actions& actions);
  void SendDueClaims(TimePoint now, bool force, Actions& actions);
  void SendOffers(TimePoint now, Actions& actions);
  Outgoing To(const std::string& endpoint, Body body);

  PeerId self_;
  VolunteerConfig config_;
  VolunteerStore& store_;
  std::map<ProjectId, std::shared_ptr<const Manifest>> manifests_;
  std::deque<HeldLease> queue_;
  std::optional<HeldLease> running_;
  std::map<UnitKey, Unsent> outbox_;
  TimePoint last_offer_{};
  std::optional<TimePoint> request_sent_;   // a work request is unanswered since then
  TimePoint next_request_{};                // no new request before this
  uint64_t next_request_id_ = 1;
  uint64_t units_computed_ = 0;
  bool joined_ = false;
};

}  // namespace potluck
