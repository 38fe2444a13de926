// Membership by push-pull gossip: every round the node sends its own fresh offer and the
// offers it knows to a few random peers, which answer with theirs. Offers expire; a peer
// whose latest offer expired is gone. Sans-IO, like the other cores. Not thread-safe.
#pragma once

#include <map>
#include <random>
#include <string>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/core/directory.h"
#include "potluck/core/peer_store.h"

namespace potluck {

struct MembershipConfig {
  std::vector<std::string> bootstrap;  // endpoints to gossip with until they answer
  Duration round = std::chrono::seconds(1);
  uint32_t fanout = 3;                 // peers gossiped with per round
  Duration offer_ttl = std::chrono::seconds(10);
  size_t remembered_peers_max = 64;    // endpoints tried from the store after a restart
};

constexpr size_t kGossipOffersMax = 256;
constexpr size_t kPeersMax = 100000;
constexpr size_t kDiscoveredMax = 256;

class Membership final : public Directory {
 public:
  // REQUIRES: `store` outlives this. `seed` makes the choice of gossip partners repeatable.
  Membership(PeerId self, MembershipConfig config, PeerStore& store, uint64_t seed);

  // Remembers the peers of an earlier run as extra gossip partners.
  Status Load();
  // An endpoint heard of some other way (a LAN beacon): gossiped with until a peer there answers.
  void Discover(const std::string& endpoint);
  // Our own offer, minus the fields Membership fills in (peer, issue and expiry times).
  void SetOwnOffer(Offer offer) { own_ = std::move(offer); }

  Actions Tick(TimePoint now);
  Actions OnGossip(const Inbound& in, const Gossip& gossip, TimePoint now);
  Actions OnPeersRequest(const Inbound& in, TimePoint now);

  // Offers that were new or newer in the last OnGossip() call, for the holder to read.
  const std::vector<Offer>& fresh() const { return fresh_; }

  // Our own offer as of `now`, then every live offer of other peers: what a PeersRequest is
  // answered with.
  std::vector<Offer> Everyone(TimePoint now) const;

  // Other peers with a live offer.
  size_t peer_count() const { return offers_.size(); }
  const Offer* OfferOf(const PeerId& peer) const override;
  std::vector<const Offer*> Alive() const override;

 private:
  Offer OwnOffer(TimePoint now) const;
  Gossip Sample(TimePoint now);
  void Merge(const Offer& offer, TimePoint now);
  void Expire(TimePoint now);

  PeerId self_;
  MembershipConfig config_;
  PeerStore& store_;
  std::mt19937_64 rng_;
  Offer own_;
  Offer own_issued_;  // as last sent, so OfferOf(self) answers like for anyone else
  std::map<PeerId, Offer> offers_;
  std::vector<std::string> remembered_;
  std::vector<std::string> discovered_;
  std::vector<Offer> fresh_;
  TimePoint next_round_{};
};

}  // namespace potluck
