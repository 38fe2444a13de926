// Garbage, truncated, oversized, forged, replayed, plain-text and flooding frames at every
// listening socket of the real programs, junk datagrams at the LAN beacon port, and junk at the
// dashboard's HTTP port: each stays up, serves honest peers, and counts what it refused.
#include <gtest/gtest.h>
#include <httplib.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <random>
#include <regex>
#include <zmq.hpp>

#include "integration/grid.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/zmq_transport.h"
#include "potluck/proto/codec.h"

namespace potluck::testing {
namespace {

// A DEALER that completes the CurveZMQ handshake with the node at `address` as `as`.
zmq::socket_t CurveDealer(zmq::context_t& context, const std::string& address, const Identity& as) {
  auto parsed = ParseAddress(address, true);
  EXPECT_TRUE(parsed.ok()) << address;
  CurveKey server = CurvePublicKeyOf(*parsed->peer).value();
  CurveKeyPair own = as.CurveKeys();
  zmq::socket_t dealer(context, zmq::socket_type::dealer);
  dealer.set(zmq::sockopt::linger, 2000);
  dealer.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server.data(), 32));
  dealer.set(zmq::sockopt::curve_publickey, zmq::const_buffer(own.public_key.data(), 32));
  dealer.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(own.secret_key.data(), 32));
  dealer.connect(parsed->endpoint);
  return dealer;
}

// Sends every kind of bad frame to the node at `address` from a DEALER, as a peer would.
void Attack(const std::string& address) {
  zmq::context_t context;
  Identity attacker = Identity::Ephemeral();
  zmq::socket_t dealer = CurveDealer(context, address, attacker);
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
  zmq::socket_t big = CurveDealer(context, address, Identity::Ephemeral());
  (void)big.send(zmq::buffer(Bytes(kFrameBytesMax + 1024, 0)), zmq::send_flags::none);

  // Plain text, and raw bytes that are no ZeroMQ at all: refused before any frame is read.
  zmq::socket_t plain(context, zmq::socket_type::dealer);
  plain.set(zmq::sockopt::linger, 2000);
  plain.connect(ParseAddress(address, true)->endpoint);
  (void)plain.send(zmq::buffer(valid), zmq::send_flags::none);
  zmq::socket_t raw(context, zmq::socket_type::stream);
  raw.set(zmq::sockopt::linger, 2000);
  const std::string raw_id = "raw";
  raw.set(zmq::sockopt::connect_routing_id, raw_id);
  raw.connect(ParseAddress(address, true)->endpoint);
  for (int i = 0; i < 20; ++i) {
    Bytes junk(rng() % 4096);
    for (auto& b : junk) b = static_cast<uint8_t>(rng());
    raw.send(zmq::buffer(raw_id), zmq::send_flags::sndmore);
    (void)raw.send(zmq::buffer(junk), zmq::send_flags::none);
  }
}

// Garbage, oversized and forged datagrams at a LAN beacon port.
void AttackBeacon(uint16_t port) {
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(port);
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::mt19937 rng(13);
  auto send = [&](const std::string& datagram) {
    (void)sendto(fd, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
  };
  for (int i = 0; i < 200; ++i) {
    std::string junk(rng() % 1500, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    send(junk);
  }
  send(std::string(60000, 'x'));
  send("potluck-beacon/1 " + std::string(64, 'z') + " tcp://127.0.0.1:1");
  send("potluck-beacon/1 " + Identity::Ephemeral().id().Hex() + " not-an-address");
  close(fd);
}

// Random bytes, an endless header, bad requests and a request cut short at an HTTP port.
void AttackHttp(uint16_t port) {
  std::mt19937 rng(17);
  auto connection = [&](const std::string& bytes) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(fd, 0);
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) == 0) {
      (void)send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    }
    close(fd);
  };
  for (int i = 0; i < 50; ++i) {
    std::string junk(rng() % 4096, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    connection(junk);
  }
  connection("GET /api/grid HTTP/1.1\r\nHost: x\r\nX: " + std::string(1 << 20, 'a'));
  connection("GET /" + std::string(100000, '%') + " HTTP/1.1\r\n\r\n");
  connection("POST /api/grid HTTP/1.1\r\nContent-Length: 99999999\r\n\r\nxx");
  connection("GET /api/projects/" + std::string(64, 'z') + "/result HTTP/1.1\r\n\r\n");
  connection("GET /api/grid HTTP/1.1\r\nHo");
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
  grid.StartCoordinator("tcp://127.0.0.1:0", {"--dashboard", "127.0.0.1:0"});
  std::mt19937 rng(static_cast<unsigned>(getpid()));
  const uint16_t beacon_port = static_cast<uint16_t>(20000 + rng() % 20000);
  grid.StartWorker(0, {grid.endpoint_}, {"--lan-discovery", "--lan-beacon", "127.255.255.255:" + std::to_string(beacon_port)});
  const std::string worker = grid.worker_endpoints_[0];
  Attack(grid.endpoint_);
  Attack(worker);
  AttackBeacon(beacon_port);
  const std::string dashboard = ReadFile(dir.path() / "coordinator" / "dashboard-endpoint");
  const int dashboard_port = std::stoi(dashboard.substr(dashboard.rfind(':') + 1));
  AttackHttp(static_cast<uint16_t>(dashboard_port));

  EXPECT_FALSE(grid.coordinator_->Poll().has_value());
  EXPECT_FALSE(grid.workers_[0]->Poll().has_value());
  // Honest peers are still served, by both.
  std::string id = grid.Submit("100000000", 4);
  auto status = grid.Json("status", id);
  EXPECT_EQ(status["units"]["total"], 4) << status.dump();
  auto peers = grid.CliTo(worker, {"peers", "--json"}, 20s);
  EXPECT_EQ(peers.exit_code, 0) << peers.err;
  httplib::Client http("127.0.0.1", dashboard_port);
  http.set_read_timeout(10);
  auto answer = http.Get("/api/grid");
  ASSERT_TRUE(answer) << httplib::to_string(answer.error());
  EXPECT_EQ(answer->status, 200);

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
