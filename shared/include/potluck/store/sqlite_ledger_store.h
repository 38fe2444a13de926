// LedgerStore in one SQLite database (WAL).
#pragma once

#include <filesystem>
#include <memory>

#include "potluck/core/ledger_store.h"
#include "potluck/store/sqlite.h"

namespace potluck {

class SqliteLedgerStore final : public LedgerStore {
 public:
  // Opens or creates the tables in `path` (":memory:" for tests).
  static Result<std::unique_ptr<SqliteLedgerStore>> Open(const std::filesystem::path& path);

  Result<Snapshot> Load() override;
  void Begin() override { tx_.Begin(); }
  Status Commit() override { return tx_.Commit(); }
  void PutProject(const ProjectRow& project) override;
  void PutClaim(const ClaimRow& claim, const Bytes& result) override;
  void PutLease(const LeaseRow& lease) override;
  void DropLease(const UnitKey& unit, const PeerId& peer) override;
  Status ScanResults(const ProjectId& project,
                     const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) override;

 private:
  explicit SqliteLedgerStore(std::unique_ptr<Database> db);

  std::unique_ptr<Database> db_;
  Transaction tx_;
  std::unique_ptr<Statement> put_project_, put_claim_, put_result_, put_lease_, drop_lease_;
};

}  // namespace potluck
