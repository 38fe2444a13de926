// GridSim's end of a run: settling without faults, then the checks and the credit earned.
#include <map>
#include <set>

#include "sim/grid_sim.h"
#include "sim/grid_sim_node.h"
#include "sim/sim_checks.h"

namespace potluck::testing {
namespace {

// After the run the grid settles, with no more faults, until its live holders agree or this passes.
constexpr Duration kSettleMin = std::chrono::seconds(10);
constexpr Duration kSettleMax = std::chrono::seconds(120);
constexpr Duration kSettleCheckEvery = std::chrono::seconds(1);

std::set<std::pair<uint64_t, PeerId>> ClaimSet(LedgerStore& store, const ProjectId& project) {
  std::set<std::pair<uint64_t, PeerId>> set;
  auto ledger = store.LoadLedger();
  POTLUCK_CHECK(ledger.ok());
  for (const auto& row : ledger->claims) {
    if (row.unit.project == project) set.emplace(row.unit.index, row.peer);
  }
  return set;
}

}  // namespace

void GridSim::Settle(const ProjectId& project) {
  settling_ = true;
  network_.Settle();
  faults_.set_enabled(false);
  Trace([] { return std::string("settling: no more faults"); });
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].lost && !nodes_[i].up()) Restart(i);
  }
  const TimePoint begin = now_;
  TimePoint next_check = begin + kSettleMin, end = begin + kSettleMax;
  bool agreed = false;
  for (TimePoint next_tick = now_; now_ < end; now_ += std::chrono::milliseconds(10)) {
    DeliverDue();
    if (now_ < next_tick) continue;
    next_tick = now_ + std::chrono::milliseconds(100);
    TickAll();
    if (agreed || now_ < next_check) continue;
    next_check = now_ + kSettleCheckEvery;
    // Agreed: the grid runs on until the credit notices of the last verdicts have gone.
    agreed = Finished(project) && LedgersEqual(project);
    if (agreed) end = now_ + kVerifiedNoticeDelay + kSettleCheckEvery;
  }
}

bool GridSim::LedgersEqual(const ProjectId& project) {
  std::optional<std::set<std::pair<uint64_t, PeerId>>> first;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (!nodes_[i].up() || !nodes_[i].node->holder().Describe(project, false, LocalTime(i)).ok()) continue;
    auto set = ClaimSet(nodes_[i].store->ledger(), project);
    if (!first) {
      first = std::move(set);
    } else if (set != *first) {
      return false;
    }
  }
  return true;
}

SimOutcome GridSim::Check(const ProjectId& project) {
  SimOutcome out;
  out.trace_hash = trace_hash_;
  out.messages = messages_;
  out.crashes = crashes_;
  for (size_t p = 0; p < kFaultPointCount; ++p) out.faults_fired[p] = faults_.fired(static_cast<FaultPoint>(p));
  std::vector<CheckedNode> checked;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    SimNode& n = nodes_[i];
    checked.push_back({i, n.id, n.up(), n.saboteur, n.node.get(), &n.store->ledger()});
  }
  out.checks = CheckRun(checked, project, options_.policy, options_.units, now_);
  // The checker is the last live holder: never the one the project was submitted to, if another.
  for (size_t i = nodes_.size(); i-- > 0;) {
    if (!nodes_[i].up()) continue;
    out.leases_alone += nodes_[i].node->holder().counters().leases_alone;
    out.claims_contradicting += nodes_[i].node->holder().counters().claims_contradicting;
    auto s = nodes_[i].node->holder().Describe(project, true, LocalTime(i));
    if (!s.ok() || out.status.units.total > 0) continue;
    out.status = s.value();
    out.finished = s->units.verified == s->units.total;
    auto result = nlohmann::json::parse(s->result_json);
    out.result_sum = result["sum"].get<uint64_t>();
    out.wrong_accepted = result["wrong"].get<uint64_t>();
  }
  out.credit = CheckCredit(project);
  out.traffic = traffic_;
  out.virtual_time = now_ - start_;
  for (size_t i = 0; i < nodes_.size(); ++i) {
    out.held_project.push_back(nodes_[i].up() && nodes_[i].node->holder().Describe(project, false, LocalTime(i)).ok());
  }
  return out;
}

std::vector<SimCredit> GridSim::CheckCredit(const ProjectId& project) {
  // The union of every holder's claims, the lost coordinator's included: any of them may
  // have told a peer its unit verified.
  std::map<uint64_t, std::map<PeerId, ClaimRecord>> claims;
  for (auto& n : nodes_) {
    auto ledger = n.store->ledger().LoadLedger();
    POTLUCK_CHECK(ledger.ok());
    for (const auto& row : ledger->claims) {
      if (row.unit.project != project) continue;
      MergeClaim(claims[row.unit.index], ClaimRecord{row.peer, row.hash, row.network, row.alone});
    }
  }
  std::map<PeerId, SimCredit> earned;
  for (const auto& [index, by_peer] : claims) {
    std::vector<ClaimRecord> records;
    for (const auto& [peer, record] : by_peer) records.push_back(record);
    Verdict v = potluck::Decide(records, options_.policy);
    if (v.state != UnitState::kVerified) continue;
    for (const ClaimRecord& r : records) {
      if (r.hash != v.hash) continue;
      ++earned[r.peer].units_earned;
      earned[r.peer].cpu_seconds_earned += SimCpuSeconds(index);
    }
  }
  std::vector<SimCredit> out;
  for (auto& n : nodes_) {
    if (!n.computes) continue;
    SimCredit c = earned[n.id];
    c.saboteur = n.saboteur;
    if (n.up()) c.credit = n.node->volunteer()->credit();
    out.push_back(c);
  }
  return out;
}

}  // namespace potluck::testing
