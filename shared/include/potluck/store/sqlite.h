// A thin adapter over SQLite: errors become Status values, statements are prepared once.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"

namespace potluck {

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool valid() const { return stmt_ != nullptr; }
  // Binds are 1-based, as in SQLite. Text and blobs are not copied: they must outlive the
  // statement's steps, up to its Reset (Run resets).
  Statement& Bind(int i, int64_t v);
  Statement& Bind(int i, double v);
  Statement& Bind(int i, std::string_view v);
  Statement& Bind(int i, std::span<const uint8_t> v);
  // No bytes binds NULL.
  Statement& Bind(int i, const std::optional<std::span<const uint8_t>>& v);
  // Steps once: true while a row is available. Errors are kept in status().
  bool Step();
  // Steps to the end and resets, for statements that return no rows.
  Status Run();
  // Ready to run again: bindings and the last run's error cleared.
  void Reset();

  int64_t Int(int col) const;
  double Real(int col) const;
  std::string Text(int col) const;
  Bytes Blob(int col) const;
  // The column's bytes in place, valid until the next Step or Reset.
  std::span<const uint8_t> BlobView(int col) const;
  bool IsNull(int col) const;
  const Status& status() const { return status_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  Status status_;
};

class Database {
 public:
  // Opens (creating if needed) a database in WAL mode; commits sync only when asked to.
  // ":memory:" gives a private in-memory database.
  static Result<std::unique_ptr<Database>> Open(const std::filesystem::path& path);
  ~Database();

  Status Exec(std::string_view sql);
  std::unique_ptr<Statement> Prepare(std::string_view sql);
  sqlite3* handle() { return db_; }

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// The sticky-error transaction of one turn of a node's event loop: Commit() reports the first
// failure. SQLite's transaction opens at the turn's first write, so a turn that only reads (most
// turns of an idle node) costs no locking and no commit.
class Transaction {
 public:
  explicit Transaction(Database& db);
  void Begin();
  // Runs one write inside the turn's transaction and records its outcome.
  void Write(Statement& statement);
  // Commits the turn; `sync` waits until the write-ahead log, with every earlier commit in it,
  // is on the disk.
  Status Commit(bool sync);
  // Undoes the open transaction, if any, and forgets its outcome.
  void Rollback();
  // Records the outcome of one write.
  void Note(const Status& s) {
    if (error_.ok() && !s.ok()) error_ = s;
  }
  const Status& status() const { return error_; }
  // Between Begin() and Commit() or Rollback().
  bool in_turn() const { return turn_; }

 private:
  Status SyncLog();

  sqlite3* db_;
  std::unique_ptr<Statement> begin_, commit_, rollback_;
  bool turn_ = false;  // between Begin() and Commit()
  bool open_ = false;  // SQLite's transaction
  bool unsynced_ = false;  // a commit since the log was last synced
  Status error_;
};

}  // namespace potluck
