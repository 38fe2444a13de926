#include "potluck/core/volunteer.h"

#include <spdlog/spdlog.h>

#include <cmath>
#include <limits>

#include "potluck/crypto/hash.h"

namespace potluck {

Volunteer::Volunteer(const Signer& signer, VolunteerConfig config, VolunteerStore& store, const Directory& directory)
    : self_(signer.id()), signer_(signer), config_(std::move(config)), store_(store), directory_(directory) {}

Status Volunteer::Load(TimePoint now) {
  auto snapshot = store_.LoadVolunteer();
  if (!snapshot.ok()) return snapshot.status();
  for (const Bytes& bytes : snapshot->manifests) {
    if (!AddManifest(bytes)) return Corrupt("a stored manifest does not open");
  }
  for (const auto& row : snapshot->leases) {
    if (row.deadline <= now || !manifests_.contains(row.unit.project)) {
      store_.DropLease(row.unit);
      continue;
    }
    queue_.push_back({row.unit, row.deadline, row.holder});
    held_units_.insert(row.unit);
  }
  for (auto& row : snapshot->outbox) {
    outbox_[row.unit] = {{row.unit, row.hash, std::move(row.result)}, row.holder, TimePoint{}};
  }
  LoadCredit(snapshot.value(), now);
  if (!queue_.empty() || !outbox_.empty()) {
    spdlog::info("resuming: {} leases to compute, {} results to deliver", queue_.size(), outbox_.size());
  }
  return Status::Ok();
}

Outgoing Volunteer::To(const std::string& endpoint, Body body) {
  return {{PeerId{}, endpoint}, Envelope{self_, next_request_id_++, std::move(body)}};
}

Actions Volunteer::Start(TimePoint now) {
  Actions actions;
  SendDueClaims(now, /*force=*/true, actions);
  MaybeStartTask(now, actions);
  MaybeRequestWork(now, actions);
  return actions;
}

Actions Volunteer::OnMessage(const Inbound& in, TimePoint now) {
  Actions actions;
  if (const auto* notice = std::get_if<VerifiedNotice>(&in.message.body)) {
    OnVerifiedNotice(in.from, *notice, /*trusted=*/false);
    return actions;
  }
  if (const auto* handoff = std::get_if<LeaseHandoff>(&in.message.body)) {
    OnHandoff(in, *handoff);
  } else if (in.link.empty()) {
    return actions;  // grants and acks answer our own connections
  } else if (const auto* grant = std::get_if<LeaseGrant>(&in.message.body)) {
    OnGrant(in, *grant, now);
  } else if (const auto* ack = std::get_if<ClaimAck>(&in.message.body)) {
    OnAck(*ack);
  }
  MaybeStartTask(now, actions);
  MaybeRequestWork(now, actions);
  return actions;
}

void Volunteer::OnGrant(const Inbound& in, const LeaseGrant& grant, TimePoint now) {
  if (in.message.request_id != 0) request_sent_.reset();
  // Leases granted while we take no work lapse at the holder once our offer does not list them.
  if (!accepting_work_) return;
  if (grant.leases.empty()) {
    IdleHolder& idle = idle_holders_[in.link];
    idle.wait = idle.wait == Duration(0) ? config_.idle_retry : std::min(2 * idle.wait, config_.idle_retry_max);
    idle.until = now + idle.wait;
    return;
  }
  idle_holders_.erase(in.link);  // it has work: ask it again as soon as a slot frees
  for (const Bytes& bytes : grant.manifests) {
    if (!AddManifest(bytes)) spdlog::warn("holder {} sent a bad manifest", in.link);
  }
  for (const auto& item : grant.leases) {
    if (manifests_.contains(item.unit.project)) RememberHolder(in.from, item.unit.project);
    if (Holds(item.unit) || AlreadyClaimed(item.unit) || !manifests_.contains(item.unit.project)) continue;
    Take({item.unit, FromUnixMs(item.deadline_unix_ms), in.link});
    spdlog::debug("leased unit {}#{}", item.unit.project.Short(), item.unit.index);
  }
}

bool Volunteer::Holds(const UnitKey& unit) const { return held_units_.contains(unit); }

void Volunteer::Take(HeldLease lease) {
  store_.PutLease({lease.unit, lease.deadline, lease.holder});
  held_units_.insert(lease.unit);
  queue_.push_back(std::move(lease));
}

void Volunteer::Release(const UnitKey& unit) {
  store_.DropLease(unit);
  held_units_.erase(unit);
}

// A holder that has not yet merged our claim may lease the unit to us again (one recruited a
// moment ago, say). A second claim from the same peer counts once, so computing it again would
// only waste the unit's time; the lease lapses at the holder when our offer does not list it.
bool Volunteer::AlreadyClaimed(const UnitKey& unit) {
  return outbox_.contains(unit) || pending_credit_.contains(unit) || store_.CreditVerified(unit);
}

std::optional<ProjectId> Volunteer::AddManifest(const Bytes& bytes) {
  // Every manifest is checked against its owner's signature before anything runs for it;
  // the same bytes again, with every grant of its units, were checked the first time.
  for (const auto& [id, known] : manifest_bytes_) {
    if (known == bytes) return id;
  }
  auto opened = OpenManifest(bytes);
  if (!opened.ok()) return std::nullopt;
  if (manifests_.contains(opened->id)) return opened->id;
  manifests_[opened->id] = std::make_shared<const Manifest>(std::move(opened->manifest));
  manifest_bytes_[opened->id] = bytes;
  store_.PutManifest(opened->id, bytes);
  return opened->id;
}

void Volunteer::OnHandoff(const Inbound& in, const LeaseHandoff& handoff) {
  // Taken only with room to spare while we take work; otherwise its holder re-leases it when
  // our offer does not list it.
  if (!accepting_work_ || leases_held() >= LeasesWanted()) return;
  if (Holds(handoff.unit) || AlreadyClaimed(handoff.unit)) return;
  if (AddManifest(handoff.manifest) != handoff.unit.project) return;
  Take({handoff.unit, FromUnixMs(handoff.deadline_unix_ms), handoff.holder});
  spdlog::info("took over unit {}#{} from {}", handoff.unit.project.Short(), handoff.unit.index, in.from.Short());
}

std::vector<const Offer*> Volunteer::IdlePeers() const {
  std::vector<const Offer*> idle;
  for (const Offer* offer : directory_.Alive()) {
    if (offer->peer != self_ && !offer->endpoint.empty() && offer->leases.empty() && offer->free_slots > 0) {
      idle.push_back(offer);
    }
  }
  return idle;
}

void Volunteer::HandOffLateLeases(TimePoint now, Actions& actions) {
  if (started_.empty() || queue_.empty()) return;
  // When would each waiting lease finish, computed in turn after the started ones?
  using std::chrono::microseconds;
  auto average = [&](const UnitKey& unit) {
    auto it = unit_times_.find(unit.project);
    return it == unit_times_.end() ? microseconds(0) : it->second.average;
  };
  microseconds ahead = std::max(microseconds(0), average(started_.front().unit) - (now - started_.front().started));
  for (size_t i = 1; i < started_.size(); ++i) ahead += average(started_[i].unit);
  // The idle peers are looked for only once a lease is late: most ticks find none.
  std::optional<std::vector<const Offer*>> idle;
  for (auto it = queue_.begin(); it != queue_.end();) {
    microseconds took = average(it->unit);
    ahead += took;
    if (took.count() <= 0 || now + ahead <= it->deadline) {
      ++it;
      continue;
    }
    if (!idle) idle = IdlePeers();
    const Manifest& m = *manifests_.at(it->unit.project);
    auto runs = [&](const Offer* o) {
      return std::any_of(o->workloads.begin(), o->workloads.end(),
                         [&](const auto& w) { return w.name == m.workload && w.version == m.workload_version; });
    };
    auto taker = std::find_if(idle->begin(), idle->end(), runs);
    if (taker == idle->end()) {
      ++it;
      continue;
    }
    const Offer* to = *taker;
    idle->erase(taker);
    ahead -= took;
    const Bytes& manifest = manifest_bytes_.at(it->unit.project);
    actions.messages.push_back(To(to->endpoint, LeaseHandoff{it->unit, ToUnixMs(it->deadline), it->holder, manifest}));
    actions.messages.push_back(To(it->holder, LeaseMoved{it->unit, to->peer}));
    spdlog::info("passing unit {}#{} to idle peer {}: it would miss its deadline here", it->unit.project.Short(),
                 it->unit.index, to->peer.Short());
    Release(it->unit);
    ++leases_handed_off_;
    it = queue_.erase(it);
  }
}

void Volunteer::OnAck(const ClaimAck& ack) {
  for (const UnitKey& unit : ack.units) {
    if (outbox_.erase(unit) > 0) store_.DropOutbox(unit);
  }
}

Actions Volunteer::OnTaskDone(const UnitKey& unit, const Result<Bytes>& result, double cpu_seconds, TimePoint now) {
  Actions actions;
  auto it = std::find_if(started_.begin(), started_.end(), [&](const auto& l) { return l.unit == unit; });
  if (it == started_.end()) return actions;
  HeldLease lease = std::move(*it);
  started_.erase(it);
  if (!result.ok() && result.status().code() == Code::kUnavailable) {
    queue_.push_front(std::move(lease));  // stopped, not failed: compute it again later
    return actions;
  }
  Release(unit);
  if (!result.ok()) {
    spdlog::error("unit {}#{} failed to compute: {}", unit.project.Short(), unit.index, result.status().message());
  } else {
    // Units started together finish in order: each took the time since the one before.
    Duration took = now - std::max(lease.started, last_done_);
    last_done_ = now;
    UnitTimes& times = unit_times_[unit.project];
    const std::chrono::microseconds took_us = took;
    // Results that reach the event loop together are timed as one slow unit and then units that
    // took nothing: an average over many stays true where a quick one would swing.
    times.average = times.samples == 0 ? took_us : (times.average * 15 + took_us) / 16;
    ++times.samples;
    ResultHash hash{Blake2b256(result.value())};
    Claim claim{unit, hash, result.value()};  // signed with its batch as it is sent
    store_.PutOutbox({unit, claim.hash, claim.result, lease.holder});
    outbox_[unit] = {std::move(claim), lease.holder, TimePoint{}};
    if (fresh_claims_++ == 0) fresh_since_ = now;
    fresh_work_ += took;
    RecordClaim(unit, hash, cpu_seconds, now);
    // The kernel's own CPU time: a short unit's wall time is mostly the event loop's.
    if (std::isfinite(cpu_seconds) && cpu_seconds > 0) held_cpu_seconds_ += cpu_seconds;
    if (held_cpu_seconds_ >= std::chrono::duration<double>(kHeldWorkMax).count()) WriteHeld(now);
    ++units_computed_;
    // At debug: on a fast grid a line per unit costs more than the unit; the worker reports the count.
    spdlog::debug("computed unit {}#{}", unit.project.Short(), unit.index);
  }
  // Units that finish together go out in one batch: the last of them sends, or a later Tick,
  // once the batch carries enough work or has waited long enough (see kClaimBatchWork).
  if (started_.empty()) SendDueClaims(now, /*force=*/false, actions);
  MaybeStartTask(now, actions);
  MaybeRequestWork(now, actions);
  return actions;
}

Actions Volunteer::Tick(TimePoint now) {
  Actions actions;
  if (request_sent_ && now - *request_sent_ >= config_.request_retry) request_sent_.reset();
  // A lease whose deadline passed before we began it belongs to someone else by now.
  while (!queue_.empty() && queue_.front().deadline <= now) {
    spdlog::info("lease {}#{} expired before it started", queue_.front().unit.project.Short(),
                 queue_.front().unit.index);
    Release(queue_.front().unit);
    queue_.pop_front();
  }
  SendDueClaims(now, /*force=*/false, actions);
  DropOldCreditUnits(now);
  if (now - last_write_ >= kWriteBehind) WriteHeld(now);
  HandOffLateLeases(now, actions);
  MaybeStartTask(now, actions);
  MaybeRequestWork(now, actions);
  return actions;
}

void Volunteer::WriteHeld(TimePoint now) {
  store_.Write();
  last_write_ = now;
  held_cpu_seconds_ = 0;
}

TimePoint Volunteer::NextDue(TimePoint now) const {
  TimePoint due = TimePoint::max();
  if (request_sent_) {
    due = *request_sent_ + config_.request_retry;
  } else if (WantsWork()) {
    for (const Offer* offer : directory_.Holding()) {
      if (!offer->endpoint.empty()) due = std::min(due, AskableFrom(offer->endpoint));
    }
  }
  if (fresh_claims_ > 0) due = std::min(due, fresh_since_ + kClaimWaitMax);
  if (!queue_.empty()) due = std::min(due, queue_.front().deadline);
  return std::max(due, now);
}

void Volunteer::FillOffer(Offer& offer) const {
  const size_t wanted = LeasesWanted();
  offer.free_slots = accepting_work_ ? static_cast<uint32_t>(wanted - std::min(wanted, leases_held())) : 0;
  offer.leases.clear();
  for (const HeldLease& lease : started_) offer.leases.push_back(lease.unit);
  for (const HeldLease& lease : queue_) offer.leases.push_back(lease.unit);
}

std::optional<std::chrono::microseconds> Volunteer::HeldUnitTime() const {
  if (held_units_.empty()) return std::nullopt;
  std::chrono::microseconds slowest{0};
  // One step per project held: the units are ordered by project.
  for (auto it = held_units_.begin(); it != held_units_.end();
       it = held_units_.upper_bound({it->project, std::numeric_limits<uint64_t>::max()})) {
    auto times = unit_times_.find(it->project);
    if (times == unit_times_.end()) return std::nullopt;
    slowest = std::max(slowest, times->second.average);
  }
  return slowest;
}

namespace {

// How many units of `unit_time` fill `ahead`.
size_t UnitsIn(Duration ahead, std::chrono::microseconds unit_time) {
  return static_cast<size_t>(ahead / std::max(unit_time, std::chrono::microseconds(1)));
}

}  // namespace

size_t Volunteer::LeasesWanted() const {
  const auto unit_time = HeldUnitTime();
  if (!unit_time) return config_.queue_max;
  return std::clamp<size_t>(UnitsIn(kWorkHeldAhead, *unit_time), config_.queue_max,
                            std::max<size_t>(config_.queue_max, kLeasesHeldMax));
}

size_t Volunteer::TasksWanted() const {
  const auto unit_time = HeldUnitTime();
  if (!unit_time) return 1;
  // At least two once units are known to finish: the runner starts the next as soon as one is
  // done, while the event loop takes the result and hands it more.
  return std::clamp<size_t>(UnitsIn(kWorkStartedAhead, *unit_time), 2, kTasksStartedMax);
}

void Volunteer::MaybeStartTask(TimePoint now, Actions& actions) {
  while (!queue_.empty() && started_.size() < TasksWanted()) StartTask(now, actions);
}

void Volunteer::StartTask(TimePoint now, Actions& actions) {
  started_.push_back(std::move(queue_.front()));
  queue_.pop_front();
  started_.back().started = now;
  const UnitKey& unit = started_.back().unit;
  auto checkpoint = store_.LoadCheckpoint(unit);
  if (!checkpoint.ok()) spdlog::warn("unit {}#{}: checkpoint unreadable, starting afresh: {}", unit.project.Short(),
                                     unit.index, checkpoint.status().message());
  Bytes state = checkpoint.ok() ? std::move(checkpoint.value()) : Bytes{};
  if (!state.empty()) spdlog::info("resuming unit {}#{} from its checkpoint", unit.project.Short(), unit.index);
  actions.tasks.push_back({unit, manifests_.at(unit.project), std::move(state)});
}

void Volunteer::OnCheckpoint(const UnitKey& unit, const Bytes& state) {
  // Done or dropped meanwhile?
  if (std::none_of(started_.begin(), started_.end(), [&](const auto& l) { return l.unit == unit; })) return;
  store_.PutCheckpoint(unit, state);
  spdlog::debug("unit {}#{}: checkpoint of {} bytes", unit.project.Short(), unit.index, state.size());
}

bool Volunteer::WantsWork() const {
  // With a deep queue, ask once a quarter of it is free: fewer, larger grants.
  const size_t wanted = LeasesWanted();
  return accepting_work_ && leases_held() + std::max<size_t>(1, wanted / 4) <= wanted;
}

TimePoint Volunteer::AskableFrom(const std::string& holder) const {
  auto idle = idle_holders_.find(holder);
  return idle == idle_holders_.end() ? TimePoint{} : idle->second.until;
}

void Volunteer::MaybeRequestWork(TimePoint now, Actions& actions) {
  if (request_sent_ || !WantsWork()) return;
  const size_t wanted = LeasesWanted();
  // Holders announce the projects with work left in their offers.
  std::vector<const std::string*> holders;
  for (const Offer* offer : directory_.Holding()) {
    if (!offer->endpoint.empty() && AskableFrom(offer->endpoint) <= now) holders.push_back(&offer->endpoint);
  }
  if (holders.empty()) return;
  const std::string& holder = *holders[next_holder_++ % holders.size()];
  auto slots = static_cast<uint32_t>(wanted - leases_held());
  actions.messages.push_back(To(holder, WorkRequest{slots}));
  request_sent_ = now;
}

std::string Volunteer::RouteFor(const std::string& holder, const ProjectId& project) const {
  std::string fallback;
  for (const Offer* offer : directory_.Alive()) {
    if (offer->endpoint == holder) return holder;
    bool holds = std::find(offer->holds.begin(), offer->holds.end(), project) != offer->holds.end();
    if (holds && fallback.empty() && !offer->endpoint.empty()) fallback = offer->endpoint;
  }
  return fallback.empty() ? holder : fallback;
}

void Volunteer::SendDueClaims(TimePoint now, bool force, Actions& actions) {
  // With nothing queued or running there is nothing to wait for.
  const bool idle = queue_.empty() && started_.empty();
  const bool fresh_due = force || idle || fresh_claims_ >= kClaimBatchMax || fresh_work_ >= kClaimBatchWork ||
                         (fresh_claims_ > 0 && now - fresh_since_ >= kClaimWaitMax);
  if (fresh_due) {
    fresh_claims_ = 0;
    fresh_work_ = Duration(0);
  }
  // Everything due goes now, in as many batches to each holder as it fills.
  struct Filling {
    ClaimBatch batch;
    size_t result_bytes = 0;
  };
  std::map<std::string, std::vector<Filling>> batches;
  std::map<std::pair<std::string, ProjectId>, std::string> routes;  // a claim's holder and project -> where to
  for (auto& [unit, unsent] : outbox_) {
    const bool fresh = unsent.last_sent == TimePoint{};
    if (fresh ? !fresh_due : !force && now - unsent.last_sent < config_.claim_retry) continue;
    auto route = routes.try_emplace({unsent.holder, unit.project});
    if (route.second) route.first->second = RouteFor(unsent.holder, unit.project);
    std::vector<Filling>& to_holder = batches[route.first->second];
    const size_t result_bytes = unsent.claim.result.size();
    if (to_holder.empty() || to_holder.back().batch.claims.size() >= kClaimBatchMax ||
        to_holder.back().result_bytes + result_bytes > kClaimBatchResultBytesMax) {
      to_holder.emplace_back();
    }
    to_holder.back().batch.claims.push_back(unsent.claim);
    to_holder.back().result_bytes += result_bytes;
    unsent.last_sent = now;
  }
  for (auto& [holder, to_holder] : batches) {
    for (Filling& filling : to_holder) {
      Sign(filling.batch);
      actions.messages.push_back(To(holder, std::move(filling.batch)));
    }
  }
}

void Volunteer::Sign(ClaimBatch& batch) const {
  std::vector<std::pair<UnitKey, ResultHash>> statements;
  statements.reserve(batch.claims.size());
  for (const Claim& claim : batch.claims) statements.emplace_back(claim.unit, claim.hash);
  SignedClaims signed_claims = SignClaims(signer_, statements);
  for (size_t i = 0; i < batch.claims.size(); ++i) {
    batch.claims[i].signature = signed_claims.signature;
    batch.claims[i].proof = std::move(signed_claims.proofs[i]);
  }
}

}  // namespace potluck
