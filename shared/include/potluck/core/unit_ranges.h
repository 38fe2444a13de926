// A set of unit indices kept as sorted ranges: units of a project tend to finish in the order
// they were handed out, so a million of them usually take a handful of ranges, not a million
// entries. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>

namespace potluck {

class UnitRanges {
 public:
  bool Contains(uint64_t index) const;
  void Insert(uint64_t index);
  void Erase(uint64_t index);

  uint64_t size() const { return size_; }
  // How many separate ranges hold them: what the set costs in memory.
  size_t ranges() const { return ranges_.size(); }

 private:
  // The range holding `index`, or end().
  std::map<uint64_t, uint64_t>::const_iterator Find(uint64_t index) const;

  std::map<uint64_t, uint64_t> ranges_;  // first index -> one past the last, disjoint, never touching
  uint64_t size_ = 0;
};

}  // namespace potluck
