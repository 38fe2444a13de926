// Lists of sieve entries by block, kept in pages from a shared pool.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

namespace potluck::primes {

// A sieving prime p = 30q + r and its next multiple to cross off: `position` is the multiple's
// byte, relative to the segment or block being sieved, shifted left by 6, or'ed with its wheel
// index (see wheel::Step).
struct SieveEntry {
  uint32_t q;
  uint32_t position;
};

// One list of entries per block of a chunk. The lists are chains of fixed pages taken from and
// given back to one pool, so the memory held follows the entries alive at a time rather than
// the sum of every list's longest length. Not thread-safe.
class Buckets {
 public:
  // Empties every list and makes `blocks` of them; the pages stay in the pool.
  void Reset(uint64_t blocks) {
    for (List& list : lists_) Release(list.page);
    lists_.assign(blocks, List{});
  }

  void Push(uint64_t block, SieveEntry entry) {
    List& list = lists_[block];
    // Pages are aligned to their size, so a write position on a page boundary means the list
    // is empty (null) or its page is full.
    if ((reinterpret_cast<uintptr_t>(list.end) & (sizeof(Page) - 1)) == 0) AddPage(list);
    *list.end++ = entry;
  }

  // Calls visit(entry) for every entry of the block's list, in some order, and empties it.
  // visit may Push to other blocks.
  template <typename Visit>
  void Drain(uint64_t block, Visit visit) {
    const List list = lists_[block];
    lists_[block] = List{};
    const SieveEntry* end = list.end;
    for (uint32_t page = list.page; page != kNone;) {
      const SieveEntry* entry = pages_[page]->entries;  // stays put while pages_ grows
      for (; entry != end; ++entry) visit(*entry);
      const uint32_t next = next_[page];
      free_.push_back(page);
      page = next;
      if (page != kNone) end = pages_[page]->entries + kPageEntries;
    }
  }

 private:
  static constexpr uint32_t kPageEntries = 1024;
  static constexpr uint32_t kNone = ~uint32_t{0};
  struct alignas(kPageEntries * sizeof(SieveEntry)) Page {
    SieveEntry entries[kPageEntries];
  };
  struct List {
    SieveEntry* end = nullptr;  // where the next entry goes, in the first page of the chain
    uint32_t page = kNone;      // the chain's first page, the one being filled
  };

  void AddPage(List& list) {
    if (free_.empty()) {
      free_.push_back(static_cast<uint32_t>(pages_.size()));
      pages_.push_back(std::make_unique<Page>());
      next_.push_back(kNone);
    }
    const uint32_t page = free_.back();
    free_.pop_back();
    next_[page] = list.page;
    list.page = page;
    list.end = pages_[page]->entries;
  }

  void Release(uint32_t page) {
    for (; page != kNone; page = next_[page]) free_.push_back(page);
  }

  std::vector<std::unique_ptr<Page>> pages_;
  std::vector<uint32_t> next_;  // the page after each in its chain
  std::vector<uint32_t> free_;
  std::vector<List> lists_;
};

}  // namespace potluck::primes
