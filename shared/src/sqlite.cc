#include "potluck/store/sqlite.h"

namespace potluck {

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  if (sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) != SQLITE_OK) {
    status_ = IoError(std::string("sqlite prepare: ") + sqlite3_errmsg(db));
    stmt_ = nullptr;
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::Bind(int i, int64_t v) {
  sqlite3_bind_int64(stmt_, i, v);
  return *this;
}

Statement& Statement::Bind(int i, double v) {
  sqlite3_bind_double(stmt_, i, v);
  return *this;
}

Statement& Statement::Bind(int i, std::string_view v) {
  sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::Bind(int i, std::span<const uint8_t> v) {
  // An empty span still binds a zero-length blob, not NULL.
  static const uint8_t kEmpty = 0;
  sqlite3_bind_blob(stmt_, i, v.empty() ? &kEmpty : v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
  return *this;
}

Statement& Statement::Bind(int i, const std::optional<std::span<const uint8_t>>& v) {
  if (v) return Bind(i, *v);
  sqlite3_bind_null(stmt_, i);
  return *this;
}

bool Statement::Step() {
  if (!stmt_) return false;
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE && status_.ok()) status_ = IoError(std::string("sqlite: ") + sqlite3_errmsg(db_));
  return false;
}

Status Statement::Run() {
  if (!stmt_) return status_;
  status_ = Status::Ok();
  while (Step()) {
  }
  Status s = status_;
  Reset();
  return s;
}

void Statement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  if (stmt_) status_ = Status::Ok();  // a failed prepare stays failed
}

int64_t Statement::Int(int col) const { return sqlite3_column_int64(stmt_, col); }

double Statement::Real(int col) const { return sqlite3_column_double(stmt_, col); }

std::string Statement::Text(int col) const {
  auto p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
  return p ? std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col))) : std::string();
}

Bytes Statement::Blob(int col) const {
  std::span<const uint8_t> view = BlobView(col);
  return Bytes(view.begin(), view.end());
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

std::span<const uint8_t> Statement::BlobView(int col) const {
  auto p = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, col));
  return p ? std::span<const uint8_t>(p, static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::span<const uint8_t>();
}

Result<std::unique_ptr<Database>> Database::Open(const std::filesystem::path& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return IoError(path.string() + ": " + message);
  }
  std::unique_ptr<Database> out(new Database(db));
  sqlite3_busy_timeout(db, 5000);
  // In WAL mode NORMAL syncs the log only at checkpoints: commits stay atomic, and those that
  // promise something to a peer sync it themselves (Transaction::Commit).
  for (const char* pragma : {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=NORMAL", "PRAGMA foreign_keys=ON"}) {
    if (Status s = out->Exec(pragma); !s.ok()) return Status(s.code(), path.string() + ": " + s.message());
  }
  return out;
}

Database::~Database() { sqlite3_close(db_); }

Status Database::Exec(std::string_view sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    return IoError("sqlite: " + message);
  }
  return Status::Ok();
}

std::unique_ptr<Statement> Database::Prepare(std::string_view sql) {
  return std::make_unique<Statement>(db_, sql);
}

Transaction::Transaction(Database& db)
    : db_(db.handle()),
      begin_(db.Prepare("BEGIN IMMEDIATE")), commit_(db.Prepare("COMMIT")), rollback_(db.Prepare("ROLLBACK")) {}

void Transaction::Begin() {
  POTLUCK_CHECK(!open_);
  turn_ = true;
  error_ = Status::Ok();
}

void Transaction::Write(Statement& statement) {
  if (turn_ && !open_) {
    // Outside a transaction the write would reach the file although the turn fails.
    if (!error_.ok()) return;
    error_ = begin_->Run();
    open_ = error_.ok();
    if (!open_) return;
  }
  Note(statement.Run());
}

Status Transaction::Commit(bool sync) {
  turn_ = false;
  if (open_) {
    open_ = false;
    if (error_.ok()) error_ = commit_->Run();
    if (!error_.ok()) {
      (void)rollback_->Run();
      return error_;
    }
    unsynced_ = true;
  }
  if (error_.ok() && sync && unsynced_) {
    error_ = SyncLog();
    unsynced_ = !error_.ok();
  }
  return error_;
}

Status Transaction::SyncLog() {
  // What `PRAGMA synchronous=FULL` does at every commit, done only for the commits that need it.
  sqlite3_file* log = nullptr;
  if (sqlite3_file_control(db_, "main", SQLITE_FCNTL_JOURNAL_POINTER, &log) != SQLITE_OK) {
    return IoError(std::string("sqlite: no write-ahead log to sync: ") + sqlite3_errmsg(db_));
  }
  // No log open: nothing was ever written through this connection, so nothing waits for a sync.
  if (!log || !log->pMethods) return Status::Ok();
  if (int rc = log->pMethods->xSync(log, SQLITE_SYNC_NORMAL); rc != SQLITE_OK) {
    return IoError(std::string("sqlite: syncing the write-ahead log failed: ") + sqlite3_errstr(rc));
  }
  return Status::Ok();
}

void Transaction::Rollback() {
  if (open_) (void)rollback_->Run();
  open_ = false;
  turn_ = false;
  error_ = Status::Ok();
}

}  // namespace potluck
