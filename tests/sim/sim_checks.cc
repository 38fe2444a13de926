#include "sim/sim_checks.h"

#include <algorithm>
#include <iterator>
#include <map>
#include <set>
#include <tuple>

#include "potluck/crypto/hash.h"
#include "unit/test_workload.h"

namespace potluck::testing {
namespace {

// Problems listed per run at most; the rest are counted.
constexpr size_t kProblemsListedMax = 8;

using UnitClaims = std::map<uint64_t, std::map<PeerId, ClaimRecord>>;

void Report(SimChecks& out, std::string problem) {
  if (out.problems.size() < kProblemsListedMax) out.problems.push_back(std::move(problem));
}

std::string Name(const CheckedNode& n) { return "node " + std::to_string(n.index); }

Verdict DecideUnit(const std::map<PeerId, ClaimRecord>& by_peer, const QuorumPolicy& policy, bool saboteurs_only,
                   const std::set<PeerId>& saboteurs) {
  std::vector<ClaimRecord> records;
  for (const auto& [peer, record] : by_peer) {
    if (!saboteurs_only || saboteurs.contains(peer)) records.push_back(record);
  }
  return Decide(records, policy);
}

// One node's claims of the project, by unit and peer.
UnitClaims ClaimsOf(LedgerStore& store, const ProjectId& project) {
  UnitClaims claims;
  auto ledger = store.LoadLedger();
  POTLUCK_CHECK(ledger.ok());
  for (const auto& row : ledger->claims) {
    if (row.unit.project != project) continue;
    claims[row.unit.index].try_emplace(row.peer, ClaimRecord{row.peer, row.hash, row.network, row.alone});
  }
  return claims;
}

// A live holder: every unit decided, failed ones listed with their reason, verified results kept.
void CheckHolder(SimChecks& out, const CheckedNode& n, const UnitClaims& claims, const ProjectId& project,
                 const QuorumPolicy& policy, uint64_t units, TimePoint now) {
  auto status = n.node->holder().Describe(project, false, now);
  const UnitCounts& c = status->units;
  if (c.verified + c.failed != units) {
    Report(out, Name(n) + ": " + std::to_string(units - c.verified - c.failed) + " of " + std::to_string(units) +
                    " units neither verified nor failed");
  }
  auto troubles = n.node->holder().Troubles(project, units);
  std::set<uint64_t> listed_failed;
  if (troubles.ok()) {
    // Listed with its claims from distinct peers and how many results differ: why it failed.
    for (const UnitTrouble& t : troubles->failed) listed_failed.insert(t.index);
  }
  std::set<std::pair<uint64_t, ResultHash>> results;
  (void)n.store->ScanResults(project, [&](uint64_t index, const ResultHash& hash, const Bytes& bytes) {
    if (ResultHash{Blake2b256(bytes)} == hash) results.emplace(index, hash);
  });
  uint64_t verified = 0;
  for (uint64_t i = 0; i < units; ++i) {
    auto it = claims.find(i);
    Verdict v = it == claims.end() ? Verdict{} : DecideUnit(it->second, policy, false, {});
    if (v.state == UnitState::kPending) {
      std::set<ResultHash> hashes;
      for (const auto& [peer, record] : it == claims.end() ? std::map<PeerId, ClaimRecord>{} : it->second) hashes.insert(record.hash);
      Report(out, Name(n) + ": unit " + std::to_string(i) + " pending in its ledger, " +
                      std::to_string(it == claims.end() ? 0 : it->second.size()) + " claims, " +
                      std::to_string(hashes.size()) + " different");
    }
    if (v.state == UnitState::kVerified) {
      ++verified;
      if (!results.contains({i, v.hash})) Report(out, Name(n) + ": unit " + std::to_string(i) + " verified but its result is lost");
    } else if (v.state == UnitState::kFailed && !listed_failed.contains(i)) {
      Report(out, Name(n) + ": unit " + std::to_string(i) + " failed with no reason in its troubles");
    }
  }
  if (verified != c.verified) {
    Report(out, Name(n) + ": status says " + std::to_string(c.verified) + " verified, its ledger " + std::to_string(verified));
  }
  for (const auto& [index, by_peer] : claims) {
    if (index >= units) Report(out, Name(n) + ": a claim of unit " + std::to_string(index) + ", past the last unit");
  }
}

}  // namespace

void MergeClaim(std::map<PeerId, ClaimRecord>& by_peer, const ClaimRecord& claim) {
  auto [it, fresh] = by_peer.try_emplace(claim.peer, claim);
  if (fresh) return;
  if (claim.hash < it->second.hash) {
    it->second.hash = claim.hash;
  } else if (claim.hash != it->second.hash) {
    return;
  }
  it->second.alone = it->second.alone || claim.alone;
}

ResultHash RightResultHash(uint64_t index) { return ResultHash{Blake2b256(SquareWorkload::Encode(index * index))}; }

SimChecks CheckRun(const std::vector<CheckedNode>& nodes, const ProjectId& project, const QuorumPolicy& policy,
                   uint64_t units, TimePoint now) {
  SimChecks out;
  std::set<PeerId> saboteurs;
  UnitClaims all;  // the union of every node's ledger, the lost and the down ones' included
  std::optional<std::pair<const CheckedNode*, std::set<std::tuple<uint64_t, PeerId, ResultHash>>>> first;
  for (const CheckedNode& n : nodes) {
    if (n.saboteur) saboteurs.insert(n.id);
    UnitClaims claims = ClaimsOf(*n.store, project);
    for (const auto& [index, by_peer] : claims) {
      for (const auto& [peer, record] : by_peer) MergeClaim(all[index], record);
    }
    if (!n.live || !n.node->holder().Describe(project, false, now).ok()) continue;
    ++out.holders;
    CheckHolder(out, n, claims, project, policy, units, now);
    std::set<std::tuple<uint64_t, PeerId, ResultHash>> set;
    for (const auto& [index, by_peer] : claims) {
      for (const auto& [peer, record] : by_peer) set.emplace(index, peer, record.hash);
    }
    if (!first) {
      first.emplace(&n, std::move(set));
    } else if (set != first->second) {
      std::vector<std::tuple<uint64_t, PeerId, ResultHash>> only_here;
      std::set_difference(set.begin(), set.end(), first->second.begin(), first->second.end(), std::back_inserter(only_here));
      std::string example = only_here.empty() ? "" : ", first only here: unit " + std::to_string(std::get<0>(only_here[0])) +
                                                          " from " + std::get<1>(only_here[0]).Short();
      Report(out, Name(n) + " holds " + std::to_string(set.size()) + " claims, " + Name(*first->first) + " " +
                      std::to_string(first->second.size()) + ": ledgers differ" + example);
    }
  }
  if (out.holders == 0) Report(out, "no live holder of the project");
  for (const auto& [index, by_peer] : all) {
    Verdict v = DecideUnit(by_peer, policy, false, {});
    out.verified += v.state == UnitState::kVerified;
    out.failed += v.state == UnitState::kFailed;
    if (v.state != UnitState::kVerified || v.hash == RightResultHash(index)) continue;
    ++out.wrong_accepted;
    Verdict by_saboteurs = DecideUnit(by_peer, policy, true, saboteurs);
    if (by_saboteurs.state == UnitState::kVerified && by_saboteurs.hash == v.hash) {
      ++out.wrong_by_saboteur_quorum;
    } else {
      Report(out, "unit " + std::to_string(index) + ": a wrong result accepted without a quorum of saboteurs");
    }
  }
  return out;
}

}  // namespace potluck::testing
