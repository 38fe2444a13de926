// The parts of Holder that answer people rather than peers: status and results, and cancel.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "potluck/core/holder.h"

namespace potluck {

Actions Holder::OnCancel(const Inbound& in, const CancelProject& cancel, TimePoint now) {
  Actions actions;
  auto reply = [&](Reply r) { actions.messages.push_back({{in.from, in.link}, Answer(in, std::move(r))}); };
  auto it = projects_.find(cancel.project);
  if (it == projects_.end()) {
    reply({false, "no project " + cancel.project.Short() + " here", std::nullopt});
    return actions;
  }
  Project& p = it->second;
  if (!VerifySignature(p.manifest.owner, CancelStatement(p.id), cancel.signature)) {
    ++counters_.cancels_refused;
    reply({false, "only the project's owner can cancel it (owner " + p.manifest.owner.Short() + ")", std::nullopt});
    return actions;
  }
  if (!p.cancelled) {
    p.cancelled = true;
    store_.PutCancelled(p.id);
    for (uint64_t index : std::vector<uint64_t>(p.open.begin(), p.open.end())) {
      UnitLedger& unit = p.units.at(index);
      for (const ActiveLease& lease : std::vector<ActiveLease>(unit.leases)) DropLease(p, index, unit, lease.peer);
    }
    spdlog::info("project {} cancelled by its owner", p.id.Short());
    // The owner's signature convinces the other holders as it convinced us.
    for (const auto& [peer, co] : p.co_holders) {
      actions.messages.push_back({{peer, co.endpoint}, Envelope{self_, 1, cancel}});
    }
  }
  reply({true, "", p.id});
  (void)now;
  return actions;
}

Actions Holder::OnProjectRequest(const Inbound& in, const ProjectRequest& request, TimePoint now) {
  auto status = Describe(request.project, request.kind == ProjectRequest::Kind::kResults, now);
  Body body = status.ok() ? Body(std::move(status.value())) : Body(Reply{false, status.status().message(), {}});
  Actions actions;
  actions.messages.push_back({{in.from, in.link}, Answer(in, std::move(body))});
  return actions;
}

Result<ProjectStatus> Holder::Describe(const ProjectId& id, bool with_result, TimePoint now) {
  auto it = projects_.find(id);
  if (it == projects_.end()) return NotFound("no project " + id.Short() + " here");
  Project& p = it->second;
  ProjectStatus s;
  s.project = id;
  s.workload = p.manifest.workload;
  s.workload_version = p.manifest.workload_version;
  s.submitted_unix_ms = ToUnixMs(p.submitted);
  s.units.total = p.manifest.units;
  s.units.verified = p.verified;
  s.units.failed = p.failed;
  s.cancelled = p.cancelled;
  std::set<PeerId> workers = p.contributors;
  for (uint64_t index : p.open) {
    const UnitLedger& unit = p.units.at(index);
    if (!unit.leases.empty()) ++s.units.in_flight;
    for (const auto& l : unit.leases) workers.insert(l.peer);
  }
  for (const PeerId& peer : p.contributors) {
    PeerRecord r = reputation_.Of(peer);
    s.peers.push_back({peer, r.agreed, r.disagreed, reputation_.Ignored(peer)});
  }
  s.units.waiting = s.units.total - s.units.verified - s.units.failed - s.units.in_flight;
  s.workers = static_cast<uint32_t>(workers.size());
  while (!p.recent_verified.empty() && now - p.recent_verified.front().first > kThroughputWindow) {
    p.recent_verified.pop_front();
  }
  uint64_t recent = 0;
  for (const auto& [second, count] : p.recent_verified) recent += count;
  Duration window = std::min<Duration>(kThroughputWindow, std::max<Duration>(now - p.submitted, Duration(1000)));
  s.verified_per_second = static_cast<double>(recent) * 1000.0 / static_cast<double>(window.count());
  if (!with_result) return s;

  if (!p.workload) return NotFound("workload " + p.manifest.workload + " is not built into this node");
  auto aggregator = p.workload->NewAggregator(p.manifest.params, p.manifest.units);
  // Results come in unit order, one per distinct hash: a unit's are gathered, then the agreed
  // one goes to the aggregator.
  Status failure;
  std::optional<uint64_t> gathering;
  std::vector<ResultHash> hashes;
  std::vector<Bytes> results;
  auto add_agreed = [&] {
    if (!gathering || !failure.ok()) return;
    auto agreed = AgreedHash(p, *gathering, hashes);
    if (!agreed.ok()) failure = agreed.status();
    for (size_t i = 0; failure.ok() && i < hashes.size(); ++i) {
      if (hashes[i] == agreed.value()) failure = aggregator->Add(*gathering, results[i]);
    }
    gathering.reset();
    hashes.clear();
    results.clear();
  };
  Status scan = store_.ScanResults(id, [&](uint64_t index, const ResultHash& hash, const Bytes& bytes) {
    if (gathering != index) add_agreed();
    auto unit = p.units.find(index);
    const bool verified =
        p.settled.Contains(index) || (unit != p.units.end() && unit->second.state == UnitState::kVerified);
    if (!failure.ok() || !verified) return;
    gathering = index;
    hashes.push_back(hash);
    results.push_back(bytes);
  });
  add_agreed();
  if (!scan.ok()) return scan;
  if (!failure.ok()) return failure;
  s.result_json = aggregator->Finish().dump();
  s.summary = aggregator->Summary();
  return s;
}

std::vector<ProjectId> Holder::Projects() const {
  std::vector<const Project*> held;
  for (const auto& [id, p] : projects_) held.push_back(&p);
  std::stable_sort(held.begin(), held.end(), [](const Project* a, const Project* b) { return a->submitted > b->submitted; });
  std::vector<ProjectId> out;
  for (const Project* p : held) out.push_back(p->id);
  return out;
}

Result<ProjectTroubles> Holder::Troubles(const ProjectId& id, size_t list_max) const {
  auto it = projects_.find(id);
  if (it == projects_.end()) return NotFound("no project " + id.Short() + " here");
  const Project& p = it->second;
  auto list = [&](const std::set<uint64_t>& indices, std::vector<UnitTrouble>& out) {
    for (uint64_t index : indices) {
      if (out.size() >= list_max) break;
      const UnitLedger& unit = p.units.at(index);
      std::set<ResultHash> hashes;
      for (const ClaimRecord& c : unit.claims) hashes.insert(c.hash);
      out.push_back({index, unit.state, static_cast<uint32_t>(unit.claims.size()), static_cast<uint32_t>(hashes.size())});
    }
  };
  ProjectTroubles troubles;
  troubles.failed_count = p.failed_units.size();
  troubles.disputed_count = p.disputed.size();
  list(p.failed_units, troubles.failed);
  list(p.disputed, troubles.disputed);
  return troubles;
}

}  // namespace potluck
