#include "potluck/core/membership.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>
#include <set>
#include <string_view>
#include <unordered_set>
#include <utility>

namespace potluck {

Membership::Membership(PeerId self, MembershipConfig config, PeerStore& store, uint64_t seed)
    : self_(self), config_(std::move(config)), store_(store), rng_(seed) {}

Status Membership::Load() {
  auto peers = store_.LoadPeers();
  if (!peers.ok()) return peers.status();
  for (const auto& row : peers.value()) {
    if (remembered_.size() >= config_.remembered_peers_max) break;
    if (row.id != self_ && !row.endpoint.empty()) remembered_.push_back(row.endpoint);
  }
  return Status::Ok();
}

void Membership::Discover(const std::string& endpoint) {
  if (endpoint == own_.endpoint || discovered_.size() >= kDiscoveredMax) return;
  if (std::find(discovered_.begin(), discovered_.end(), endpoint) == discovered_.end()) {
    spdlog::info("heard of a peer at {}", endpoint);
    discovered_.push_back(endpoint);
  }
}

Offer Membership::OwnOffer(TimePoint now) const {
  Offer offer = own_;
  offer.peer = self_;
  offer.issued_unix_ms = ToUnixMs(now);
  offer.expires_unix_ms = ToUnixMs(now + config_.offer_ttl);
  return offer;
}

const Offer* Membership::OfferOf(const PeerId& peer) const {
  if (peer == self_) return own_issued_.peer == self_ ? &own_issued_ : nullptr;
  auto it = offers_.find(peer);
  return it == offers_.end() ? nullptr : &it->second.offer;
}

namespace {

void SortById(std::vector<const Offer*>& offers) {
  std::sort(offers.begin(), offers.end(), [](const Offer* a, const Offer* b) { return a->peer < b->peer; });
}

}  // namespace

// Offers change in place, so the lists only change when a peer comes or goes, or joins or
// leaves the holders; callers ask for them with every message.
const std::vector<const Offer*>& Membership::Alive() const {
  if (alive_stale_) {
    alive_.clear();
    alive_.reserve(offers_.size() + 1);
    for (const auto& [id, known] : offers_) alive_.push_back(&known.offer);
    if (own_issued_.peer == self_) alive_.push_back(&own_issued_);
    SortById(alive_);
    alive_stale_ = false;
  }
  return alive_;
}

const std::vector<const Offer*>& Membership::Holding() const {
  if (holding_stale_) {
    holding_.clear();
    for (const Known* known : holders_) holding_.push_back(&known->offer);
    if (own_issued_.peer == self_ && !own_issued_.holds.empty()) holding_.push_back(&own_issued_);
    SortById(holding_);
    holding_stale_ = false;
  }
  return holding_;
}

void Membership::IssueOwnOffer(Offer offer) {
  const bool first = own_issued_.peer != self_;
  alive_stale_ |= first;
  holding_stale_ |= first || own_issued_.holds.empty() != offer.holds.empty();
  own_issued_ = std::move(offer);
}

void Membership::Merge(const Offer& offer, bool direct, TimePoint now) {
  if (offer.peer == self_ || offer.peer.IsZero() || offer.expires_unix_ms <= ToUnixMs(now)) return;
  auto it = offers_.find(offer.peer);
  if (it != offers_.end() && it->second.offer.issued_unix_ms >= offer.issued_unix_ms) return;
  if (it == offers_.end()) {
    const Source source = direct ? Source::kDirect : !offer.holds.empty() ? Source::kHolder : Source::kRelayed;
    if (offers_.size() >= kPeersMax) return;
    // A full sample of second-hand offers takes no more until some expire: the grid's size
    // must not decide how much a node keeps.
    if (source == Source::kRelayed && relayed_count_ >= config_.relayed_offers_max) return;
    spdlog::info("peer {} joined at {} ({} cores)", offer.peer.Short(), offer.endpoint, offer.cores);
    it = offers_.emplace(offer.peer, Known{offer, source}).first;
    Enlist(it->second);
    alive_stale_ = true;
    relayed_count_ += source == Source::kRelayed;
    if (!offer.endpoint.empty()) store_.PutPeer({offer.peer, offer.endpoint, now});
  } else {
    if (direct && it->second.source == Source::kRelayed) {
      it->second.source = Source::kDirect;
      --relayed_count_;
    }
    const bool moved = it->second.offer.endpoint != offer.endpoint;
    const bool regroup = it->second.offer.holds.empty() != offer.holds.empty();
    if (regroup) Delist(it->second);
    it->second.offer = offer;
    if (regroup) Enlist(it->second);
    if (moved && !offer.endpoint.empty()) store_.PutPeer({offer.peer, offer.endpoint, now});
  }
  fresh_.push_back(&it->second.offer);
}

void Membership::Expire(TimePoint now) {
  fresh_.clear();  // it points into offers_
  std::vector<PeerId> silent;
  for (auto it = offers_.begin(); it != offers_.end();) {
    if (it->second.offer.expires_unix_ms > ToUnixMs(now)) {
      ++it;
      continue;
    }
    spdlog::info("peer {} went silent", it->first.Short());
    silent.push_back(it->first);
    relayed_count_ -= it->second.source == Source::kRelayed;
    Delist(it->second);
    it = offers_.erase(it);
    alive_stale_ = true;
  }
  // The stored peers are the live ones, so the table stays as bounded as the view; but when
  // everyone went silent at once our own network is the likelier culprit, and the stored
  // peers are the way back.
  if (!offers_.empty()) {
    for (const PeerId& peer : silent) store_.DropPeer(peer);
  }
  std::erase_if(pinned_, [&](const auto& pin) { return pin.second <= now; });
}

Gossip Membership::Sample(TimePoint now) {
  Gossip gossip;
  IssueOwnOffer(OwnOffer(now));
  const size_t limit = 1 + std::min(config_.gossip_offers, kGossipOffersMax - 1);
  gossip.offers.reserve(limit);
  gossip.offers.push_back(own_issued_);
  // Holders with work first, so that every volunteer soon learns where work is.
  for (const auto* group : {&holders_, &others_}) {
    for (const Known* known : PickRandom(*group, limit - gossip.offers.size())) gossip.offers.push_back(known->offer);
  }
  return gossip;
}

std::vector<Membership::Known*>& Membership::GroupOf(const Known& known) {
  return known.offer.holds.empty() ? others_ : holders_;
}

void Membership::Enlist(Known& known) {
  auto& group = GroupOf(known);
  holding_stale_ |= &group == &holders_;
  known.slot = group.size();
  group.push_back(&known);
}

void Membership::Delist(Known& known) {
  auto& group = GroupOf(known);
  holding_stale_ |= &group == &holders_;
  Known* last = group.back();
  group[known.slot] = last;
  last->slot = known.slot;
  group.pop_back();
}

std::vector<const Membership::Known*> Membership::PickRandom(const std::vector<Known*>& from, size_t count) {
  std::vector<const Known*> picked;
  if (count == 0) return picked;
  if (from.size() <= 2 * count) {
    picked.assign(from.begin(), from.end());
    std::shuffle(picked.begin(), picked.end(), rng_);
    picked.resize(std::min(count, picked.size()));
    return picked;
  }
  // A holder may know the whole grid: draw positions instead of shuffling every offer it has.
  std::unordered_set<size_t> taken;
  std::uniform_int_distribution<size_t> position(0, from.size() - 1);
  while (picked.size() < count) {
    const size_t i = position(rng_);
    if (taken.insert(i).second) picked.push_back(from[i]);
  }
  return picked;
}

Outgoing Membership::PushOwnOffer(const std::string& endpoint, TimePoint now) {
  IssueOwnOffer(OwnOffer(now));
  // Request id 0: a push that asks for nothing back.
  return {{PeerId{}, endpoint}, Envelope{self_, 0, Gossip{{own_issued_}}}};
}

Actions Membership::Pin(const std::string& endpoint, TimePoint now) {
  Actions actions;
  if (endpoint.empty() || endpoint == own_.endpoint) return actions;
  auto it = pinned_.find(endpoint);
  if (it != pinned_.end()) {
    it->second = now + config_.pin_for;
    return actions;
  }
  if (pinned_.size() >= kPinnedMax) return actions;
  pinned_.emplace(endpoint, now + config_.pin_for);
  actions.messages.push_back(PushOwnOffer(endpoint, now));
  return actions;
}

void Membership::SetOwnOffer(Offer offer) {
  const auto& issued = own_issued_.holds;
  for (const ProjectId& project : offer.holds) {
    if (std::find(issued.begin(), issued.end(), project) == issued.end()) {
      next_round_ = TimePoint{};
      break;
    }
  }
  own_ = std::move(offer);
}

Actions Membership::Tick(TimePoint now) {
  Actions actions;
  if (now < next_round_) return actions;
  // A round brought forward carries news of work: everyone hears it.
  const bool news = next_round_ == TimePoint{};
  next_round_ = now + config_.round;
  std::unordered_set<PeerId, Id32Hash> exchanged = std::exchange(pulled_since_round_, {});
  if (news) exchanged.clear();
  std::vector<std::string> exchanged_endpoints;
  for (const PeerId& peer : exchanged) {
    if (const Offer* offer = OfferOf(peer); offer && !offer->endpoint.empty()) {
      exchanged_endpoints.push_back(offer->endpoint);
    }
  }
  std::sort(exchanged_endpoints.begin(), exchanged_endpoints.end());
  // Once a round: offers live for many rounds, and a holder may know every peer of the grid.
  Expire(now);

  // Partners: a few random live peers, and the bootstrap and remembered endpoints that no
  // live peer serves, so a node that knows nobody keeps trying them.
  std::vector<const Offer*> reachable;
  reachable.reserve(offers_.size());
  for (const auto& [id, known] : offers_) {
    if (!known.offer.endpoint.empty() && !exchanged.contains(id)) reachable.push_back(&known.offer);
  }
  std::vector<const Offer*> chosen;
  std::sample(reachable.begin(), reachable.end(), std::back_inserter(chosen), config_.fanout, rng_);
  std::vector<std::string> partners;
  for (const Offer* offer : chosen) partners.push_back(offer->endpoint);
  // The listed endpoints are few and the live peers many: look each peer up among the former.
  std::vector<std::string_view> listed;
  for (const auto* list : {&config_.bootstrap, &remembered_, &discovered_}) {
    for (const auto& endpoint : *list) {
      if (endpoint != own_.endpoint) listed.push_back(endpoint);
    }
  }
  std::sort(listed.begin(), listed.end());
  listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
  std::vector<bool> served(listed.size(), false);
  for (const Offer* offer : reachable) {
    if (listed.empty()) break;
    auto at = std::lower_bound(listed.begin(), listed.end(), std::string_view(offer->endpoint));
    if (at != listed.end() && *at == offer->endpoint) served[static_cast<size_t>(at - listed.begin())] = true;
  }
  for (size_t i = 0; i < listed.size(); ++i) {
    if (!served[i]) partners.emplace_back(listed[i]);
  }
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());

  Gossip gossip = Sample(now);
  for (const auto& endpoint : partners) {
    // A request id asks for the partner's offers in return: push-pull.
    actions.messages.push_back({{PeerId{}, endpoint}, Envelope{self_, 1, gossip}});
  }
  for (const auto& [endpoint, until] : pinned_) {
    if (!std::binary_search(partners.begin(), partners.end(), endpoint) &&
        !std::binary_search(exchanged_endpoints.begin(), exchanged_endpoints.end(), endpoint)) {
      actions.messages.push_back(PushOwnOffer(endpoint, now));
    }
  }
  return actions;
}

Actions Membership::OnGossip(const Inbound& in, const Gossip& gossip, TimePoint now) {
  fresh_.clear();
  for (const Offer& offer : gossip.offers) Merge(offer, offer.peer == in.from, now);
  Actions actions;
  if (in.message.request_id != 0) {
    if (pulled_since_round_.size() < kPeersMax) pulled_since_round_.insert(in.from);
    actions.messages.push_back({{in.from, in.link}, Envelope{self_, 0, Sample(now)}});
  }
  return actions;
}

std::vector<Offer> Membership::Everyone(TimePoint now) const {
  std::vector<Offer> all;
  all.reserve(offers_.size() + 1);
  all.push_back(OwnOffer(now));
  for (const Offer* offer : Alive()) {
    if (offer->peer != self_) all.push_back(*offer);
  }
  return all;
}

Actions Membership::OnPeersRequest(const Inbound& in, TimePoint now) {
  Gossip all;
  all.offers = Everyone(now);
  IssueOwnOffer(all.offers.front());
  Actions actions;
  actions.messages.push_back({{in.from, in.link}, Envelope{self_, in.message.request_id, std::move(all)}});
  return actions;
}

}  // namespace potluck
