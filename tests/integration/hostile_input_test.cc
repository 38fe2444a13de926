// Garbage, truncated, oversized, forged, replayed and flooding frames at every listening
// socket of the real programs: each stays up, serves honest peers, and counts what it refused.
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <zmq.hpp>

#include "integration/grid.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/zmq_transport.h"
#include "potluck/proto/codec.h"

namespace potluck::testing {
namespace {

// Sends every kind of bad frame to `endpoint` from a DEALER, as a peer would.
void Attack(const std::string& endpoint) {
  zmq::context_t context;
  Identity attacker = Identity::Ephemeral();
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 2000);
  dealer.set(zmq::sockopt::routing_id, zmq::const_buffer(attacker.id().bytes.data(), 32));
  dealer.connect(endpoint);
  std::mt19937 rng(11);
  auto send = [&](const Bytes& frame) { (void)dealer.send(zmq::buffer(frame), zmq::send_flags::none); };

  for (int i = 0; i < 200; ++i) {  // garbage
    Bytes junk(rng() % 512);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    send(junk);
  }
  Bytes valid = EncodeEnvelope({attacker.id(), 1, WorkRequest{4}});
  for (size_t cut = 1; cut < valid.size(); cut += 3) send(Bytes(valid.begin(), valid.begin() + static_cast<long>(cut)));
  // Speaking for another peer: the envelope's sender is not the connection's id.
  send(EncodeEnvelope({Identity::Ephemeral().id(), 1, WorkRequest{4}}));
  // Replays of one valid question: each is answered, none changes anything.
  for (int i = 0; i < 50; ++i) send(EncodeEnvelope({attacker.id(), 7, ProjectRequest{ProjectRequest::Kind::kStatus, {}}}));
  // A flood well past the per-peer rate.
  for (uint32_t i = 0; i < 3 * kFramesPerSecondPerPeerMax; ++i) send(valid);

  // An oversized frame on a connection of its own: the socket drops that connection.
  zmq::socket_t big(context, zmq::socket_type::dealer);
  big.set(zmq::sockopt::linger, 2000);
  big.connect(endpoint);
  (void)big.send(zmq::buffer(Bytes(kFrameBytesMax + 1024, 0)), zmq::send_flags::none);
}

// The counts a program logs when it stops: "... N dropped, M throttled".
std::pair<long, long> RefusedCounts(const std::string& log) {
  std::smatch m;
  static const std::regex kLine(R"(([0-9]+) dropped, ([0-9]+) throttled)");
  if (!std::regex_search(log, m, kLine)) return {-1, -1};
  return {std::stol(m[1]), std::stol(m[2])};
}

TEST(HostileInputTest, CoordinatorAndWorkerSurviveAndCountBadFrames) {
  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator();
  grid.StartWorker(0, {grid.endpoint_});
  const std::string worker = grid.worker_endpoints_[0];
  Attack(grid.endpoint_);
  Attack(worker);

  EXPECT_FALSE(grid.coordinator_->Poll().has_value());
  EXPECT_FALSE(grid.workers_[0]->Poll().has_value());
  // Honest peers are still served, by both.
  std::string id = grid.Submit("100000000", 4);
  auto status = grid.Json("status", id);
  EXPECT_EQ(status["units"]["total"], 4) << status.dump();
  auto peers = grid.CliTo(worker, {"peers", "--json"}, 20s);
  EXPECT_EQ(peers.exit_code, 0) << peers.err;

  EXPECT_EQ(grid.coordinator_->Stop(), 0);
  EXPECT_EQ(grid.workers_[0]->Stop(), 0);
  for (const char* log : {"coordinator.log", "worker0.log"}) {
    auto [dropped, throttled] = RefusedCounts(ReadFile(dir.path() / log));
    EXPECT_GE(dropped, 200) << log;
    EXPECT_GT(throttled, 0) << log;
  }
}

}  // namespace
}  // namespace potluck::testing
