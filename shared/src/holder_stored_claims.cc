// The parts of Holder that let a verified unit keep its claims only in the store: most of a
// large project's units are such, and their claims would be most of a holder's memory.
#include <spdlog/spdlog.h>

#include "potluck/core/holder.h"

namespace potluck {

bool Holder::LoadClaims(const Project& p, uint64_t index, UnitLedger& unit) {
  if (!unit.claims_in_store) return true;
  auto rows = store_.UnitClaims({p.id, index});
  if (!rows.ok()) {
    spdlog::error("cannot read the claims of {}#{}: {}", p.id.Short(), index, rows.status().message());
    return false;
  }
  unit.claims.clear();
  for (auto& row : rows.value()) unit.claims.push_back({row.peer, row.hash, std::move(row.network), row.alone});
  unit.claims_in_store = false;
  return true;
}

void Holder::ShedClaims(Project& p, uint64_t index) {
  auto it = p.units.find(index);
  if (it == p.units.end() || it->second.state != UnitState::kVerified || p.disputed.contains(index)) return;
  std::vector<ClaimRecord>().swap(it->second.claims);
  it->second.claims_in_store = true;
}

Result<ResultHash> Holder::AgreedHash(Project& p, uint64_t index, const std::vector<ResultHash>& hashes) {
  UnitLedger& unit = p.units.at(index);
  // Undisputed, so its claims share one hash: with one result stored, that is it.
  if (unit.claims_in_store && hashes.size() == 1) return hashes.front();
  if (!LoadClaims(p, index, unit)) return Corrupt("cannot read the claims of unit " + std::to_string(index));
  const ResultHash agreed = potluck::Decide(unit.claims, p.manifest.policy).hash;
  ShedClaims(p, index);
  return agreed;
}

}  // namespace potluck
