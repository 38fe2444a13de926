// The parts of Holder that keep a project on several holders: recruiting them, sharing the
// units between them, and pushing each other the claims each one receives.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "potluck/core/holder.h"

namespace potluck {
namespace {

constexpr Duration kPushInterval = std::chrono::milliseconds(500);
// Stored claims one push looks through at most, passed on or not: a turn stays short when
// few of them go to this co-holder (the rest wait for the next push interval).
constexpr size_t kLedgerScanMax = 16 * kLedgerPushEntriesMax;

// Orders candidate holders by closeness to the project, so that different projects land on
// different peers and every node would pick the same ones.
std::array<uint8_t, 32> Distance(const PeerId& peer, const ProjectId& project) {
  std::array<uint8_t, 32> d;
  for (size_t i = 0; i < d.size(); ++i) d[i] = peer.bytes[i] ^ project.bytes[i];
  return d;
}

}  // namespace

bool Holder::Mine(const Project& p, uint64_t index) const {
  const size_t n = p.live_holders.size();
  if (n <= 1) return true;
  const size_t rank = static_cast<size_t>(std::find(p.live_holders.begin(), p.live_holders.end(), self_) -
                                          p.live_holders.begin());
  // Multiplying by an odd constant spreads neighbouring units over the holders.
  return ((index * 0x9E3779B97F4A7C15ull) >> 32) % n == rank;
}

void Holder::UpdateLiveHolders(Project& p) {
  std::vector<PeerId> live = {self_};
  for (const auto& [id, co] : p.co_holders) {
    if (directory_.OfferOf(id)) live.push_back(id);
  }
  std::sort(live.begin(), live.end());
  if (live == p.live_holders) return;
  spdlog::info("project {} now shared by {} live holders", p.id.Short(), live.size());
  const bool lost_one = std::any_of(p.live_holders.begin(), p.live_holders.end(), [&](const PeerId& id) {
    return !std::binary_search(live.begin(), live.end(), id);
  });
  p.live_holders = std::move(live);
  if (lost_one) RelayAgain(p);
  // The shares moved: look again at units that were another holder's.
  p.fresh_cursor = 0;
  for (uint64_t index : p.open) Reindex(p, index, p.units.at(index));
}

std::vector<PeerRef> Holder::HolderRefs(const Project& p) const {
  std::vector<PeerRef> refs = {{self_, endpoint_}};
  for (const auto& [id, co] : p.co_holders) refs.push_back({id, co.endpoint});
  return refs;
}

void Holder::RelayAgain(Project& p) {
  for (auto& [peer, co] : p.co_holders) {
    co.relay_again_upto = std::max(co.relay_again_upto.value_or(0), co.acked_seq);
    co.acked_seq = p.seq_floor;
    co.caught_up_at.reset();
    co.push_sent.reset();
    ++co.push_epoch;
  }
}

bool Holder::PassesOn(const Project& p, uint64_t seq, const std::optional<PeerId>& from, const PeerId& to,
                      const CoHolder& co) const {
  if (from == to) return false;  // it has it: it made it durable before pushing it to us
  // Another live holder pushes what it relayed to us itself; a lost one no longer can.
  const bool relay = from && !std::binary_search(p.live_holders.begin(), p.live_holders.end(), *from);
  if (co.relay_again_upto && seq <= *co.relay_again_upto) return relay;
  return !from || relay;
}

void Holder::AddCoHolders(Project& p, const std::vector<PeerRef>& holders, const Inbound* from) {
  auto add = [&](const PeerId& id, const std::string& endpoint) {
    if (id == self_ || endpoint.empty()) return;
    auto [it, fresh] = p.co_holders.try_emplace(id, CoHolder{.endpoint = endpoint, .acked_seq = p.seq_floor});
    if (fresh) spdlog::info("project {} is also held by {} at {}", p.id.Short(), id.Short(), endpoint);
  };
  for (const PeerRef& ref : holders) add(ref.id, ref.endpoint);
  if (from) {
    const Offer* offer = directory_.OfferOf(from->from);
    add(from->from, !from->link.empty() ? from->link : (offer ? offer->endpoint : ""));
  }
  UpdateLiveHolders(p);
}

void Holder::Recruit(Project& p, TimePoint now, Actions& actions) {
  p.next_recruit = now + kRecruitInterval;
  size_t live = p.live_holders.size();
  // One live holder recruits at a time, the first by id, so holders that each see a gap do
  // not all fill it at once.
  if (live >= p.manifest.policy.holders || p.live_holders.front() != self_) return;
  std::vector<const Offer*> candidates;
  for (const Offer* offer : directory_.Alive()) {
    if (offer->peer == self_ || offer->endpoint.empty() || p.co_holders.contains(offer->peer)) continue;
    if (Runs(*offer, p.manifest)) candidates.push_back(offer);
  }
  std::sort(candidates.begin(), candidates.end(), [&](const Offer* a, const Offer* b) {
    return Distance(a->peer, p.id) < Distance(b->peer, p.id);
  });
  candidates.resize(std::min(candidates.size(), size_t{p.manifest.policy.holders} - live));
  for (const Offer* offer : candidates) {
    actions.messages.push_back(
        {{offer->peer, offer->endpoint}, Envelope{self_, 1, HoldRequest{p.manifest_bytes, HolderRefs(p)}}});
  }
  p.awaiting_holders = p.co_holders.empty() && !candidates.empty();
}

void Holder::AnswerPendingSubmits(const ProjectId& id, bool force, TimePoint, Actions& actions) {
  auto project = projects_.find(id);
  if (project == projects_.end()) return;
  if (!force && project->second.awaiting_holders) return;
  auto [first, last] = pending_submits_.equal_range(id);
  for (auto it = first; it != last; ++it) {
    const Inbound& in = it->second.request;
    actions.messages.push_back({{in.from, in.link}, Answer(in, Reply{true, "", id})});
  }
  pending_submits_.erase(first, last);
}

Actions Holder::OnHoldRequest(const Inbound& in, const HoldRequest& request, TimePoint now) {
  Actions actions;
  auto added = AddProject(request.manifest, now);
  if (!added.ok()) {
    spdlog::warn("refused to hold a project for {}: {}", in.from.Short(), added.status().message());
    return actions;
  }
  Project& p = *added.value();
  spdlog::info("holding project {} for {}", p.id.Short(), in.from.Short());
  AddCoHolders(p, request.holders, &in);
  actions.messages.push_back({{in.from, in.link}, Answer(in, HoldAck{p.id})});
  return actions;
}

Actions Holder::OnHoldAck(const Inbound& in, const HoldAck& ack, TimePoint now) {
  Actions actions;
  auto it = projects_.find(ack.project);
  if (it == projects_.end()) return actions;
  AddCoHolders(it->second, {}, &in);
  it->second.awaiting_holders = false;
  AnswerPendingSubmits(ack.project, /*force=*/false, now, actions);
  return actions;
}

void Holder::PushLedgers(TimePoint now, Actions& actions) {
  if (now < next_push_) return;
  next_push_ = now + kPushInterval;
  for (auto& [id, p] : projects_) PushLedger(p, now, actions);
}

void Holder::PushLedger(Project& p, TimePoint now, Actions& actions) {
  for (auto& [peer, co] : p.co_holders) PushLedger(p, peer, co, now, actions);
}

void Holder::PushLedger(Project& p, const PeerId& peer, CoHolder& co, TimePoint now, Actions& actions) {
  const Offer* offer = directory_.OfferOf(peer);
  if (!offer) return;
  // A holder that restarted may serve on a new endpoint: its latest offer says where.
  if (!offer->endpoint.empty()) co.endpoint = offer->endpoint;
  if (co.push_sent && now - *co.push_sent < config_.push_retry) return;
  if (co.caught_up_at == p.claims_stored) return;  // nothing stored since it had it all
  if (Buggify(config_.faults, FaultPoint::kReplicationSlow)) return;
  LedgerPush push{p.id, HolderRefs(p), {}, co.acked_seq};
  // Claims passed over do not count against a push's size: a co-holder that receives a third
  // of the project's claims from us gets a full push per round trip, not a third of one.
  auto scan = store_.ClaimsAfter(
      p.id, co.acked_seq, {kLedgerPushEntriesMax, kLedgerPushResultBytesMax, kLedgerScanMax},
      [&](uint64_t seq, const std::optional<PeerId>& from) { return PassesOn(p, seq, from, peer, co); });
  if (!scan.ok()) return;
  push.last_seq = scan->last_seq;
  for (auto& s : scan->claims) {
    push.entries.push_back(
        {s.claim.peer, {s.claim.unit, s.claim.hash, std::move(s.result), s.claim.signature, std::move(s.claim.proof)},
         s.claim.network, s.claim.alone});
  }
  if (push.entries.empty()) {  // it lacks nothing from us up to last_seq
    co.Acknowledge(push.last_seq);
    if (scan->end) co.caught_up_at = p.claims_stored;
    return;
  }
  counters_.claims_pushed += push.entries.size();
  actions.messages.push_back({{peer, co.endpoint}, Envelope{self_, co.push_epoch, std::move(push)}});
  co.push_sent = now;
}

Actions Holder::OnLedgerPush(const Inbound& in, const LedgerPush& push, TimePoint now) {
  Actions actions;
  auto it = projects_.find(push.project);
  // A push for a project we never got: nothing to check its claims against. The sender's
  // next recruitment brings the manifest.
  if (it == projects_.end()) return actions;
  AddCoHolders(it->second, push.holders, &in);
  for (const auto& entry : push.entries) {
    AcceptClaim(entry.peer, entry.claim, entry.network, entry.alone, in.from, now);
  }
  actions.messages.push_back({{in.from, in.link}, Answer(in, LedgerAck{push.project, push.last_seq})});
  ServeHungryPeers(now, actions);
  return actions;
}

Actions Holder::OnLedgerAck(const Inbound& in, const LedgerAck& ack, TimePoint now) {
  Actions actions;
  auto it = projects_.find(ack.project);
  if (it == projects_.end()) return actions;
  auto co = it->second.co_holders.find(in.from);
  // An answer to a push from before the pass started again acknowledges nothing of it.
  if (co == it->second.co_holders.end() || in.message.request_id != co->second.push_epoch) return actions;
  co->second.Acknowledge(ack.seq);
  co->second.push_sent.reset();
  // Claims stored since go now rather than at the next push interval, so that replication
  // keeps up with a fast grid; still one push in flight per co-holder.
  PushLedger(it->second, in.from, co->second, now, actions);
  return actions;
}

}  // namespace potluck
