#include "potluck/app/dashboard.h"

#include <algorithm>

#include "dashboard_assets.h"
#include "potluck/app/program.h"
#include "potluck/proto/json.h"

namespace potluck {
namespace {

constexpr char kJson[] = "application/json";
// A result asked for that is not built yet is waited for this long, then answered 503.
constexpr std::chrono::seconds kResultWait{2};

HttpReply JsonReply(std::string body, int status = 200) {
  return {status, std::move(body), kJson, {{"Cache-Control", "no-store"}}};
}

HttpReply ErrorReply(int status, const std::string& message) {
  return JsonReply(nlohmann::json{{"error", message}}.dump(), status);
}

const char* StateName(UnitState state) {
  switch (state) {
    case UnitState::kPending: return "pending";
    case UnitState::kVerified: return "verified";
    case UnitState::kFailed: return "failed";
  }
  return "pending";
}

nlohmann::json TroublesJson(const std::vector<UnitTrouble>& units, uint64_t count) {
  nlohmann::json listed = nlohmann::json::array();
  for (const UnitTrouble& u : units) {
    listed.push_back({{"unit", u.index}, {"state", StateName(u.state)}, {"results", u.results},
                      {"distinct_results", u.distinct_results}});
  }
  return {{"count", count}, {"units", std::move(listed)}};
}

nlohmann::json OrNull(std::optional<double> value) { return value ? nlohmann::json(*value) : nlohmann::json(nullptr); }

// The page and its files. The page makes every request to this server and nothing else.
HttpReply Asset(std::string_view name) {
  for (const internal::EmbeddedFile& file : internal::DashboardAssets()) {
    if (file.name != name) continue;
    std::string type = name.ends_with(".html") ? "text/html; charset=utf-8"
                       : name.ends_with(".js") ? "text/javascript; charset=utf-8"
                                               : "text/css; charset=utf-8";
    return {200, std::string(file.content), type,
            {{"Content-Security-Policy", "default-src 'self'"}, {"X-Content-Type-Options", "nosniff"}}};
  }
  return {404, "not found\n"};
}

}  // namespace

Dashboard::Dashboard(std::string program) : program_(std::move(program)) {}

void Dashboard::Update(Node& node, TimePoint now) {
  bool result_missing = false;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, asked] : wanted_) result_missing |= !results_.contains(id);
  }
  if (now >= next_snapshot_) {
    next_snapshot_ = now + kSnapshotInterval;
    auto snapshot = BuildSnapshot(node, now);
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
  } else if (!result_missing) {
    return;
  }
  BuildWantedResults(node, now);
}

std::shared_ptr<const Dashboard::Snapshot> Dashboard::BuildSnapshot(Node& node, TimePoint now) {
  auto snapshot = std::make_shared<Snapshot>();
  Holder& holder = node.holder();
  const std::vector<ProjectId> ids = holder.Projects();
  const size_t listed = std::min(ids.size(), kDashboardProjectsMax);
  UnitCounts units;
  double verified_per_second = 0;
  uint64_t complete = 0;
  nlohmann::json projects = nlohmann::json::array();
  for (size_t i = 0; i < listed; ++i) {
    auto status = holder.Describe(ids[i], /*with_result=*/false, now);
    auto troubles = holder.Troubles(ids[i], kDashboardUnitsListedMax);
    if (!status.ok() || !troubles.ok()) continue;
    const UnitCounts& u = status->units;
    units.total += u.total;
    units.verified += u.verified;
    units.in_flight += u.in_flight;
    units.waiting += u.waiting;
    units.failed += u.failed;
    verified_per_second += status->verified_per_second;
    if (u.verified + u.failed == u.total) ++complete;
    nlohmann::json summary = {{"status", ToJson(*status)}, {"eta_seconds", OrNull(EtaSeconds(*status))}};
    nlohmann::json detail = summary;
    detail["failed_units"] = TroublesJson(troubles->failed, troubles->failed_count);
    detail["disputed_units"] = TroublesJson(troubles->disputed, troubles->disputed_count);
    snapshot->details[ids[i]] = detail.dump();
    summary["disputed"] = troubles->disputed_count;
    projects.push_back(std::move(summary));
  }
  snapshot->projects = nlohmann::json{{"projects", std::move(projects)}, {"more", ids.size() - listed}}.dump();

  std::vector<Offer> offers = node.membership().Everyone(now);
  const size_t more_peers = offers.size() - std::min(offers.size(), kDashboardPeersMax);
  offers.resize(offers.size() - more_peers);
  nlohmann::json peers = PeersJson(offers);
  if (more_peers > 0) peers["more"] = more_peers;
  snapshot->peers = peers.dump();

  verified_history_.Record(now, holder.counters().units_verified);
  nlohmann::json reputation = nlohmann::json::array();
  size_t scored = 0;
  for (const auto& [peer, record] : holder.reputation().records()) {
    if (++scored > kDashboardPeersMax) break;
    reputation.push_back({{"peer", peer.Hex()},
                          {"agreed", record.agreed},
                          {"disagreed", record.disagreed},
                          {"ignored", holder.reputation().Ignored(peer)}});
  }
  const size_t records = holder.reputation().records().size();
  nlohmann::json grid = {
      {"node", {{"peer", node.id().Hex()}, {"program", program_}, {"version", kVersion}, {"endpoint", offers.front().endpoint}}},
      {"updated_unix_ms", ToUnixMs(now)},
      {"projects", {{"held", ids.size()}, {"listed", listed}, {"complete", complete}}},
      {"units", ToJson(units)},
      {"verified_per_second", verified_per_second},
      {"peers", node.membership().peer_count()},
      {"verified_per_minute", verified_history_.ToJson()},
      {"reputation", {{"peers", std::move(reputation)}, {"more", records - std::min(records, kDashboardPeersMax)}}},
  };
  snapshot->grid = grid.dump();
  return snapshot;
}

void Dashboard::BuildWantedResults(Node& node, TimePoint now) {
  std::map<ProjectId, std::optional<CachedResult>> todo;
  {
    std::lock_guard lock(mutex_);
    const auto cutoff = std::chrono::steady_clock::now() - kResultWantedFor;
    std::erase_if(wanted_, [&](const auto& want) { return want.second < cutoff; });
    // Results nobody looks at any more are not kept.
    std::erase_if(results_, [&](const auto& cached) { return !wanted_.contains(cached.first); });
    for (const auto& [id, asked] : wanted_) {
      auto cached = results_.find(id);
      todo[id] = cached == results_.end() ? std::nullopt : std::optional(cached->second);
    }
  }
  for (const auto& [id, cached] : todo) {
    auto status = node.holder().Describe(id, /*with_result=*/false, now);
    const uint64_t decided = status.ok() ? status->units.verified + status->units.failed : 0;
    if (cached && (cached->decided == decided || now - cached->built < kResultRefresh)) continue;
    auto full = node.holder().Describe(id, /*with_result=*/true, now);
    CachedResult built{full.ok() ? ToJson(*full).dump() : nlohmann::json{{"error", full.status().message()}}.dump(),
                       decided, now};
    if (!full.ok()) built.decided = ~uint64_t{0};  // not a result: try again at the next refresh
    std::lock_guard lock(mutex_);
    results_[id] = std::move(built);
  }
  result_built_.notify_all();
}

std::shared_ptr<const Dashboard::Snapshot> Dashboard::Current() const {
  std::lock_guard lock(mutex_);
  return snapshot_;
}

HttpReply Dashboard::Grid() const {
  auto snapshot = Current();
  return snapshot ? JsonReply(snapshot->grid) : ErrorReply(503, "starting; ask again in a second");
}

HttpReply Dashboard::Projects() const {
  auto snapshot = Current();
  return snapshot ? JsonReply(snapshot->projects) : ErrorReply(503, "starting; ask again in a second");
}

HttpReply Dashboard::Peers() const {
  auto snapshot = Current();
  return snapshot ? JsonReply(snapshot->peers) : ErrorReply(503, "starting; ask again in a second");
}

HttpReply Dashboard::Project(const std::string& hex) const {
  auto id = ProjectId::FromHex(hex);
  if (!id) return ErrorReply(400, "not a project id (64 hex digits)");
  auto snapshot = Current();
  if (!snapshot) return ErrorReply(503, "starting; ask again in a second");
  auto it = snapshot->details.find(*id);
  if (it == snapshot->details.end()) {
    return ErrorReply(404, "no project " + id->Short() + " among the " + std::to_string(kDashboardProjectsMax) +
                               " most recent held here");
  }
  return JsonReply(it->second);
}

HttpReply Dashboard::AggregateResult(const std::string& hex) {
  auto id = ProjectId::FromHex(hex);
  if (!id) return ErrorReply(400, "not a project id (64 hex digits)");
  std::unique_lock lock(mutex_);
  if (!wanted_.contains(*id) && wanted_.size() >= kResultsWantedMax) {
    auto oldest = std::min_element(wanted_.begin(), wanted_.end(),
                                   [](const auto& a, const auto& b) { return a.second < b.second; });
    wanted_.erase(oldest);
  }
  wanted_[*id] = std::chrono::steady_clock::now();
  // The event loop builds it at its next turn, within a tick.
  if (!result_built_.wait_for(lock, kResultWait, [&] { return results_.contains(*id); })) {
    HttpReply reply = ErrorReply(503, "the result is being built; ask again in a second");
    reply.headers.emplace_back("Retry-After", "1");
    return reply;
  }
  const CachedResult& cached = results_.at(*id);
  const bool failed = cached.decided == ~uint64_t{0};
  return JsonReply(cached.json, failed ? 404 : 200);
}

std::vector<HttpRoute> Dashboard::Routes() {
  auto page = [](const std::vector<std::string>&) { return Asset("index.html"); };
  constexpr char kId[] = "([0-9A-Za-z]{1,80})";
  return {
      {"/", page},
      {"/project/[0-9a-f]{64}", page},
      {"/(dashboard\\.(js|css))", [](const std::vector<std::string>& c) { return Asset(c[1]); }},
      {"/api/grid", [this](const std::vector<std::string>&) { return Grid(); }},
      {"/api/projects", [this](const std::vector<std::string>&) { return Projects(); }},
      {"/api/peers", [this](const std::vector<std::string>&) { return Peers(); }},
      {std::string("/api/projects/") + kId, [this](const std::vector<std::string>& c) { return Project(c[1]); }},
      {std::string("/api/projects/") + kId + "/result",
       [this](const std::vector<std::string>& c) { return AggregateResult(c[1]); }},
  };
}

}  // namespace potluck
