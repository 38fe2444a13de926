// VolunteerStore in one SQLite database (WAL).
#pragma once

#include <filesystem>
#include <memory>

#include "potluck/core/volunteer_store.h"
#include "potluck/store/sqlite.h"

namespace potluck {

class SqliteVolunteerStore final : public VolunteerStore {
 public:
  static Result<std::unique_ptr<SqliteVolunteerStore>> Open(const std::filesystem::path& path);

  Result<Snapshot> Load() override;
  void Begin() override { tx_.Begin(); }
  Status Commit() override { return tx_.Commit(); }
  void PutManifest(const ProjectId& id, const Bytes& manifest) override;
  void PutLease(const LeaseRow& lease) override;
  void DropLease(const UnitKey& unit) override;
  void PutOutbox(const OutboxRow& row) override;
  void DropOutbox(const UnitKey& unit) override;

 private:
  explicit SqliteVolunteerStore(std::unique_ptr<Database> db);

  std::unique_ptr<Database> db_;
  Transaction tx_;
  std::unique_ptr<Statement> put_manifest_, put_lease_, drop_lease_, put_outbox_, drop_outbox_;
};

}  // namespace potluck
