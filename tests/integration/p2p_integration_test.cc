// The grid without its coordinator: real workers on 127.0.0.1 find each other, hold projects
// and carry results among themselves.
#include <gtest/gtest.h>

#include <random>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

// From Debian's primesieve: pi(3 * 10^9) and pi(10^10).
constexpr uint64_t kPrimesBelow3e9 = 144449537;
constexpr uint64_t kPrimesBelow1e10 = 455052511;

// Asks every worker but `except` for the project's result; returns the first complete one.
nlohmann::json ResultFromAnotherWorker(Grid& grid, const std::string& id, int except) {
  for (const auto& [i, endpoint] : grid.worker_endpoints_) {
    if (i == except || !grid.workers_.at(i) || grid.workers_.at(i)->Poll()) continue;
    auto results = grid.JsonFrom(endpoint, "results", id);
    if (results.is_object() && results["complete"] == true) return results;
  }
  return nullptr;
}

TEST(PeerToPeerTest, FiveWorkersWithoutACoordinatorCompleteAProject) {
  TempDir dir;
  Grid grid(dir);
  grid.StartWorker(0, {});
  for (int i = 1; i < 5; ++i) grid.StartWorker(i, {grid.worker_endpoints_[i - 1]});
  // Every worker learns of all the others by gossip, though each knew only one.
  ASSERT_TRUE(Eventually([&] { return grid.PeersKnownBy(grid.worker_endpoints_[0]) == 5; }, 30s)) << grid.Logs();
  std::string id = grid.SubmitTo(grid.worker_endpoints_[0], "3000000000", 60);
  auto wait = grid.CliTo(grid.worker_endpoints_[0], {"wait", id, "--timeout", "120"}, 150s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  nlohmann::json results;
  ASSERT_TRUE(Eventually([&] { return (results = ResultFromAnotherWorker(grid, id, 0)).is_object(); }, 30s))
      << grid.Logs();
  EXPECT_EQ(results["result"]["primes"], kPrimesBelow3e9);
  EXPECT_EQ(results["units"]["failed"], 0);
}

TEST(PeerToPeerTest, ProjectOutlivesItsCoordinator) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  for (int i = 0; i < 5; ++i) grid.StartWorker(i, {grid.endpoint_});
  ASSERT_TRUE(Eventually([&] { return grid.PeersKnownBy(grid.endpoint_) == 6; }, 30s)) << grid.Logs();
  std::string id = grid.Submit("10000000000", 100);
  grid.coordinator_->Kill9();  // never restarted
  // Some worker holds it: follow the project there.
  std::string holder;
  ASSERT_TRUE(Eventually(
      [&] {
        for (const auto& [i, endpoint] : grid.worker_endpoints_) {
          if (grid.JsonFrom(endpoint, "status", id).is_object()) holder = endpoint;
        }
        return !holder.empty();
      },
      30s))
      << grid.Logs();
  auto wait = grid.CliTo(holder, {"wait", id, "--timeout", "150"}, 180s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto results = grid.JsonFrom(holder, "results", id);
  EXPECT_EQ(results["result"]["primes"], kPrimesBelow1e10);
  EXPECT_EQ(results["units"]["verified"], 100);
}

TEST(PeerToPeerTest, WorkersFindEachOtherByLanBeaconAndRememberThePeers) {
  TempDir dir;
  Grid grid(dir);
  // Broadcast on the loopback network only, on a port of this test's own.
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  const std::string beacon = "127.255.255.255:" + std::to_string(20000 + rng() % 20000);
  for (int i = 0; i < 3; ++i) grid.StartWorker(i, {}, {"--lan-discovery", "--lan-beacon", beacon});
  auto peers_known = [&](int i) { return grid.PeersKnownBy(grid.worker_endpoints_[i]); };
  ASSERT_TRUE(Eventually([&] { return peers_known(0) == 3 && peers_known(2) == 3; }, 30s)) << grid.Logs();

  // Restarted without beacons or bootstrap, a worker finds its peers from what it stored.
  grid.workers_[2]->Stop();
  grid.StartWorker(2, {});
  ASSERT_TRUE(Eventually([&] { return peers_known(2) == 3; }, 30s)) << grid.Logs();
}

TEST(PeerToPeerTest, ChurnLosesNoUnitAndCountsNoClaimTwice) {
  TempDir dir;
  Grid grid(dir);
  grid.StartWorker(0, {});
  for (int i = 1; i < 4; ++i) grid.StartWorker(i, {grid.worker_endpoints_[0]});
  std::string w0 = grid.worker_endpoints_[0];
  std::string id = grid.SubmitTo(w0, "10000000000", 100);
  auto verified = [&] {
    auto j = grid.JsonFrom(w0, "status", id);
    return j.is_object() ? j["units"]["verified"].get<uint64_t>() : 0;
  };
  ASSERT_TRUE(Eventually([&] { return verified() >= 10; }, 60s)) << grid.Logs();
  grid.workers_[1]->Kill9();
  grid.StartWorker(4, {w0});  // a newcomer
  ASSERT_TRUE(Eventually([&] { return verified() >= 30; }, 60s)) << grid.Logs();
  grid.StartWorker(1, {w0});  // back, with the same data folder and identity
  grid.workers_[2]->Kill9();  // gone for good
  ASSERT_TRUE(Eventually([&] { return verified() >= 50; }, 60s)) << grid.Logs();
  grid.workers_[3]->Kill9();
  grid.StartWorker(3, {w0});
  auto wait = grid.CliTo(w0, {"wait", id, "--timeout", "150"}, 180s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto results = grid.JsonFrom(w0, "results", id);
  EXPECT_EQ(results["result"]["primes"], kPrimesBelow1e10);
  EXPECT_EQ(results["result"]["units"], 100);  // every unit counted once
  EXPECT_EQ(results["units"]["failed"], 0);
}

TEST(PeerToPeerTest, SaboteursAreOutvotedAndIdentified) {
  TempDir dir;
  Grid grid(dir);
  grid.StartWorker(0, {});
  for (int i = 1; i < 4; ++i) grid.StartWorker(i, {grid.worker_endpoints_[0]});
  grid.StartWorker(4, {grid.worker_endpoints_[0]}, {"--sabotage", "always"});  // 20% of the workers
  const std::string w0 = grid.worker_endpoints_[0];
  ASSERT_TRUE(Eventually([&] { return grid.PeersKnownBy(w0) == 5; }, 30s)) << grid.Logs();
  // Long enough that the saboteur, the last to join, computes a few units whatever order the
  // workers ask for leases in: a project over in under a second may leave it two or none.
  std::string id = grid.SubmitTo(w0, "10000000000", 100);
  auto wait = grid.CliTo(w0, {"wait", id, "--timeout", "150"}, 180s);
  ASSERT_EQ(wait.exit_code, 0) << wait.out << wait.err << grid.Logs();
  auto status = grid.JsonFrom(w0, "results", id);
  EXPECT_EQ(status["result"]["primes"], kPrimesBelow1e10);  // no wrong unit was accepted
  EXPECT_EQ(status["units"]["failed"], 0);

  std::string saboteur;  // its peer id, from its own offer
  auto peers = nlohmann::json::parse(grid.CliTo(grid.worker_endpoints_[4], {"peers", "--json"}, 10s).out);
  for (const auto& p : peers["peers"]) {
    if (p["endpoint"] == grid.worker_endpoints_[4]) saboteur = p["peer"];
  }
  ASSERT_FALSE(saboteur.empty());
  // The project completes on the honest quorums; the saboteur's last claims, batched, may reach
  // the holder a moment later, and each one it gets counts against it.
  auto disagreed_of_saboteur = [&] {
    for (const auto& p : status["peers"]) {
      if (p["peer"] == saboteur) return p["disagreed"].get<int>();
    }
    return 0;
  };
  Eventually([&] {
    status = grid.JsonFrom(w0, "results", id);
    return disagreed_of_saboteur() >= 3;
  }, 20s);
  int honest_seen = 0;
  bool saboteur_seen = false;
  for (const auto& p : status["peers"]) {
    if (p["peer"] == saboteur) {
      saboteur_seen = true;
      EXPECT_GE(p["disagreed"].get<int>(), 3);
      EXPECT_EQ(p["agreed"], 0);
      EXPECT_EQ(p["ignored"], true);
    } else {
      ++honest_seen;
      EXPECT_EQ(p["disagreed"], 0) << p.dump();
      EXPECT_EQ(p["ignored"], false);
    }
  }
  EXPECT_TRUE(saboteur_seen) << status["peers"].dump() << grid.Logs();
  EXPECT_GE(honest_seen, 3);
}

}  // namespace
}  // namespace potluck::testing
