// --metrics on the real programs: the port they pick is found in DATA/metrics-endpoint and
// GET /metrics answers over loopback with the node's series; bad values are one line, exit 2.
#include <gtest/gtest.h>
#include <httplib.h>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

struct Endpoint {
  std::string host;
  int port = 0;
};

Endpoint ReadMetricsEndpoint(const std::filesystem::path& data) {
  std::string text = ReadFile(data / "metrics-endpoint");
  size_t colon = text.rfind(':');
  if (colon == std::string::npos) return {};
  return {text.substr(0, colon), std::atoi(text.c_str() + colon + 1)};
}

// The body of GET `path`, or "" if there is no 200 answer.
std::string Get(const Endpoint& endpoint, const std::string& path, int* status = nullptr) {
  httplib::Client client(endpoint.host, endpoint.port);
  client.set_connection_timeout(5);
  client.set_read_timeout(5);
  auto response = client.Get(path.c_str());
  if (status) *status = response ? response->status : -1;
  return response && response->status == 200 ? response->body : "";
}

bool Has(const std::string& text, const std::string& piece) { return text.find(piece) != std::string::npos; }

TEST(MetricsIntegrationTest, CoordinatorAndWorkerServeMetricsOnLoopback) {
  TempDir dir;
  Grid grid(dir);
  const auto data = dir.path() / "coordinator";
  const auto log = dir.path() / "coordinator.log";
  Process coordinator({kCoordinator, "--listen", "tcp://127.0.0.1:0", "--data", data.string(), "--metrics",
                       "127.0.0.1:0"},
                      log);
  // The metrics endpoint is written before the node's address, so it is there once that is.
  ASSERT_TRUE(Eventually([&] { return std::filesystem::exists(data / "endpoint") || coordinator.Poll(); }, 10s));
  ASSERT_FALSE(coordinator.Poll()) << ReadFile(log);
  const Endpoint metrics = ReadMetricsEndpoint(data);
  ASSERT_EQ(metrics.host, "127.0.0.1") << ReadFile(data / "metrics-endpoint");
  ASSERT_GT(metrics.port, 0);
  EXPECT_TRUE(Has(ReadFile(log), "metrics on http://127.0.0.1:" + std::to_string(metrics.port) + "/metrics"));

  // The node's series appear after the event loop's first tick.
  std::string text;
  ASSERT_TRUE(Eventually([&] { return Has(text = Get(metrics, "/metrics"), "potluck_peers"); }, 10s)) << text;
  for (const char* line : {"# TYPE potluck_frames_dropped_total counter", "# TYPE potluck_peers gauge",
                           "# TYPE potluck_units_verified_total counter", "potluck_claims_total{outcome=\"refused\"} 0",
                           "potluck_build_info{version=\"0.1.0\"} 1"}) {
    EXPECT_TRUE(Has(text, line)) << line << "\n" << text;
  }
  // The coordinator computes nothing.
  EXPECT_FALSE(Has(text, "potluck_units_computed_total")) << text;
  int status = 0;
  Get(metrics, "/", &status);
  EXPECT_EQ(status, 404);

  // A worker with a bare port (0: any free one, on 127.0.0.1) joins and sees the coordinator.
  std::string address = ReadFile(data / "endpoint");
  address.erase(address.find_last_not_of('\n') + 1);
  grid.StartWorker(1, {address}, {"--metrics", "0"});
  const Endpoint worker_metrics = ReadMetricsEndpoint(dir.path() / "worker1");
  ASSERT_EQ(worker_metrics.host, "127.0.0.1");
  ASSERT_TRUE(Eventually([&] { return Has(text = Get(worker_metrics, "/metrics"), "potluck_peers 1\n"); }, 20s))
      << text << grid.Logs();
  for (const char* line : {"# TYPE potluck_units_computed_total counter", "# TYPE potluck_cpu_seconds_given_total counter",
                           "# TYPE potluck_frames_received_total counter", "potluck_leases_held 0"}) {
    EXPECT_TRUE(Has(text, line)) << line << "\n" << text;
  }
  // The coordinator has heard from the worker by now.
  ASSERT_TRUE(Eventually([&] { return Has(text = Get(metrics, "/metrics"), "potluck_peers 1\n"); }, 20s)) << text;

  // A port in use is a runtime failure (exit 1), named in one line.
  const std::string taken = "127.0.0.1:" + std::to_string(metrics.port);
  auto r = RunCommand({kCoordinator, "--listen", "tcp://127.0.0.1:0", "--data", (dir.path() / "c2").string(),
                       "--metrics", taken},
                      10s);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, taken)) << r.err;
  EXPECT_EQ(coordinator.Stop(), 0) << ReadFile(log);
}

TEST(MetricsIntegrationTest, BadMetricsValueExitsTwoWithOneLineNamingIt) {
  TempDir dir;
  for (const std::string& program : {kCoordinator, kWorker}) {
    for (const std::string bad : {"localhost", "127.0.0.1:99999", ":9464", "[::1]9464"}) {
      auto r = RunCommand({program, "--data", (dir.path() / "d").string(), "--metrics", bad}, 10s);
      EXPECT_EQ(r.exit_code, 2) << program << " " << bad << ": " << r.err;
      EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << r.err;
      EXPECT_TRUE(Has(r.err, "'" + bad + "'")) << r.err;
    }
  }
}

}  // namespace
}  // namespace potluck::testing
