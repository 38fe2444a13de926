// A node's durable state in one SQLite database (WAL; a commit waits for the disk when it must
// survive a power cut, see durable.h): the ledgers it holds, what it computes as a volunteer,
// and the peers it knows.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "potluck/core/durable.h"
#include "potluck/core/faults.h"
#include "potluck/core/ledger_store.h"
#include "potluck/core/peer_store.h"
#include "potluck/core/volunteer_store.h"
#include "potluck/proto/codec.h"
#include "potluck/store/sqlite.h"

namespace potluck {

class SqliteStore final : public Durable, public LedgerStore, public VolunteerStore, public PeerStore {
 public:
  // SQLite's own default page cache: what a coordinator, which reads its ledgers back, keeps.
  static constexpr size_t kPageCacheKibDefault = 2000;
  // Opens or creates the tables in `path` (":memory:" for tests), with a page cache of at most
  // `page_cache_kib` KiB.
  static Result<std::unique_ptr<SqliteStore>> Open(const std::filesystem::path& path,
                                                   size_t page_cache_kib = kPageCacheKibDefault);

  void Begin() override { tx_.Begin(); }
  // Fails, rolling the turn back, when the fault point kStoreCommitFails fires.
  Status Commit(Survives survives = Survives::kPowerLoss) override;
  // Rolls the open transaction back: what a process killed in the middle of a turn leaves.
  void Abort();
  // Empties SQLite's page cache of this store; it refills from the file as needed.
  void ReleaseMemory() { sqlite3_db_release_memory(db_->handle()); }
  // Fault injection (see faults.h): null, so never, outside the simulator. Not owned.
  void set_faults(Faults* faults) { faults_ = faults; }

  // LedgerStore (sqlite_store_ledger.cc; claims in sqlite_store_claims.cc)
  Result<LedgerStore::Snapshot> LoadLedger() override;
  void PutProject(const ProjectRow& project) override;
  void PutCancelled(const ProjectId& project) override;
  void PutClaim(const ClaimRow& claim, const Bytes& result) override;
  void ReplaceClaim(const ClaimRow& claim, const Bytes& result) override;
  void PutLease(const LedgerStore::LeaseRow& lease) override;
  void DropLease(const UnitKey& unit, const PeerId& peer) override;
  void MarkClaimAlone(const UnitKey& unit, const PeerId& peer) override;
  Status ScanResults(const ProjectId& project,
                     const std::function<void(uint64_t, const ResultHash&, const Bytes&)>& fn) override;
  Result<std::vector<ClaimRow>> UnitClaims(const UnitKey& unit) override;
  Result<ClaimScan> ClaimsAfter(const ProjectId& project, uint64_t after, const ClaimScanLimits& limits,
                                const ClaimWanted& wanted = {}) override;
  Result<uint64_t> ClaimSeqFloor(const ProjectId& project) override;

  // VolunteerStore (sqlite_store_volunteer.cc)
  Result<VolunteerStore::Snapshot> LoadVolunteer() override;
  void PutManifest(const ProjectId& id, const Bytes& manifest) override;
  void PutLease(const VolunteerStore::LeaseRow& lease) override;
  void DropLease(const UnitKey& unit) override;
  void PutCheckpoint(const UnitKey& unit, const Bytes& state) override;
  Result<Bytes> LoadCheckpoint(const UnitKey& unit) override;
  void PutOutbox(const OutboxRow& row) override;
  void DropOutbox(const UnitKey& unit) override;
  void PutCredit(const CreditRow& row) override;
  void MarkCreditVerified(const UnitKey& unit, double cpu_seconds) override;
  void AddVerifiedCredit(uint64_t units, double cpu_seconds) override;
  bool CreditVerified(const UnitKey& unit) override;
  void DropCredit(const UnitKey& unit) override;
  void DropVerifiedCredit(TimePoint claimed_before, size_t keep_max) override;

  // PeerStore (sqlite_store_peers.cc)
  Result<std::vector<PeerRow>> LoadPeers() override;
  void PutPeer(const PeerRow& peer) override;
  void DropPeer(const PeerId& id) override;

 private:
  explicit SqliteStore(std::unique_ptr<Database> db);
  Status Prepare();
  Status LoadCheckpointed();
  // Runs a prepared write and records its outcome in the transaction.
  template <typename... Args>
  void Write(Statement& statement, const Args&... args);
  // The first column of the first row `statement` gives for `args`, read with `read`; nothing
  // when it gives no row.
  template <typename T, typename... Args>
  Result<std::optional<T>> FirstRow(Statement& statement, T (Statement::*read)(int) const, const Args&... args);
  // Claims are stored together (see kSchema): those put during a turn wait here and go as a
  // few rows when the turn commits, or before anything reads claims.
  struct PendingClaim {
    ClaimRow claim;
    std::optional<Bytes> result;  // when no longer than a hash; a longer one is in `results`
  };
  void FlushClaims();
  // Every claim stored, as the ledger keeps it in memory (see LoadLedger).
  Status LoadClaims(std::vector<ClaimRow>& out);
  Result<uint64_t> NextClaimSeq();
  // Calls `change` on the stored claim of `peer` for `unit`, and stores the row it is in again.
  Status ChangeStoredClaim(const UnitKey& unit, const PeerId& peer, const std::function<void(StoredClaimItem&)>& change);
  // Moves the claims of a database from before claims were stored together into claim_groups.
  Status GroupOldClaims();

  std::unique_ptr<Database> db_;
  Transaction tx_;
  Faults* faults_ = nullptr;
  // The units with a stored checkpoint, read as the store opens: most units never save one, and
  // each would otherwise cost a lookup as it starts and a delete as it ends.
  std::set<UnitKey> checkpointed_;
  std::vector<PendingClaim> pending_claims_;
  std::optional<uint64_t> next_claim_seq_;  // the next claim's sequence number, once read
  std::unique_ptr<Statement> put_cancelled_, block_claims_, claims_after_, claim_result_, claim_seq_floor_,
      next_claim_seq_query_;
  std::unique_ptr<Statement> put_project_, put_claims_, rewrite_claims_, put_result_, put_ledger_lease_,
      drop_ledger_lease_;
  std::unique_ptr<Statement> put_manifest_, put_held_lease_, drop_held_lease_, put_outbox_, drop_outbox_,
      put_checkpoint_, drop_checkpoint_, load_checkpoint_;
  std::unique_ptr<Statement> put_credit_, mark_credit_verified_, add_verified_credit_, drop_credit_,
      credit_verified_, drop_verified_credit_;
  std::unique_ptr<Statement> put_peer_, drop_peer_;
};

namespace internal {
// Binding helpers shared by the store's files.
inline std::span<const uint8_t> IdSpan(const auto& id) { return {id.bytes.data(), id.bytes.size()}; }
template <typename Id>
Result<Id> IdColumn(const Statement& s, int col) {
  std::span<const uint8_t> b = s.BlobView(col);
  auto id = Id::FromBytes(b.data(), b.size());
  if (!id) return Corrupt("a stored id is not 32 bytes");
  return *id;
}
}  // namespace internal

template <typename... Args>
void SqliteStore::Write(Statement& statement, const Args&... args) {
  int i = 0;
  (statement.Bind(++i, args), ...);
  tx_.Write(statement);
}

template <typename T, typename... Args>
Result<std::optional<T>> SqliteStore::FirstRow(Statement& statement, T (Statement::*read)(int) const,
                                               const Args&... args) {
  statement.Reset();
  int i = 0;
  (statement.Bind(++i, args), ...);
  std::optional<T> value;
  if (statement.Step()) value = (statement.*read)(0);
  const Status status = statement.status();
  statement.Reset();
  if (!status.ok()) return status;
  return value;
}

}  // namespace potluck
