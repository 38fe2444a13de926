// The dashboard's snapshots, through its routes but without a server: what the API serves for
// a node's projects, peers and troubled units, the same JSON the CLI prints, and its bounds.
#include "potluck/app/dashboard.h"

#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "fake_directory.h"
#include "potluck/app/rate_history.h"
#include "potluck/proto/json.h"
#include "potluck/store/sqlite_store.h"
#include "test_workload.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::SquareWorkload;
using testing::TestPeer;

class DashboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workloads_.Add(std::make_unique<SquareWorkload>());
    store_ = std::move(SqliteStore::Open(":memory:").value());
    node_ = std::make_unique<Node>(testing::TestIdentity(0), NodeConfig{.endpoint = "tcp://127.0.0.1:1"}, *store_,
                                   *store_, *store_, workloads_, 1);
    ASSERT_TRUE(node_->Load(now_).ok());
  }

  // Each one a millisecond after the last, so the list's order is the order of submission.
  ProjectId Submit(uint64_t units, uint32_t max_replicas = 3) {
    now_ += 1ms;
    Actions ignored;
    store_->Begin();
    auto id = node_->holder().Submit(testing::SquareManifest(units, {2, max_replicas, 60s}), now_, ignored);
    EXPECT_TRUE(store_->Commit().ok());
    return id.value();
  }

  void Claim(uint8_t peer, const ProjectId& id, uint64_t index, uint64_t value) {
    const PeerId from = TestPeer(peer);
    potluck::Claim claim = testing::SignedClaim(from, {id, index}, SquareWorkload::Encode(value));
    store_->Begin();
    (void)node_->OnMessage({from, "", Envelope{from, 1, ClaimBatch{{claim}}}, ""}, now_);
    ASSERT_TRUE(store_->Commit().ok());
  }

  // What GET `path` answers, by the route that matches it as the server would pick it.
  HttpReply Get(const std::string& path) {
    for (const HttpRoute& route : dashboard_.Routes()) {
      std::smatch match;
      if (!std::regex_match(path, match, std::regex(route.path))) continue;
      return route.handle(std::vector<std::string>(match.begin(), match.end()));
    }
    return {404, "no route"};
  }

  nlohmann::json GetJson(const std::string& path, int status = 200) {
    HttpReply reply = Get(path);
    EXPECT_EQ(reply.status, status) << path << ": " << reply.body;
    EXPECT_EQ(reply.content_type, "application/json");
    return nlohmann::json::parse(reply.body);
  }

  WorkloadRegistry workloads_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<Node> node_;
  Dashboard dashboard_{"coordinator"};
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(DashboardTest, ServesNothingButAnErrorBeforeTheFirstSnapshot) {
  EXPECT_EQ(GetJson("/api/grid", 503)["error"], "starting; ask again in a second");
}

TEST_F(DashboardTest, ProjectsCountsAndTroubledUnits) {
  const ProjectId id = Submit(4);
  Claim(1, id, 0, 0);  // unit 0: two agree
  Claim(2, id, 0, 0);
  Claim(1, id, 1, 1);  // unit 1: disputed, then verified by a third result
  Claim(2, id, 1, 99);
  Claim(3, id, 1, 1);
  Claim(1, id, 2, 4);  // unit 2: three different results, no quorum
  Claim(2, id, 2, 5);
  Claim(3, id, 2, 6);
  dashboard_.Update(*node_, now_);

  const nlohmann::json grid = GetJson("/api/grid");
  EXPECT_EQ(grid["node"]["peer"], node_->id().Hex());
  EXPECT_EQ(grid["node"]["program"], "coordinator");
  EXPECT_EQ(grid["projects"]["held"], 1);
  EXPECT_EQ(grid["units"]["verified"], 2);
  EXPECT_EQ(grid["units"]["failed"], 1);
  ASSERT_EQ(grid["verified_per_minute"].size(), 1u);
  EXPECT_EQ(grid["verified_per_minute"][0]["count"], 2);
  EXPECT_EQ(grid["reputation"]["peers"].size(), 3u);

  const nlohmann::json list = GetJson("/api/projects");
  ASSERT_EQ(list["projects"].size(), 1u);
  EXPECT_EQ(list["more"], 0);
  EXPECT_EQ(list["projects"][0]["disputed"], 2);

  // The status is the CLI's `status --json`, built by the same function.
  const nlohmann::json detail = GetJson("/api/projects/" + id.Hex());
  EXPECT_EQ(detail["status"], ToJson(node_->holder().Describe(id, false, now_).value()));
  EXPECT_TRUE(detail["eta_seconds"].is_number());
  EXPECT_EQ(detail["failed_units"], nlohmann::json::parse(R"({"count": 1, "units": [
      {"unit": 2, "state": "failed", "results": 3, "distinct_results": 3}]})"));
  EXPECT_EQ(detail["disputed_units"], nlohmann::json::parse(R"({"count": 2, "units": [
      {"unit": 1, "state": "verified", "results": 3, "distinct_results": 2},
      {"unit": 2, "state": "failed", "results": 3, "distinct_results": 3}]})"));

  // The peers are the CLI's `peers --json`: this node's own offer first.
  const nlohmann::json peers = GetJson("/api/peers");
  EXPECT_EQ(peers, PeersJson(node_->membership().Everyone(now_)));
  EXPECT_EQ(peers["peers"][0]["peer"], node_->id().Hex());

  EXPECT_EQ(GetJson("/api/projects/xyz", 400)["error"], "not a project id (64 hex digits)");
  EXPECT_EQ(GetJson("/api/projects/" + std::string(64, 'a'), 404).count("error"), 1u);
  EXPECT_EQ(Get("/api/nothing").status, 404);
}

TEST_F(DashboardTest, ResultIsBuiltByTheLoopWhenAskedForAndIsTheClisJson) {
  const ProjectId id = Submit(2);
  for (uint64_t unit : {0, 1}) {
    Claim(1, id, unit, unit * unit);
    Claim(2, id, unit, unit * unit);
  }
  dashboard_.Update(*node_, now_);
  HttpReply reply;
  std::atomic<bool> answered{false};
  std::thread asker([&] {
    reply = Get("/api/projects/" + id.Hex() + "/result");
    answered = true;
  });
  // The event loop's turns, until the asker has its answer.
  for (int turn = 0; turn < 100 && !answered; ++turn) {
    now_ += 100ms;
    dashboard_.Update(*node_, now_);
    std::this_thread::sleep_for(10ms);
  }
  asker.join();
  ASSERT_EQ(reply.status, 200) << reply.body;
  EXPECT_EQ(nlohmann::json::parse(reply.body), ToJson(node_->holder().Describe(id, true, now_).value()));
}

TEST_F(DashboardTest, ListsAreBounded) {
  for (uint64_t units = 1; units <= kDashboardProjectsMax + 2; ++units) Submit(units);
  const ProjectId big = Submit(kDashboardUnitsListedMax + 10, 2);
  for (uint64_t unit = 0; unit < kDashboardUnitsListedMax + 10; ++unit) {
    Claim(1, big, unit, 1);
    Claim(2, big, unit, 2);
  }
  dashboard_.Update(*node_, now_);
  const nlohmann::json list = GetJson("/api/projects");
  EXPECT_EQ(list["projects"].size(), kDashboardProjectsMax);
  EXPECT_EQ(list["more"], 3);
  const nlohmann::json detail = GetJson("/api/projects/" + big.Hex());
  EXPECT_EQ(detail["failed_units"]["count"], kDashboardUnitsListedMax + 10);
  EXPECT_EQ(detail["failed_units"]["units"].size(), kDashboardUnitsListedMax);
  EXPECT_EQ(detail["disputed_units"]["units"].size(), kDashboardUnitsListedMax);
}

TEST_F(DashboardTest, PageAndItsFilesAreServed) {
  for (const char* path : {"/", "/project/" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}) {
    HttpReply page = Get(path);
    EXPECT_EQ(page.status, 200) << path;
    EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
    EXPECT_NE(page.body.find("<script src=\"/dashboard.js\">"), std::string::npos);
  }
  EXPECT_NE(Get("/dashboard.js").body.find("/api/grid"), std::string::npos);
  EXPECT_EQ(Get("/dashboard.css").content_type, "text/css; charset=utf-8");
  EXPECT_EQ(Get("/project/123").status, 404);
}

TEST(RateHistoryTest, CountsGrowthPerMinuteAndKeepsTheLast120) {
  RateHistory history;
  TimePoint t = FromUnixMs(60'000 * 1000);
  history.Record(t, 3);
  history.Record(t + 30s, 5);
  history.Record(t + 150s, 6);  // two minutes on: one empty minute between
  nlohmann::json minutes = history.ToJson();
  ASSERT_EQ(minutes.size(), 3u);
  EXPECT_EQ(minutes[0], nlohmann::json({{"minute_unix_ms", 60'000 * 1000}, {"count", 5}}));
  EXPECT_EQ(minutes[1]["count"], 0);
  EXPECT_EQ(minutes[2]["count"], 1);
  for (int m = 3; m < 300; ++m) history.Record(t + std::chrono::minutes(m), 6 + m);
  minutes = history.ToJson();
  EXPECT_EQ(minutes.size(), RateHistory::kMinutesMax);
  EXPECT_EQ(minutes.back()["minute_unix_ms"], 60'000 * (1000 + 299));
}

}  // namespace
}  // namespace potluck
