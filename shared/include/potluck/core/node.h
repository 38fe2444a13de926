// A whole node's protocol logic: membership by gossip, the projects it holds, and (on workers)
// the volunteer that computes. Routes each message to the core it is for and builds the
// node's own offer from their state. Sans-IO; the runtime or the simulator drives it.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "potluck/core/holder.h"
#include "potluck/core/membership.h"
#include "potluck/core/volunteer.h"
#include "potluck/crypto/signature.h"

namespace potluck {

struct NodeConfig {
  std::string endpoint;  // where this node serves, as peers should dial it
  Offer offer;           // cores, workloads, host, speed; the rest is filled in
  MembershipConfig membership;
  HolderConfig holder;
  // Absent on a node that holds projects but computes nothing (the coordinator).
  std::optional<VolunteerConfig> volunteer;
  // Fault injection for the cores (see faults.h): null in production. Not owned.
  Faults* faults = nullptr;
};

class Node {
 public:
  // REQUIRES: `signer`, the stores and `workloads` outlive the node. The node's id is signer.id().
  Node(const Signer& signer, NodeConfig config, LedgerStore& ledger, VolunteerStore& volunteer, PeerStore& peers,
       const WorkloadRegistry& workloads, uint64_t seed);

  Status Load(TimePoint now);
  Actions Start(TimePoint now);
  Actions OnMessage(const Inbound& in, TimePoint now);
  // A kernel finished after `cpu_seconds` of CPU time; see Volunteer::OnTaskDone.
  Actions OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, double cpu_seconds, TimePoint now);
  void OnCheckpoint(const UnitKey& unit, const Bytes& state) {
    if (volunteer_) volunteer_->OnCheckpoint(unit, state);
  }
  Actions Tick(TimePoint now);
  // The node stops: what the volunteer held back is written, so a stop loses nothing.
  void OnStop(TimePoint now) {
    if (volunteer_) volunteer_->WriteHeld(now);
  }
  // When Tick next has something to do. What has no due time of its own (retries, peers gone
  // quiet) waits for the event loop's longest tick.
  TimePoint NextDue(TimePoint now) const;

  // See Volunteer::set_accepting_work; nothing on a node that computes nothing.
  void set_accepting_work(bool accepting) {
    if (volunteer_) volunteer_->set_accepting_work(accepting);
  }

  void Discover(const std::string& endpoint) { membership_.Discover(endpoint); }
  // True once any other peer is known.
  bool connected() const { return membership_.peer_count() > 0; }
  const PeerId& id() const { return self_; }
  Holder& holder() { return holder_; }
  const Holder& holder() const { return holder_; }
  const Membership& membership() const { return membership_; }
  const Volunteer* volunteer() const { return volunteer_.get(); }

 private:
  // What we offer: the projects we hold and, with a volunteer, our free slots and leases.
  Offer OwnOffer() const;
  void RefreshOwnOffer();
  // Hands our holder's notices about our own claims to our volunteer instead of the network.
  Actions KeepOwnNotices(Actions actions);
  // The volunteer's actions, after pinning the holders it asks for work or sends results to,
  // so that they keep hearing our offer however large the grid.
  Actions PinHoldersWorkedWith(Actions actions, TimePoint now);

  PeerId self_;
  NodeConfig config_;
  Membership membership_;
  Holder holder_;
  std::unique_ptr<Volunteer> volunteer_;
};

}  // namespace potluck
