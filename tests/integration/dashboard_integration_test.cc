// The dashboard on a running grid: its JSON API equals the CLI's --json for the same projects,
// and headless Chromium loads the page and shows the projects, their counts, the chart and the
// peers, and an lj-md project's plots. Screenshots of both pages are saved in the test's folder
// (and, with POTLUCK_SCREENSHOT_DIR set, copied there: how docs/images/ were made).
#include <gtest/gtest.h>
#include <httplib.h>

#include <cstdlib>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

const std::vector<std::string> kChromiumPaths = {"/usr/bin/chromium", "/usr/bin/chromium-browser"};

struct Endpoint {
  std::string host;
  int port = 0;
  std::string Url() const { return "http://" + host + ":" + std::to_string(port); }
};

Endpoint ReadEndpoint(const std::filesystem::path& file) {
  std::string text = ReadFile(file);
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {};
  return {text.substr(0, colon), std::atoi(text.c_str() + colon + 1)};
}

// GET `path` as JSON; null without a 200 answer.
nlohmann::json GetJson(const Endpoint& at, const std::string& path) {
  httplib::Client client(at.host, at.port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto response = client.Get(path.c_str());
  if (!response || response->status != 200) return nullptr;
  return nlohmann::json::parse(response->body, nullptr, false);
}

// The fields that move with the clock between two reads, left out of comparisons.
nlohmann::json Steady(nlohmann::json j) {
  if (j.is_object()) {
    j.erase("verified_per_second");
    j.erase("issued_unix_ms");
    j.erase("expires_unix_ms");
    for (auto& item : j.items()) item.value() = Steady(item.value());
  } else if (j.is_array()) {
    for (auto& value : j) value = Steady(value);
  }
  return j;
}

nlohmann::json SortedPeers(nlohmann::json peers) {
  auto& list = peers["peers"];
  std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return a["peer"] < b["peer"]; });
  return Steady(peers);
}

std::string Chromium() {
  for (const auto& path : kChromiumPaths) {
    if (std::filesystem::exists(path)) return path;
  }
  return "";
}

bool Has(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

class DashboardIntegrationTest : public ::testing::Test {
 protected:
  // Headless Chromium's DOM of `url` after the page has polled for a few seconds of virtual
  // time, and a screenshot of it in `screenshot`.
  std::string LoadPage(const std::string& chromium, const std::string& url, const std::filesystem::path& screenshot) {
    const std::vector<std::string> common = {chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                             "--no-first-run", "--user-data-dir=" + (dir_.path() / "chromium").string(),
                                             "--virtual-time-budget=5000", "--window-size=1280,900"};
    std::vector<std::string> shot = common;
    shot.push_back("--screenshot=" + screenshot.string());
    shot.push_back(url);
    auto r = RunCommand(shot, 60s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(std::filesystem::exists(screenshot)) << r.err;
    if (const char* keep = std::getenv("POTLUCK_SCREENSHOT_DIR"); keep && *keep && std::filesystem::exists(screenshot)) {
      std::filesystem::copy_file(screenshot, std::filesystem::path(keep) / screenshot.filename(),
                                 std::filesystem::copy_options::overwrite_existing);
    }
    std::vector<std::string> dump = common;
    dump.push_back("--dump-dom");
    dump.push_back(url);
    r = RunCommand(dump, 60s);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  }

  TempDir dir_;
  Grid grid_{dir_};
};

TEST_F(DashboardIntegrationTest, ApiMatchesTheCliAndChromiumShowsProjectsChartAndPeers) {
  // The dashboard and metrics on one address share one server.
  grid_.StartCoordinator("tcp://127.0.0.1:0", {"--dashboard", "127.0.0.1:0", "--metrics", "127.0.0.1:0"});
  const Endpoint dashboard = ReadEndpoint(dir_.path() / "coordinator" / "dashboard-endpoint");
  ASSERT_EQ(dashboard.host, "127.0.0.1");
  ASSERT_GT(dashboard.port, 0);
  EXPECT_EQ(ReadFile(dir_.path() / "coordinator" / "metrics-endpoint"),
            ReadFile(dir_.path() / "coordinator" / "dashboard-endpoint"));
  EXPECT_TRUE(Has(ReadFile(dir_.path() / "coordinator.log"), "dashboard on " + dashboard.Url() + "/"));
  grid_.StartWorker(0);
  grid_.StartWorker(1, {grid_.endpoint_}, {"--dashboard", "0"});

  const std::string primes = grid_.Submit("3000000", 4);
  auto submitted = grid_.Cli({"submit", "--workload", "lj-md", "--param", "cells=4", "--param", "steps=400", "--param",
                              "thermo_every=50", "--units", "2", "--quorum", "2", "--any-network", "--home",
                              (dir_.path() / "owner").string()});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  const std::string lj_md = submitted.out.substr(0, 64);
  for (const std::string& id : {primes, lj_md}) {
    auto wait = grid_.Cli({"wait", id, "--timeout", "120"}, 150s);
    ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid_.Logs();
  }

  // The API serves what the CLI prints with --json, for the same project (the snapshot is at
  // most a second old).
  for (const std::string& id : {primes, lj_md}) {
    const nlohmann::json cli_status = Steady(grid_.Json("status", id));
    ASSERT_TRUE(cli_status.is_object());
    nlohmann::json api;
    EXPECT_TRUE(Eventually([&] { return Steady((api = GetJson(dashboard, "/api/projects/" + id))["status"]) == cli_status; }, 10s))
        << api.dump() << "\n" << cli_status.dump();
    EXPECT_EQ(api["failed_units"]["count"], 0);
    const nlohmann::json cli_result = Steady(grid_.Json("results", id));
    ASSERT_TRUE(cli_result.is_object());
    EXPECT_TRUE(Eventually([&] { return Steady(api = GetJson(dashboard, "/api/projects/" + id + "/result")) == cli_result; }, 10s))
        << api.dump() << "\n" << cli_result.dump();
  }
  const nlohmann::json cli_peers = nlohmann::json::parse(grid_.Cli({"peers", "--json"}).out, nullptr, false);
  ASSERT_EQ(cli_peers["peers"].size(), 3u) << cli_peers.dump();
  nlohmann::json api_peers;
  EXPECT_TRUE(Eventually([&] { return SortedPeers(api_peers = GetJson(dashboard, "/api/peers")) == SortedPeers(cli_peers); }, 10s))
      << api_peers.dump() << "\n" << cli_peers.dump();
  const nlohmann::json grid = GetJson(dashboard, "/api/grid");
  EXPECT_EQ(grid["units"]["verified"], 6) << grid.dump();
  EXPECT_EQ(grid["node"]["program"], "coordinator");
  // Metrics come from the same server.
  httplib::Client client(dashboard.host, dashboard.port);
  auto metrics = client.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_TRUE(Has(metrics->body, "potluck_units_verified_total")) << metrics->body;
  // A worker serves its own dashboard: itself and its two peers.
  const Endpoint worker = ReadEndpoint(dir_.path() / "worker1" / "dashboard-endpoint");
  EXPECT_TRUE(Eventually([&] { return GetJson(worker, "/api/peers")["peers"].size() == 3; }, 10s));

  const std::string chromium = Chromium();
  if (chromium.empty()) GTEST_SKIP() << "needs Chromium (scripts/deps installs Debian's chromium)";
  const std::string page = LoadPage(chromium, dashboard.Url() + "/", dir_.path() / "dashboard.png");
  for (const std::string& id : {primes, lj_md}) EXPECT_TRUE(Has(page, "/project/" + id)) << page;
  EXPECT_TRUE(Has(page, "4 / 4")) << page;  // primes: verified of total
  EXPECT_TRUE(Has(page, "2 / 2")) << page;  // lj-md
  EXPECT_TRUE(Has(page, "6 / 6")) << page;  // both, in the totals
  EXPECT_TRUE(Has(page, "Verified units per minute")) << page;
  EXPECT_TRUE(Has(page, "<rect")) << page;  // the chart's bars
  EXPECT_TRUE(Has(page, "None: every result so far agreed.")) << page;
  for (const auto& peer : cli_peers["peers"]) {
    EXPECT_TRUE(Has(page, peer["peer"].get<std::string>().substr(0, 12))) << page;
  }
  EXPECT_TRUE(Has(page, "<td>primes v2, lj-md v1, spin v1</td>")) << page;  // a worker's workloads

  const std::string project = LoadPage(chromium, dashboard.Url() + "/project/" + lj_md,
                                       dir_.path() / "dashboard-project.png");
  EXPECT_TRUE(Has(project, lj_md)) << project;
  EXPECT_TRUE(Has(project, "lj-md: 256 atoms, 2 trajectories")) << project;
  for (const char* plot : {">Temperature<", ">Potential energy per atom<", ">Pressure<", "<polyline"}) {
    EXPECT_TRUE(Has(project, plot)) << plot << "\n" << project;
  }
  EXPECT_TRUE(Has(project, "No failed units.")) << project;
  EXPECT_FALSE(grid_.coordinator_->Poll().has_value()) << grid_.Logs();
}

TEST_F(DashboardIntegrationTest, BadDashboardValueExitsTwoWithOneLineNamingIt) {
  for (const std::string& program : {kCoordinator, kWorker}) {
    auto r = RunCommand({program, "--data", (dir_.path() / "d").string(), "--dashboard", "localhost"}, 10s);
    EXPECT_EQ(r.exit_code, 2) << program << ": " << r.err;
    EXPECT_TRUE(Has(r.err, "dashboard address 'localhost'")) << r.err;
  }
}

}  // namespace
}  // namespace potluck::testing
