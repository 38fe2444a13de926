#include "potluck/core/node.h"

namespace potluck {
namespace {

// The cores each get the node's fault injection, if any.
NodeConfig WithFaults(NodeConfig config) {
  config.holder.faults = config.faults;
  return config;
}

}  // namespace

Node::Node(const Signer& signer, NodeConfig config, LedgerStore& ledger, VolunteerStore& volunteer, PeerStore& peers,
           const WorkloadRegistry& workloads, uint64_t seed)
    : self_(signer.id()),
      config_(WithFaults(std::move(config))),
      membership_(self_, config_.membership, peers, seed),
      holder_(self_, config_.endpoint, config_.holder, ledger, membership_, workloads) {
  config_.offer.endpoint = config_.endpoint;
  if (config_.volunteer) volunteer_ = std::make_unique<Volunteer>(signer, *config_.volunteer, volunteer, membership_);
}

Status Node::Load(TimePoint now) {
  if (Status s = membership_.Load(); !s.ok()) return s;
  if (Status s = holder_.Load(now); !s.ok()) return s;
  if (volunteer_) return volunteer_->Load(now);
  return Status::Ok();
}

Offer Node::OwnOffer() const {
  Offer offer = config_.offer;
  offer.holds = holder_.OpenProjects();
  // A node without a volunteer never asks for work, so it is never leased any.
  if (volunteer_) volunteer_->FillOffer(offer);
  return offer;
}

void Node::RefreshOwnOffer() { membership_.SetOwnOffer(OwnOffer()); }

Actions Node::Start(TimePoint now) {
  RefreshOwnOffer();
  Actions actions = membership_.Tick(now);
  if (volunteer_) actions.Append(PinHoldersWorkedWith(volunteer_->Start(now), now));
  return actions;
}

Actions Node::OnMessage(const Inbound& in, TimePoint now) {
  const Body& body = in.message.body;
  if (const auto* gossip = std::get_if<Gossip>(&body)) {
    Actions actions = membership_.OnGossip(in, *gossip, now);
    for (const Offer* offer : membership_.fresh()) {
      holder_.OnOffer(*offer, now);
      if (volunteer_) volunteer_->OnOffer(*offer);
    }
    return actions;
  }
  if (std::holds_alternative<PeersRequest>(body)) {
    RefreshOwnOffer();
    return membership_.OnPeersRequest(in, now);
  }
  if (std::holds_alternative<LeaseGrant>(body) || std::holds_alternative<ClaimAck>(body) ||
      std::holds_alternative<LeaseHandoff>(body) || std::holds_alternative<VerifiedNotice>(body)) {
    return volunteer_ ? PinHoldersWorkedWith(volunteer_->OnMessage(in, now), now) : Actions{};
  }
  Actions actions = KeepOwnNotices(holder_.OnMessage(in, now));
  // A project just held is announced at the next tick rather than the next round.
  if (std::holds_alternative<SubmitProject>(body) || std::holds_alternative<HoldRequest>(body)) RefreshOwnOffer();
  return actions;
}

Actions Node::KeepOwnNotices(Actions actions) {
  auto own = [&](const Outgoing& out) {
    return out.to.peer == self_ && std::holds_alternative<VerifiedNotice>(out.message.body);
  };
  for (const Outgoing& out : actions.messages) {
    if (own(out) && volunteer_) volunteer_->OnOwnVerifiedNotice(std::get<VerifiedNotice>(out.message.body));
  }
  std::erase_if(actions.messages, own);
  return actions;
}

Actions Node::OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, double cpu_seconds, TimePoint now) {
  return volunteer_ ? PinHoldersWorkedWith(volunteer_->OnTaskDone(unit, result, cpu_seconds, now), now) : Actions{};
}

Actions Node::Tick(TimePoint now) {
  Offer own = OwnOffer();
  // Our holder learns which of its leases our own volunteer holds as it does other peers': from
  // the offer. A crash may take back the volunteer's leases and leave the holder's.
  if (volunteer_) {
    own.peer = self_;
    own.issued_unix_ms = ToUnixMs(now);
    holder_.OnOffer(own, now);
  }
  membership_.SetOwnOffer(std::move(own));
  Actions actions = membership_.Tick(now);
  actions.Append(KeepOwnNotices(holder_.Tick(now)));
  for (const std::string& endpoint : holder_.CoHolderEndpoints()) actions.Append(membership_.Pin(endpoint, now));
  if (volunteer_) actions.Append(PinHoldersWorkedWith(volunteer_->Tick(now), now));
  return actions;
}

TimePoint Node::NextDue(TimePoint now) const {
  TimePoint due = std::min(membership_.NextDue(), holder_.NextDue(now));
  return volunteer_ ? std::min(due, volunteer_->NextDue(now)) : due;
}

Actions Node::PinHoldersWorkedWith(Actions actions, TimePoint now) {
  Actions out;
  for (const Outgoing& message : actions.messages) {
    const Body& body = message.message.body;
    if (!message.to.endpoint.empty() &&
        (std::holds_alternative<WorkRequest>(body) || std::holds_alternative<ClaimBatch>(body))) {
      out.Append(membership_.Pin(message.to.endpoint, now));
    }
  }
  out.Append(std::move(actions));
  return out;
}

}  // namespace potluck
