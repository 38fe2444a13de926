// The parts of Holder that let a verified unit keep its claims only in the store: most of a
// large project's units are such, and their claims would be most of a holder's memory.
#include <spdlog/spdlog.h>

#include "potluck/core/holder.h"

namespace potluck {
namespace {

constexpr size_t kUnitBucketsKeptMax = 1024;

}  // namespace

bool Holder::Touched(const Project& p, uint64_t index) { return p.units.contains(index) || p.settled.Contains(index); }

Holder::UnitLedger* Holder::Unsettle(Project& p, uint64_t index) {
  if (!p.settled.Contains(index)) return &p.units[index];
  auto rows = store_.UnitClaims({p.id, index});
  if (!rows.ok()) {
    spdlog::error("cannot read the claims of {}#{}: {}", p.id.Short(), index, rows.status().message());
    return nullptr;
  }
  p.settled.Erase(index);
  UnitLedger& unit = p.units[index];
  unit.state = UnitState::kVerified;
  for (auto& row : rows.value()) unit.claims.push_back({row.peer, row.hash, std::move(row.network), row.alone});
  return &unit;
}

void Holder::Settle(Project& p, uint64_t index) {
  auto it = p.units.find(index);
  if (it == p.units.end() || it->second.state != UnitState::kVerified || !it->second.leases.empty() ||
      p.disputed.contains(index)) {
    return;
  }
  p.units.erase(it);
  p.settled.Insert(index);
  // An emptied map keeps the buckets of its largest size: a finished project gives them back.
  if (p.units.empty() && p.units.bucket_count() > kUnitBucketsKeptMax) p.units = {};
}

Result<ResultHash> Holder::AgreedHash(Project& p, uint64_t index, const std::vector<ResultHash>& hashes) {
  // Undisputed, so its claims share one hash: with one result stored, that is it.
  if (p.settled.Contains(index) && hashes.size() == 1) return hashes.front();
  UnitLedger* unit = Unsettle(p, index);
  if (!unit) return Corrupt("cannot read the claims of unit " + std::to_string(index));
  const ResultHash agreed = potluck::Decide(unit->claims, p.manifest.policy).hash;
  Settle(p, index);
  return agreed;
}

}  // namespace potluck
