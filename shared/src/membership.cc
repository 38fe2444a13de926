#include "potluck/core/membership.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

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
  return it == offers_.end() ? nullptr : &it->second;
}

std::vector<const Offer*> Membership::Alive() const {
  std::vector<const Offer*> out;
  if (own_issued_.peer == self_) out.push_back(&own_issued_);
  for (const auto& [id, offer] : offers_) out.push_back(&offer);
  std::sort(out.begin(), out.end(), [](const Offer* a, const Offer* b) { return a->peer < b->peer; });
  return out;
}

void Membership::Merge(const Offer& offer, TimePoint now) {
  if (offer.peer == self_ || offer.peer.IsZero() || offer.expires_unix_ms <= ToUnixMs(now)) return;
  auto it = offers_.find(offer.peer);
  if (it != offers_.end() && it->second.issued_unix_ms >= offer.issued_unix_ms) return;
  if (it == offers_.end()) {
    if (offers_.size() >= kPeersMax) return;
    spdlog::info("peer {} joined at {} ({} cores)", offer.peer.Short(), offer.endpoint, offer.cores);
  }
  bool moved = it == offers_.end() || it->second.endpoint != offer.endpoint;
  offers_[offer.peer] = offer;
  fresh_.push_back(offer);
  if (moved && !offer.endpoint.empty()) store_.PutPeer({offer.peer, offer.endpoint, now});
}

void Membership::Expire(TimePoint now) {
  for (auto it = offers_.begin(); it != offers_.end();) {
    if (it->second.expires_unix_ms > ToUnixMs(now)) {
      ++it;
      continue;
    }
    spdlog::info("peer {} went silent", it->first.Short());
    it = offers_.erase(it);
  }
}

Gossip Membership::Sample(TimePoint now) {
  Gossip gossip;
  own_issued_ = OwnOffer(now);
  gossip.offers.push_back(own_issued_);
  std::vector<const Offer*> others;
  for (const auto& [id, offer] : offers_) others.push_back(&offer);
  std::shuffle(others.begin(), others.end(), rng_);
  for (const Offer* offer : others) {
    if (gossip.offers.size() >= kGossipOffersMax) break;
    gossip.offers.push_back(*offer);
  }
  return gossip;
}

Actions Membership::Tick(TimePoint now) {
  Actions actions;
  Expire(now);
  if (now < next_round_) return actions;
  next_round_ = now + config_.round;

  // Partners: a few random live peers, and the bootstrap and remembered endpoints that no
  // live peer serves, so a node that knows nobody keeps trying them.
  std::set<std::string> known_endpoints;
  std::vector<std::string> partners;
  for (const auto& [id, offer] : offers_) {
    known_endpoints.insert(offer.endpoint);
    if (!offer.endpoint.empty()) partners.push_back(offer.endpoint);
  }
  std::shuffle(partners.begin(), partners.end(), rng_);
  if (partners.size() > config_.fanout) partners.resize(config_.fanout);
  for (const auto* list : {&config_.bootstrap, &remembered_, &discovered_}) {
    for (const auto& endpoint : *list) {
      if (!known_endpoints.contains(endpoint) && endpoint != own_.endpoint) partners.push_back(endpoint);
    }
  }
  std::sort(partners.begin(), partners.end());
  partners.erase(std::unique(partners.begin(), partners.end()), partners.end());

  Gossip gossip = Sample(now);
  for (const auto& endpoint : partners) {
    // A request id asks for the partner's offers in return: push-pull.
    actions.messages.push_back({{PeerId{}, endpoint}, Envelope{self_, 1, gossip}});
  }
  return actions;
}

Actions Membership::OnGossip(const Inbound& in, const Gossip& gossip, TimePoint now) {
  fresh_.clear();
  for (const Offer& offer : gossip.offers) Merge(offer, now);
  Actions actions;
  if (in.message.request_id != 0) {
    actions.messages.push_back({{in.from, in.link}, Envelope{self_, 0, Sample(now)}});
  }
  return actions;
}

std::vector<Offer> Membership::Everyone(TimePoint now) const {
  std::vector<Offer> all;
  all.reserve(offers_.size() + 1);
  all.push_back(OwnOffer(now));
  for (const auto& [id, offer] : offers_) all.push_back(offer);
  return all;
}

Actions Membership::OnPeersRequest(const Inbound& in, TimePoint now) {
  Gossip all;
  all.offers = Everyone(now);
  own_issued_ = all.offers.front();
  Actions actions;
  actions.messages.push_back({{in.from, in.link}, Envelope{self_, in.message.request_id, std::move(all)}});
  return actions;
}

}  // namespace potluck
