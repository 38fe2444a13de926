// A simulated node's store, kept across its crashes: SQLite in memory, which can roll a turn
// back (a kill inside a turn, a failed commit), or MemoryStore, small enough for a grid of
// 100,000 nodes in one process but unable to roll back, so a grid on it suffers neither.
#pragma once

#include <memory>

#include "potluck/store/memory_store.h"
#include "potluck/store/sqlite_store.h"

namespace potluck::testing {

class SimStore {
 public:
  static SimStore Sqlite() {
    SimStore s;
    s.sqlite_ = std::move(SqliteStore::Open(":memory:").value());
    return s;
  }
  static SimStore Memory() {
    SimStore s;
    s.memory_ = std::make_unique<MemoryStore>();
    return s;
  }

  LedgerStore& ledger() { return sqlite_ ? static_cast<LedgerStore&>(*sqlite_) : *memory_; }
  VolunteerStore& volunteer() { return sqlite_ ? static_cast<VolunteerStore&>(*sqlite_) : *memory_; }
  PeerStore& peers() { return sqlite_ ? static_cast<PeerStore&>(*sqlite_) : *memory_; }
  Durable& durable() { return sqlite_ ? static_cast<Durable&>(*sqlite_) : *memory_; }
  bool can_roll_back() const { return sqlite_ != nullptr; }

  // REQUIRES: can_roll_back().
  void Abort() { sqlite_->Abort(); }
  // Fault points fire only in the SQLite store's commit.
  void set_faults(Faults* faults) {
    if (sqlite_) sqlite_->set_faults(faults);
  }

 private:
  SimStore() = default;
  std::unique_ptr<SqliteStore> sqlite_;
  std::unique_ptr<MemoryStore> memory_;
};

}  // namespace potluck::testing
