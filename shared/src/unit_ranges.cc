#include "potluck/core/unit_ranges.h"

#include <iterator>

namespace potluck {

std::map<uint64_t, uint64_t>::const_iterator UnitRanges::Find(uint64_t index) const {
  auto it = ranges_.upper_bound(index);
  if (it == ranges_.begin()) return ranges_.end();
  --it;
  return index < it->second ? it : ranges_.end();
}

bool UnitRanges::Contains(uint64_t index) const { return Find(index) != ranges_.end(); }

void UnitRanges::Insert(uint64_t index) {
  if (Contains(index)) return;
  ++size_;
  auto next = ranges_.upper_bound(index);
  const bool joins_next = next != ranges_.end() && next->first == index + 1;
  if (next != ranges_.begin() && std::prev(next)->second == index) {
    auto before = std::prev(next);
    before->second = joins_next ? next->second : index + 1;
    if (joins_next) ranges_.erase(next);
    return;
  }
  const uint64_t end = joins_next ? next->second : index + 1;
  if (joins_next) ranges_.erase(next);
  ranges_.emplace(index, end);
}

void UnitRanges::Erase(uint64_t index) {
  auto found = Find(index);
  if (found == ranges_.end()) return;
  --size_;
  const uint64_t first = found->first, end = found->second;
  ranges_.erase(found);
  if (first < index) ranges_.emplace(first, index);
  if (index + 1 < end) ranges_.emplace(index + 1, end);
}

}  // namespace potluck
