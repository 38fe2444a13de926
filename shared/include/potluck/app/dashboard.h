// The dashboard: a web page and the read-only JSON API behind it (docs/api.md), served by a
// node given --dashboard. The node's state belongs to the event loop thread, so the loop builds
// snapshots of it once a second, as JSON text, and the HTTP threads only read those.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "potluck/app/http_server.h"
#include "potluck/app/rate_history.h"
#include "potluck/core/node.h"

namespace potluck {

// What the snapshots hold at most; the API says how many more there were.
constexpr size_t kDashboardProjectsMax = 100;  // the most recently submitted
constexpr size_t kDashboardUnitsListedMax = 50;  // failed, and disputed, units per project
constexpr size_t kDashboardPeersMax = 500;
// Aggregated results are built only for projects someone asked for within this long, at most
// this many at once, and again at most this often while their units are still being decided.
constexpr std::chrono::seconds kResultWantedFor{30};
constexpr size_t kResultsWantedMax = 8;
constexpr Duration kResultRefresh = std::chrono::seconds(5);
constexpr Duration kSnapshotInterval = std::chrono::seconds(1);

class Dashboard {
 public:
  // `program` ("coordinator", "worker") is shown on the page.
  explicit Dashboard(std::string program);
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // Builds new snapshots if kSnapshotInterval has passed, and any aggregated result asked for
  // that is missing or stale. Call on the event loop thread, which owns `node`.
  void Update(Node& node, TimePoint now);

  // The page, its script and style, and the API. Thread-safe. REQUIRES: this outlives the
  // server that serves them.
  std::vector<HttpRoute> Routes();

 private:
  struct Snapshot {
    std::string grid, projects, peers;
    std::map<ProjectId, std::string> details;  // of the projects listed
  };
  struct CachedResult {
    std::string json;
    uint64_t decided = 0;  // units verified or failed when it was built
    TimePoint built{};
  };

  std::shared_ptr<const Snapshot> BuildSnapshot(Node& node, TimePoint now);
  void BuildWantedResults(Node& node, TimePoint now);
  HttpReply Grid() const;
  HttpReply Projects() const;
  HttpReply Peers() const;
  HttpReply Project(const std::string& hex) const;
  HttpReply AggregateResult(const std::string& hex);
  std::shared_ptr<const Snapshot> Current() const;

  const std::string program_;
  RateHistory verified_history_;
  TimePoint next_snapshot_{};

  mutable std::mutex mutex_;  // guards what follows
  std::condition_variable result_built_;
  std::shared_ptr<const Snapshot> snapshot_;
  std::map<ProjectId, CachedResult> results_;
  std::map<ProjectId, std::chrono::steady_clock::time_point> wanted_;  // results asked for, and when
};

}  // namespace potluck
