// The volunteer's credit: every unit it claims is remembered until a holder of its project
// says the unit verified with the hash we claimed; then its CPU seconds count, once.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "potluck/core/volunteer.h"

namespace potluck {
namespace {

constexpr Duration kCreditPruneInterval = std::chrono::hours(1);

}  // namespace

void Volunteer::LoadCredit(const VolunteerStore::Snapshot& snapshot, TimePoint now) {
  units_verified_ = snapshot.units_verified;
  cpu_seconds_verified_ = snapshot.cpu_seconds_verified;
  for (const auto& row : snapshot.credit) pending_credit_[row.unit] = row;
  DropOldCreditUnits(now);
}

void Volunteer::RecordClaim(const UnitKey& unit, const ResultHash& hash, double cpu_seconds, TimePoint now) {
  // A unit whose credit was verified is never computed again here: AlreadyClaimed turns its
  // leases down as they come.
  if (auto known = pending_credit_.find(unit); known != pending_credit_.end()) ForgetCreditUnit(known);
  // Reached when more units await their verdict than the table keeps: holders that never answer.
  if (pending_credit_.size() >= kCreditUnitsMax) ForgetOldestCreditUnits(kCreditForgetBatch);
  // The figure comes from the kernel runner; a broken one must not poison the totals.
  if (!std::isfinite(cpu_seconds) || cpu_seconds < 0) cpu_seconds = 0;
  VolunteerStore::CreditRow row{unit, hash, cpu_seconds, now, false};
  store_.PutCredit(row);
  pending_credit_[unit] = row;
}

void Volunteer::OnOwnVerifiedNotice(const VerifiedNotice& notice) { OnVerifiedNotice(self_, notice, /*trusted=*/true); }

void Volunteer::OnVerifiedNotice(const PeerId& from, const VerifiedNotice& notice, bool trusted) {
  for (const auto& item : notice.items) {
    auto it = pending_credit_.find(item.unit);
    // A unit we never claimed, or counted already (each holder sends a notice, and verified
    // units leave this table), earns nothing; nor does a verdict on a hash other than ours, or
    // word from a peer not holding the project.
    if (it == pending_credit_.end() || it->second.hash != item.hash) continue;
    if (!trusted && !KnownHolder(from, item.unit.project)) {
      spdlog::debug("ignored a verified notice for {}#{} from {}: not a holder", item.unit.project.Short(),
                    item.unit.index, from.Short());
      continue;
    }
    ++units_verified_;
    cpu_seconds_verified_ += it->second.cpu_seconds;
    store_.MarkCreditVerified(item.unit, it->second.cpu_seconds);
    pending_credit_.erase(it);
    ++verified_since_prune_;
    // At debug: on a fast grid a line per unit costs more than the unit; the worker reports the count.
    spdlog::debug("unit {}#{} verified, {} units verified here", item.unit.project.Short(), item.unit.index,
                  units_verified_);
  }
}

void Volunteer::OnOffer(const Offer& offer) {
  for (const ProjectId& project : offer.holds) {
    if (manifests_.contains(project)) RememberHolder(offer.peer, project);
  }
}

void Volunteer::RememberHolder(const PeerId& peer, const ProjectId& project) {
  std::set<PeerId>& holders = holders_seen_[project];
  // Any peer may say in its offer that it holds a project, so a flood of keys may fill the
  // set; the current offers of the real holders are still believed then.
  if (holders.size() < kHoldersSeenPerProjectMax) holders.insert(peer);
}

bool Volunteer::KnownHolder(const PeerId& peer, const ProjectId& project) const {
  if (const Offer* offer = directory_.OfferOf(peer)) {
    if (std::find(offer->holds.begin(), offer->holds.end(), project) != offer->holds.end()) return true;
  }
  auto seen = holders_seen_.find(project);
  return seen != holders_seen_.end() && seen->second.contains(peer);
}

void Volunteer::DropOldCreditUnits(TimePoint now) {
  if (now < next_credit_prune_ && verified_since_prune_ < kVerifiedCreditPruneEvery) return;
  next_credit_prune_ = now + kCreditPruneInterval;
  verified_since_prune_ = 0;
  store_.DropVerifiedCredit(now - kVerifiedCreditTtl, kCreditUnitsMax);
  for (auto it = pending_credit_.begin(); it != pending_credit_.end();) {
    auto next = std::next(it);
    if (now - it->second.claimed >= kPendingCreditTtl) ForgetCreditUnit(it);
    it = next;
  }
}

void Volunteer::ForgetOldestCreditUnits(size_t count) {
  using Entry = std::map<UnitKey, VolunteerStore::CreditRow>::iterator;
  std::vector<Entry> entries;
  entries.reserve(pending_credit_.size());
  for (auto it = pending_credit_.begin(); it != pending_credit_.end(); ++it) entries.push_back(it);
  count = std::min(count, entries.size());
  auto older = [](const Entry& a, const Entry& b) { return a->second.claimed < b->second.claimed; };
  std::nth_element(entries.begin(), entries.begin() + static_cast<ptrdiff_t>(count), entries.end(), older);
  for (size_t i = 0; i < count; ++i) ForgetCreditUnit(entries[i]);
}

void Volunteer::ForgetCreditUnit(std::map<UnitKey, VolunteerStore::CreditRow>::iterator it) {
  store_.DropCredit(it->first);
  pending_credit_.erase(it);
}

}  // namespace potluck
