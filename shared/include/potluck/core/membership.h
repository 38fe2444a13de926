// Membership by push-pull gossip: every round the node sends its own fresh offer and a sample
// of the offers it knows to a few random peers, which answer with theirs. Offers expire; a peer
// whose latest offer expired is gone.
//
// What a node keeps stays bounded however large the grid: every offer a peer sent us itself,
// every offer of a holder with work (volunteers need those to find work), and at most
// `relayed_offers_max` others heard second-hand. Peers we work with (`Pin`) get our offer
// every round, so a holder always knows the peers it leases to without knowing the whole grid.
// Sans-IO, like the other cores. Not thread-safe.
#pragma once

#include <map>
#include <random>
#include <string>
#include <unordered_map>
#include <unordered_set>
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
  size_t relayed_offers_max = 128;     // offers of non-holders heard from someone else
  size_t gossip_offers = 8;            // others' offers per gossip message, holders' first
  Duration pin_for = std::chrono::seconds(30);  // how long a pinned endpoint hears our offer
};

constexpr size_t kGossipOffersMax = 256;
constexpr size_t kPinnedMax = 64;
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
  // Our own offer, minus the fields Membership fills in (peer, issue and expiry times). One
  // that holds a project the last gossiped one did not brings the next round forward to the
  // next Tick: volunteers learn of new work within a tick instead of a round.
  void SetOwnOffer(Offer offer);

  // We work with the peer at `endpoint` (we ask it for work or send it results): it hears our
  // offer every round until `pin_for` after the last call. A newly pinned endpoint gets it at
  // once, in the returned actions, so that it arrives before whatever we send next.
  Actions Pin(const std::string& endpoint, TimePoint now);

  Actions Tick(TimePoint now);
  TimePoint NextDue() const { return next_round_; }
  Actions OnGossip(const Inbound& in, const Gossip& gossip, TimePoint now);
  Actions OnPeersRequest(const Inbound& in, TimePoint now);

  // Offers that were new or newer in the last OnGossip() call, for the holder to read.
  // They point into the view: valid until the next call of OnGossip() or Tick().
  const std::vector<const Offer*>& fresh() const { return fresh_; }

  // Our own offer as of `now`, then every live offer of other peers: what a PeersRequest is
  // answered with.
  std::vector<Offer> Everyone(TimePoint now) const;

  // Other peers with a live offer, and of them those heard second-hand (not holders).
  size_t peer_count() const { return offers_.size(); }
  size_t relayed_count() const { return relayed_count_; }
  const Offer* OfferOf(const PeerId& peer) const override;
  const std::vector<const Offer*>& Alive() const override;
  const std::vector<const Offer*>& Holding() const override;

 private:
  // How an offer came to be kept, which decides whether it counts against the relayed bound.
  enum class Source { kDirect, kHolder, kRelayed };
  struct Known {
    Offer offer;
    Source source;
    size_t slot = 0;  // where it stands in its group, holders_ or others_
  };

  Offer OwnOffer(TimePoint now) const;
  // Makes `offer` our last issued one, the one Alive() and Holding() list for us.
  void IssueOwnOffer(Offer offer);
  Gossip Sample(TimePoint now);
  // `count` distinct entries of `from` (all of them if it has no more), in random order.
  std::vector<const Known*> PickRandom(const std::vector<Known*>& from, size_t count);
  // The group an offer is sampled from, by whether it holds work; Enlist() after it joins
  // offers_ or changes group, Delist() before it leaves or changes.
  std::vector<Known*>& GroupOf(const Known& known);
  void Enlist(Known& known);
  void Delist(Known& known);
  void Merge(const Offer& offer, bool direct, TimePoint now);
  void Expire(TimePoint now);
  Outgoing PushOwnOffer(const std::string& endpoint, TimePoint now);

  PeerId self_;
  MembershipConfig config_;
  PeerStore& store_;
  std::mt19937_64 rng_;
  Offer own_;
  Offer own_issued_;  // as last sent, so OfferOf(self) answers like for anyone else
  std::unordered_map<PeerId, Known, Id32Hash> offers_;
  // Alive() and Holding(), kept until a peer comes or goes or joins or leaves the holders.
  mutable std::vector<const Offer*> alive_, holding_;
  mutable bool alive_stale_ = true, holding_stale_ = true;
  // Every entry of offers_, in one of two groups for sampling: holders with work and the rest.
  std::vector<Known*> holders_, others_;
  size_t relayed_count_ = 0;
  std::map<std::string, TimePoint> pinned_;  // endpoint -> until when
  std::vector<std::string> remembered_;
  std::vector<std::string> discovered_;
  std::vector<const Offer*> fresh_;
  // Peers whose push-pull we answered since our last round: they have our offer and we
  // theirs, so the next round leaves them out unless it carries news of work.
  std::unordered_set<PeerId, Id32Hash> pulled_since_round_;
  TimePoint next_round_{};
};

}  // namespace potluck
