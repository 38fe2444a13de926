#include "potluck/core/holder.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "potluck/core/membership.h"
#include "potluck/core/network.h"
#include "potluck/crypto/hash.h"

namespace potluck {
namespace {

// How far Grant() looks through a project's units short of replicas before taking fresh ones.
// Bounded so that a peer which already holds or claimed the first of them costs little per
// request.
constexpr size_t kShortScanMax = 512;
// The seconds of kThroughputWindow, and the one under way.
constexpr size_t kRecentSecondsMax = std::chrono::duration_cast<std::chrono::seconds>(kThroughputWindow).count() + 1;

}  // namespace

Holder::Holder(PeerId self, std::string endpoint, HolderConfig config, LedgerStore& store, const Directory& directory,
               const WorkloadRegistry& workloads)
    : self_(self), endpoint_(std::move(endpoint)), config_(config), store_(store), directory_(directory),
      workloads_(workloads), rng_(Id32Hash{}(self)) {}

uint64_t Holder::SeqFloor(const ProjectId& project) {
  auto floor = store_.ClaimSeqFloor(project);
  if (floor.ok()) return floor.value();
  // Passes then start from the first claim of all: slower, never wrong.
  spdlog::warn("project {}: where its claims start is unknown: {}", project.Short(), floor.status().message());
  return 0;
}

Status Holder::Load(TimePoint now) {
  auto snapshot = store_.LoadLedger();
  if (!snapshot.ok()) return snapshot.status();
  for (auto& row : snapshot->projects) {
    auto opened = OpenManifest(row.manifest);
    if (!opened.ok()) return Corrupt("stored project " + row.id.Short() + ": " + opened.status().message());
    Project& p = projects_[row.id];
    p.id = row.id;
    p.manifest_bytes = std::move(row.manifest);
    p.manifest = std::move(opened->manifest);
    p.workload = workloads_.Find(p.manifest.workload, p.manifest.workload_version);
    p.submitted = row.submitted;
    p.cancelled = row.cancelled;
    p.live_holders = {self_};
    p.seq_floor = SeqFloor(p.id);
  }
  for (const auto& row : snapshot->claims) {
    auto it = projects_.find(row.unit.project);
    if (it == projects_.end()) continue;
    it->second.units[row.unit.index].claims.push_back({row.peer, row.hash, row.network, row.alone});
    it->second.contributors.insert(row.peer);
    ++it->second.claims_stored;
  }
  for (const auto& row : snapshot->leases) {
    auto it = projects_.find(row.unit.project);
    if (it == projects_.end()) continue;
    it->second.units[row.unit.index].leases.push_back({row.peer, row.deadline, now});
    lease_deadlines_.insert({row.deadline, {row.unit, row.peer}});
    leases_by_peer_[row.peer].insert(row.unit);
  }
  for (auto& [id, p] : projects_) {
    for (auto& [index, unit] : p.units) {
      Verdict v = potluck::Decide(unit.claims, p.manifest.policy);
      unit.state = v.state;
      if (v.state == UnitState::kVerified) Score(unit.claims, v.hash);
      if (v.state == UnitState::kVerified) ++p.verified;
      if (v.state == UnitState::kFailed) ++p.failed;
      if (v.state == UnitState::kFailed) p.failed_units.insert(index);
      if (v.state == UnitState::kPending) p.open.insert(index);
      Reindex(p, index, unit);
      const auto& claims = unit.claims;
      if (std::any_of(claims.begin(), claims.end(), [&](const auto& c) { return c.hash != claims.front().hash; })) {
        p.disputed.insert(index);
      }
    }
    for (auto it = p.units.begin(); it != p.units.end();) Settle(p, (it++)->first);
    spdlog::info("project {} loaded: {}/{} units verified", id.Short(), p.verified, p.manifest.units);
  }
  return Status::Ok();
}

Actions Holder::OnMessage(const Inbound& in, TimePoint now) {
  if (!in.host.empty()) {
    if (networks_.size() >= kPeersMax && !networks_.contains(in.from)) networks_.clear();
    networks_[in.from] = potluck::NetworkOf(in.host);
  }
  Actions actions = std::visit(
      [&](const auto& body) -> Actions {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, WorkRequest>) return OnWorkRequest(in, body.slots, now);
        if constexpr (std::is_same_v<T, ClaimBatch>) return OnClaims(in, body, now);
        if constexpr (std::is_same_v<T, SubmitProject>) return OnSubmit(in, body, now);
        if constexpr (std::is_same_v<T, ProjectRequest>) return OnProjectRequest(in, body, now);
        if constexpr (std::is_same_v<T, HoldRequest>) return OnHoldRequest(in, body, now);
        if constexpr (std::is_same_v<T, HoldAck>) return OnHoldAck(in, body, now);
        if constexpr (std::is_same_v<T, LedgerPush>) return OnLedgerPush(in, body, now);
        if constexpr (std::is_same_v<T, LedgerAck>) return OnLedgerAck(in, body, now);
        if constexpr (std::is_same_v<T, LeaseMoved>) OnLeaseMoved(in, body, now);
        if constexpr (std::is_same_v<T, CancelProject>) return OnCancel(in, body, now);
        return {};
      },
      in.message.body);
  if (Buggify(config_.faults, FaultPoint::kReplyForgotten)) {
    std::erase_if(actions.messages, [&](const Outgoing& out) { return out.to.endpoint.empty() && out.to.peer == in.from; });
  }
  SendVerifiedNotices(actions, now);
  return actions;
}

Envelope Holder::Answer(const Inbound& in, Body body) const {
  return Envelope{self_, in.message.request_id, std::move(body)};
}

void Holder::OnOffer(const Offer& offer, TimePoint now) {
  // Co-holders are known only from traffic, so one that restarted, or that a partition kept
  // apart, may be forgotten by the others; its offer says it still holds the project.
  for (const ProjectId& id : offer.holds) {
    auto held = projects_.find(id);
    if (held != projects_.end() && offer.peer != self_ && !held->second.co_holders.contains(offer.peer)) {
      AddCoHolders(held->second, {{offer.peer, offer.endpoint}}, nullptr);
    }
  }
  auto by_peer = leases_by_peer_.find(offer.peer);
  if (by_peer == leases_by_peer_.end()) return;
  const std::set<UnitKey> confirmed(offer.leases.begin(), offer.leases.end());
  std::vector<UnitKey> lost;
  for (const UnitKey& key : by_peer->second) {
    if (!confirmed.contains(key)) lost.push_back(key);
  }
  for (const UnitKey& key : lost) {
    Project& p = projects_.at(key.project);
    UnitLedger& unit = p.units.at(key.index);
    auto lease = std::find_if(unit.leases.begin(), unit.leases.end(), [&](const auto& l) { return l.peer == offer.peer; });
    // The offer must be younger than the grant by the grace, on both sides' clocks, before
    // its silence about the lease counts.
    if (lease == unit.leases.end() || now - lease->granted < config_.unconfirmed_lease_grace ||
        offer.issued_unix_ms < ToUnixMs(lease->granted + config_.unconfirmed_lease_grace / 2)) {
      continue;
    }
    DropLease(p, key.index, unit, offer.peer);
    ++counters_.leases_unconfirmed;
    spdlog::info("lease {}#{} never reached {}; it goes to others", key.project.Short(), key.index, offer.peer.Short());
  }
}

Actions Holder::OnWorkRequest(const Inbound& in, uint32_t slots, TimePoint now) {
  Actions actions;
  // A peer we have no offer from yet gets nothing; gossip brings its offer within a round.
  LeaseGrant grant = directory_.OfferOf(in.from) ? Grant(in.from, slots, now) : LeaseGrant{};
  if (!grant.leases.empty()) {
    hungry_.erase(in.from);
  } else if (hungry_.size() < kHungryPeersMax || hungry_.contains(in.from)) {
    hungry_[in.from] = slots;
  }
  actions.messages.push_back({{in.from, in.link}, Answer(in, std::move(grant))});
  return actions;
}

bool Holder::Runs(const Offer& offer, const Manifest& manifest) {
  return std::any_of(offer.workloads.begin(), offer.workloads.end(), [&](const WorkloadVersion& w) {
    return w.name == manifest.workload && w.version == manifest.workload_version;
  });
}

LeaseGrant Holder::Grant(const PeerId& peer, uint32_t slots, TimePoint now) {
  LeaseGrant grant;
  const Offer* offer = directory_.OfferOf(peer);
  if (!offer || reputation_.Ignored(peer)) return grant;
  slots = std::min(slots, config_.leases_per_request_max);
  auto held = leases_by_peer_.find(peer);
  size_t holding = held == leases_by_peer_.end() ? 0 : held->second.size();
  slots = static_cast<uint32_t>(std::min<size_t>(slots, kLeasesPerPeerMax - std::min(kLeasesPerPeerMax, holding)));
  std::vector<Project*> order;
  for (auto& [id, p] : projects_) {
    if (p.unfinished() && Runs(*offer, p.manifest)) order.push_back(&p);
  }
  std::stable_sort(order.begin(), order.end(), [](const Project* a, const Project* b) {
    return a->manifest.priority != b->manifest.priority ? a->manifest.priority > b->manifest.priority
                                                        : a->submitted < b->submitted;
  });
  for (Project* p : order) {
    size_t given_before = grant.leases.size();
    size_t scanned = 0;
    auto& wanting = p->short_of_replicas;
    for (auto it = wanting.begin(); it != wanting.end() && grant.leases.size() < slots && scanned < kShortScanMax;
         ++scanned) {
      uint64_t index = *it++;  // TryLease may erase this unit from the set, never another
      TryLease(*p, index, peer, now, grant);
    }
    while (grant.leases.size() < slots && p->fresh_cursor < p->manifest.units) {
      uint64_t index = p->fresh_cursor++;
      // Claimed before we leased it, or another holder's share: not ours to start.
      if (Touched(*p, index) || !Mine(*p, index)) continue;
      p->open.insert(index);
      Reindex(*p, index, p->units[index]);
      TryLease(*p, index, peer, now, grant);
    }
    if (grant.leases.size() > given_before) grant.manifests.push_back(p->manifest_bytes);
    if (grant.leases.size() >= slots) break;
  }
  return grant;
}

bool Holder::TryLease(Project& p, uint64_t index, const PeerId& peer, TimePoint now, LeaseGrant& grant) {
  UnitLedger& unit = p.units[index];
  if (unit.state != UnitState::kPending) return false;
  auto same_peer = [&](const auto& x) { return x.peer == peer; };
  // One replica of a unit per peer: its own results cannot agree with each other.
  if (std::any_of(unit.claims.begin(), unit.claims.end(), same_peer)) return false;
  if (std::any_of(unit.leases.begin(), unit.leases.end(), same_peer)) return false;
  if (std::any_of(unit.leases.begin(), unit.leases.end(), [](const auto& l) { return l.alone; })) return false;
  if (!NetworkFree(p, unit, peer)) return false;
  Verdict v = potluck::Decide(unit.claims, p.manifest.policy);
  if (unit.leases.size() >= v.replicas_wanted) return false;
  const bool alone = unit.claims.empty() && unit.leases.empty() && LeaseAlone(p, peer);

  TimePoint deadline = now + p.manifest.policy.deadline;
  UnitKey key{p.id, index};
  unit.leases.push_back({peer, deadline, now, alone});
  Reindex(p, index, unit);
  lease_deadlines_.insert({deadline, {key, peer}});
  leases_by_peer_[peer].insert(key);
  store_.PutLease({key, peer, deadline});
  grant.leases.push_back({key, ToUnixMs(deadline)});
  ++counters_.leases_granted;
  spdlog::debug("lease {}#{} to {} until {}{}", p.id.Short(), index, peer.Short(), ToUnixMs(deadline),
                alone ? ", alone" : "");
  return true;
}

bool Holder::WantsLeases(const Project& p, uint64_t index, const UnitLedger& unit) const {
  if (unit.state != UnitState::kPending || !Mine(p, index)) return false;
  if (std::any_of(unit.leases.begin(), unit.leases.end(), [](const auto& l) { return l.alone; })) return false;
  return unit.leases.size() < potluck::Decide(unit.claims, p.manifest.policy).replicas_wanted;
}

void Holder::Reindex(Project& p, uint64_t index, const UnitLedger& unit) {
  if (WantsLeases(p, index, unit)) {
    p.short_of_replicas.insert(index);
  } else {
    p.short_of_replicas.erase(index);
  }
}

std::string Holder::NetworkOfPeer(const PeerId& peer) const {
  auto it = networks_.find(peer);
  return it == networks_.end() ? "" : it->second;
}

bool Holder::NetworkFree(const Project& p, const UnitLedger& unit, const PeerId& peer) const {
  if (!p.manifest.policy.distinct_networks) return true;
  const std::string network = NetworkOfPeer(peer);
  if (network.empty()) return true;
  return std::none_of(unit.claims.begin(), unit.claims.end(), [&](const auto& c) { return c.network == network; }) &&
         std::none_of(unit.leases.begin(), unit.leases.end(), [&](const auto& l) { return NetworkOfPeer(l.peer) == network; });
}

bool Holder::LeaseAlone(const Project& p, const PeerId& peer) {
  if (!p.manifest.policy.adaptive()) return false;
  const PeerRecord record = reputation_.Of(peer);
  if (record.consecutive < kTrustAfterConsecutive) return false;
  const double replicate = std::max(p.manifest.policy.spot_check_ppm / 1e6, 1.0 / static_cast<double>(record.consecutive));
  if (std::uniform_real_distribution<double>(0, 1)(rng_) < replicate) {
    ++counters_.spot_checks;
    return false;
  }
  ++counters_.leases_alone;
  return true;
}

void Holder::DropLease(Project& p, uint64_t index, UnitLedger& unit, const PeerId& peer) {
  auto it = std::find_if(unit.leases.begin(), unit.leases.end(), [&](const auto& l) { return l.peer == peer; });
  if (it == unit.leases.end()) return;
  UnitKey key{p.id, index};
  lease_deadlines_.erase({it->deadline, {key, peer}});
  unit.leases.erase(it);
  // Most units are never leased again once claimed: give the memory back (about 130 bytes a
  // unit at quorum 2, a third of what a decided unit costs here).
  if (unit.leases.empty()) std::vector<ActiveLease>().swap(unit.leases);
  Reindex(p, index, unit);
  auto by_peer = leases_by_peer_.find(peer);
  if (by_peer != leases_by_peer_.end()) {
    by_peer->second.erase(key);
    if (by_peer->second.empty()) leases_by_peer_.erase(by_peer);
  }
  store_.DropLease(key, peer);
}

void Holder::OnLeaseMoved(const Inbound& in, const LeaseMoved& moved, TimePoint now) {
  auto p = projects_.find(moved.unit.project);
  if (p == projects_.end()) return;
  auto unit = p->second.units.find(moved.unit.index);
  if (unit == p->second.units.end()) return;
  auto& leases = unit->second.leases;
  auto lease = std::find_if(leases.begin(), leases.end(), [&](const auto& l) { return l.peer == in.from; });
  if (lease == leases.end()) return;
  const TimePoint deadline = lease->deadline;
  DropLease(p->second, moved.unit.index, unit->second, in.from);
  auto same = [&](const auto& x) { return x.peer == moved.to; };
  // The new peer may already hold or have computed a replica: then it is one lease fewer. A
  // decided unit needs no more replicas.
  if (std::any_of(leases.begin(), leases.end(), same) ||
      std::any_of(unit->second.claims.begin(), unit->second.claims.end(), same) ||
      unit->second.state != UnitState::kPending) {
    Settle(p->second, moved.unit.index);
    return;
  }
  leases.push_back({moved.to, deadline, now});
  Reindex(p->second, moved.unit.index, unit->second);
  lease_deadlines_.insert({deadline, {moved.unit, moved.to}});
  leases_by_peer_[moved.to].insert(moved.unit);
  store_.PutLease({moved.unit, moved.to, deadline});
  ++counters_.leases_moved;
  spdlog::info("lease {}#{} moved from {} to {}", moved.unit.project.Short(), moved.unit.index, in.from.Short(),
               moved.to.Short());
}

Actions Holder::OnClaims(const Inbound& in, const ClaimBatch& batch, TimePoint now) {
  ClaimAck ack;
  std::vector<ProjectId> grown;  // projects the batch added claims to
  for (const Claim& claim : batch.claims) {
    const bool accepted = AcceptClaim(in.from, claim, NetworkOfPeer(in.from), false, std::nullopt, now);
    if (accepted && std::find(grown.begin(), grown.end(), claim.unit.project) == grown.end()) {
      grown.push_back(claim.unit.project);
    }
    // Refused claims are acknowledged too: resending them would not change the answer.
    ack.units.push_back(claim.unit);
  }
  Actions actions;
  actions.messages.push_back({{in.from, in.link}, Answer(in, std::move(ack))});
  // New claims go to the co-holders now rather than at the next push interval, so that they
  // learn of a project's last units at once.
  for (const ProjectId& id : grown) PushLedger(projects_.at(id), now, actions);
  ServeHungryPeers(now, actions);
  return actions;
}

bool Holder::AcceptClaim(const PeerId& peer, const Claim& claim, std::string network, bool alone,
                         const std::optional<PeerId>& relayed_by, TimePoint now) {
  const bool accepted = TakeClaim(peer, claim, std::move(network), alone, relayed_by, now);
  auto it = projects_.find(claim.unit.project);
  if (it != projects_.end()) Settle(it->second, claim.unit.index);
  return accepted;
}

bool Holder::TakeClaim(const PeerId& peer, const Claim& claim, std::string network, bool alone,
                       const std::optional<PeerId>& relayed_by, TimePoint now) {
  auto it = projects_.find(claim.unit.project);
  // A claim counts only with its computing peer's signature, so no holder can make one up.
  // One we hold already (same peer, same hash) was checked when it came first; checking its
  // copies again, from resends and from every co-holder's pushes, would cost most of a fast
  // grid's CPU, and a copy changes nothing that its signature would have to vouch for.
  if (it == projects_.end() || claim.unit.index >= it->second.manifest.units ||
      (!HoldsClaim(it->second, claim.unit.index, peer, claim.hash) &&
       (claim.result.size() > kResultBytesMax || ResultHash{Blake2b256(claim.result)} != claim.hash ||
        !ClaimSigned(peer, claim)))) {
    ++counters_.claims_refused;
    spdlog::warn("refused a claim from {} for {}#{}", peer.Short(), claim.unit.project.Short(), claim.unit.index);
    return false;
  }
  Project& p = it->second;
  const uint64_t index = claim.unit.index;
  UnitLedger* ledger = Unsettle(p, index);
  if (!ledger) {
    ++counters_.claims_refused;
    return false;
  }
  UnitLedger& unit = *ledger;
  if (unit.claims.empty() && unit.leases.empty() && unit.state == UnitState::kPending) p.open.insert(index);
  // A claim on the lease this holder gave out alone verifies its unit by itself. The co-holder
  // that pushed it does not know that yet, so it goes back there too.
  std::optional<PeerId> relayer = relayed_by;
  if (!alone && std::any_of(unit.leases.begin(), unit.leases.end(), [&](const auto& l) { return l.peer == peer && l.alone; })) {
    alone = true;
    relayer.reset();
  }
  DropLease(p, index, unit, peer);
  auto held = std::find_if(unit.claims.begin(), unit.claims.end(), [&](const auto& c) { return c.peer == peer; });
  if (held != unit.claims.end()) {
    OnSecondClaim(p, unit, *held, claim, alone, now);
    return false;
  }
  if (!unit.claims.empty() && unit.claims.front().hash != claim.hash) p.disputed.insert(index);
  unit.claims.push_back({peer, claim.hash, network, alone});
  Reindex(p, claim.unit.index, unit);
  p.contributors.insert(peer);
  store_.PutClaim({claim.unit, peer, claim.hash, claim.signature, claim.proof, std::move(network), alone, relayer},
                  claim.result);
  ++p.claims_stored;
  ++counters_.claims_accepted;
  if (unit.state == UnitState::kPending) {
    Decide(p, index, unit, now);
  } else if (!Revise(p, index, unit, now) && unit.state == UnitState::kVerified) {
    // A late result for a unit already verified still tells us about its peer, and earns credit if right.
    const ResultHash agreed = potluck::Decide(unit.claims, p.manifest.policy).hash;
    Score({unit.claims.back()}, agreed);
    if (claim.hash != agreed) ++counters_.results_rejected;
    if (claim.hash == agreed) NoteVerified(peer, claim.unit, agreed, now);
  }
  return true;
}

void Holder::OnSecondClaim(Project& p, UnitLedger& unit, ClaimRecord& held, const Claim& claim, bool alone,
                           TimePoint now) {
  const uint64_t index = claim.unit.index;
  if (held.hash == claim.hash) {
    ++counters_.claims_duplicate;
    // The claim reached us before the word of the holder that leased it alone.
    if (!alone || held.alone) return;
    held.alone = true;
    store_.MarkClaimAlone(claim.unit, held.peer);
  } else {
    // Two signed results of one unit from one peer prove that it lied. Every holder keeps the
    // smaller hash, so that their ledgers end up equal whatever order the two arrive in.
    spdlog::warn("peer {} signed two different results for {}#{}", held.peer.Short(), p.id.Short(), index);
    ++counters_.claims_contradicting;
    reputation_.Record(held.peer, false);
    if (!(claim.hash < held.hash)) return;
    held.hash = claim.hash;
    held.alone = held.alone || alone;
    p.disputed.insert(index);
    store_.ReplaceClaim({claim.unit, held.peer, claim.hash, claim.signature, claim.proof, held.network, held.alone},
                        claim.result);
    ++p.claims_stored;
  }
  if (unit.state == UnitState::kPending) {
    Decide(p, index, unit, now);
  } else {
    Revise(p, index, unit, now);
  }
  Reindex(p, index, unit);
}

bool Holder::Revise(Project& p, uint64_t index, UnitLedger& unit, TimePoint now) {
  const Verdict v = potluck::Decide(unit.claims, p.manifest.policy);
  if (v.state == unit.state) return false;
  if (unit.state == UnitState::kVerified) {
    --p.verified;
  } else {
    --p.failed;
    p.failed_units.erase(index);
  }
  spdlog::warn("unit {}#{} reopened: its claims changed its verdict", p.id.Short(), index);
  unit.state = UnitState::kPending;
  p.open.insert(index);
  Decide(p, index, unit, now);
  Reindex(p, index, unit);
  return true;
}

bool Holder::ClaimSigned(const PeerId& peer, const Claim& claim) {
  // The claims of one batch share a signature and arrive together, in a batch or a push: it is
  // checked for the first of them, and the rest are found in the memo (or, when batches
  // interleave, among the signatures found good).
  // The check captures only `this`, so it needs no allocation for each claim.
  auto check = [this](const PeerId& signer, const Signature& signature, const Bytes& statement) {
    auto good = std::find_if(good_signatures_.begin(), good_signatures_.end(), [&](const GoodSignature& g) {
      return g.peer == signer && g.signature == signature && g.statement == statement;
    });
    if (good != good_signatures_.end()) return true;
    const bool ok = config_.signatures ? config_.signatures->Check(signer, statement, signature)
                                       : VerifySignature(signer, statement, signature);
    if (ok) good_signatures_[next_good_signature_++ % good_signatures_.size()] = {signer, signature, statement};
    return ok;
  };
  return claim_tree_memo_.Check(peer, claim.signature, claim.unit, claim.hash, claim.proof, check);
}

bool Holder::HoldsClaim(Project& p, uint64_t index, const PeerId& peer, const ResultHash& hash) {
  UnitLedger* unit = Touched(p, index) ? Unsettle(p, index) : nullptr;
  if (!unit) return false;
  const auto& claims = unit->claims;
  return std::any_of(claims.begin(), claims.end(), [&](const auto& c) { return c.peer == peer && c.hash == hash; });
}

void Holder::Decide(Project& p, uint64_t index, UnitLedger& unit, TimePoint now) {
  Verdict v = potluck::Decide(unit.claims, p.manifest.policy);
  if (v.state == UnitState::kPending) {
    if (v.agreeing < unit.claims.size()) {
      spdlog::info("unit {}#{} disputed: {} results disagree, asking for {} more", p.id.Short(), index,
                   unit.claims.size(), v.replicas_wanted);
    }
    return;
  }
  unit.state = v.state;
  p.open.erase(index);
  p.short_of_replicas.erase(index);
  for (const ActiveLease& lease : std::vector<ActiveLease>(unit.leases)) DropLease(p, index, unit, lease.peer);
  if (v.state == UnitState::kVerified) {
    Score(unit.claims, v.hash);
    for (const ClaimRecord& c : unit.claims) {
      if (c.hash == v.hash) NoteVerified(c.peer, {p.id, index}, v.hash, now);
    }
    ++p.verified;
    ++counters_.units_verified;
    counters_.results_rejected +=
        std::count_if(unit.claims.begin(), unit.claims.end(), [&](const auto& c) { return c.hash != v.hash; });
    const TimePoint second = std::chrono::floor<std::chrono::seconds>(now);
    if (p.recent_verified.empty() || p.recent_verified.back().first != second) {
      if (p.recent_verified.size() >= kRecentSecondsMax) p.recent_verified.pop_front();
      p.recent_verified.push_back({second, 0});
    }
    ++p.recent_verified.back().second;
    spdlog::debug("unit {}#{} verified by {} peers ({}/{})", p.id.Short(), index, v.agreeing, p.verified,
                  p.manifest.units);
  } else {
    ++p.failed;
    p.failed_units.insert(index);
    ++counters_.units_failed;
    spdlog::warn("unit {}#{} failed: {} results and no quorum", p.id.Short(), index, unit.claims.size());
  }
  if (p.verified + p.failed == p.manifest.units) {
    spdlog::info("project {} complete: {} verified, {} failed", p.id.Short(), p.verified, p.failed);
  }
}

void Holder::Score(const std::vector<ClaimRecord>& claims, const ResultHash& agreed) {
  for (const ClaimRecord& c : claims) {
    // A result nobody else computed proves nothing about its peer, for or against.
    if (c.alone) continue;
    bool was_ignored = reputation_.Ignored(c.peer);
    reputation_.Record(c.peer, c.hash == agreed);
    if (!was_ignored && reputation_.Ignored(c.peer)) {
      PeerRecord r = reputation_.Of(c.peer);
      spdlog::warn("peer {} is ignored from now on: {} wrong results, {} right", c.peer.Short(), r.disagreed, r.agreed);
    }
  }
}

Actions Holder::Tick(TimePoint now) {
  ExpireLeases(now);
  Actions actions;
  for (auto& [id, p] : projects_) {
    UpdateLiveHolders(p);
    if (now >= p.next_recruit) Recruit(p, now, actions);
  }
  PushLedgers(now, actions);
  std::vector<ProjectId> due;
  for (const auto& [id, pending] : pending_submits_) {
    if (now >= pending.deadline) due.push_back(id);
  }
  for (const ProjectId& id : due) AnswerPendingSubmits(id, /*force=*/true, now, actions);
  ServeHungryPeers(now, actions);
  SendVerifiedNotices(actions, now);
  return actions;
}

TimePoint Holder::NextDue(TimePoint now) const {
  TimePoint due = notices_due_;
  if (!lease_deadlines_.empty()) due = std::min(due, lease_deadlines_.begin()->first);
  for (const auto& [id, pending] : pending_submits_) due = std::min(due, pending.deadline);
  for (const auto& [id, p] : projects_) {
    if (p.live_holders.size() < p.manifest.policy.holders && p.live_holders.front() == self_) {
      due = std::min(due, p.next_recruit);
    }
    for (const auto& [peer, co] : p.co_holders) {
      if (co.caught_up_at == p.claims_stored) continue;
      // One push in flight per co-holder: its answer sends the next, or it is sent again.
      due = std::min(due, co.push_sent ? std::max(next_push_, *co.push_sent + config_.push_retry) : next_push_);
    }
  }
  return std::max(due, now);
}

void Holder::ExpireLeases(TimePoint now) {
  std::vector<std::pair<UnitKey, PeerId>> expired;
  for (auto it = lease_deadlines_.begin(); it != lease_deadlines_.end() && it->first <= now; ++it) {
    expired.push_back(it->second);
  }
  for (const auto& [gone, units] : leases_by_peer_) {
    const PeerId& peer = gone;  // a named copy: lambdas cannot capture structured bindings everywhere
    if (directory_.OfferOf(peer)) continue;
    for (const UnitKey& key : units) {
      const auto& leases = projects_.at(key.project).units.at(key.index).leases;
      auto lease = std::find_if(leases.begin(), leases.end(), [&](const auto& l) { return l.peer == peer; });
      if (lease != leases.end() && now - lease->granted >= config_.peer_timeout) expired.push_back({key, peer});
    }
  }
  for (const auto& [key, peer] : expired) {
    auto p = projects_.find(key.project);
    if (p == projects_.end()) continue;
    auto unit = p->second.units.find(key.index);
    if (unit == p->second.units.end()) continue;
    size_t before = unit->second.leases.size();
    DropLease(p->second, key.index, unit->second, peer);
    if (unit->second.leases.size() < before) {
      ++counters_.leases_expired;
      spdlog::info("lease {}#{} of {} lapsed", key.project.Short(), key.index, peer.Short());
    }
  }
}

bool Holder::HasWorkToGrant() const {
  return std::any_of(projects_.begin(), projects_.end(), [](const auto& entry) {
    const Project& p = entry.second;
    return !p.cancelled && (!p.short_of_replicas.empty() || p.fresh_cursor < p.manifest.units);
  });
}

void Holder::ServeHungryPeers(TimePoint now, Actions& actions) {
  // At the end of a project every worker waits here, and each claim would try them all
  // against the same few units: stop once nothing is left to lease.
  for (auto it = hungry_.begin(); it != hungry_.end() && HasWorkToGrant();) {
    if (!directory_.OfferOf(it->first)) {
      it = hungry_.erase(it);
      continue;
    }
    LeaseGrant grant = Grant(it->first, std::min(it->second, kLeasesPushedMax), now);
    if (grant.leases.empty()) {
      ++it;
      continue;
    }
    // Pushed unasked: request id 0. It goes back over the peer's own connection to us.
    actions.messages.push_back({{it->first, ""}, Envelope{self_, 0, std::move(grant)}});
    it = hungry_.erase(it);
  }
}

Result<Holder::Project*> Holder::AddProject(const Bytes& manifest_bytes, TimePoint now) {
  auto opened = OpenManifest(manifest_bytes);
  if (!opened.ok()) return InvalidArgument(opened.status().message());
  const Manifest& manifest = opened->manifest;
  const Workload* workload = workloads_.Find(manifest.workload, manifest.workload_version);
  if (!workload) {
    return InvalidArgument("unknown workload '" + manifest.workload + "' version " +
                           std::to_string(manifest.workload_version));
  }
  if (Status s = workload->Validate(manifest.params, manifest.units); !s.ok()) return s;
  auto [it, fresh] = projects_.try_emplace(opened->id);
  Project& p = it->second;
  if (!fresh) return &p;  // the same manifest twice is harmless
  p.id = opened->id;
  p.manifest_bytes = manifest_bytes;
  p.manifest = std::move(opened->manifest);
  p.workload = workload;
  p.submitted = now;
  p.live_holders = {self_};
  // A holder just recruited has not yet heard its co-holders' offers, and would take them for
  // gone and recruit others in their place: it waits as long as between recruitments first.
  p.next_recruit = now + kRecruitInterval;
  store_.PutProject({p.id, manifest_bytes, now});
  p.seq_floor = SeqFloor(p.id);
  return &p;
}

Result<ProjectId> Holder::Submit(const Bytes& manifest_bytes, TimePoint now, Actions& actions) {
  auto added = AddProject(manifest_bytes, now);
  if (!added.ok()) return added.status();
  Project& p = *added.value();
  spdlog::info("project {} submitted: {} v{}, {} units, quorum {}", p.id.Short(), p.manifest.workload,
               p.manifest.workload_version, p.manifest.units, p.manifest.policy.min_quorum);
  Recruit(p, now, actions);
  ServeHungryPeers(now, actions);
  return p.id;
}

Actions Holder::OnSubmit(const Inbound& in, const SubmitProject& submit, TimePoint now) {
  Actions actions;
  auto id = Submit(submit.manifest, now, actions);
  if (!id.ok()) {
    actions.messages.push_back({{in.from, in.link}, Answer(in, Reply{false, id.status().message(), std::nullopt})});
    return actions;
  }
  // The answer waits until a second holder has the project, so that losing this node right
  // after the answer loses no project; alone, or after submit_wait, it goes out anyway.
  pending_submits_.insert({id.value(), {in, now + config_.submit_wait}});
  AnswerPendingSubmits(id.value(), /*force=*/false, now, actions);
  return actions;
}

std::vector<std::string> Holder::CoHolderEndpoints() const {
  std::vector<std::string> out;
  for (const auto& [id, p] : projects_) {
    if (!p.unfinished()) continue;
    for (const auto& [peer, co] : p.co_holders) out.push_back(co.endpoint);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::vector<ProjectId> Holder::OpenProjects() const {
  std::vector<ProjectId> out;
  for (const auto& [id, p] : projects_) {
    if (p.unfinished()) out.push_back(id);
  }
  return out;
}

}  // namespace potluck
