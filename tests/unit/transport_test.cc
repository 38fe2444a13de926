// The transport's links over loopback: CurveZMQ authenticates the peer id on both ends, a peer
// cannot speak for another, and nothing is said in plain text unless asked for.
#include <gtest/gtest.h>

#include "potluck/net/zmq_transport.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;

// One node with its own ZeroMQ context, as in a real process.
struct Node {
  explicit Node(LinkSecurity security = LinkSecurity::kCurve)
      : identity(Identity::Ephemeral()), transport(context, identity, security) {}

  // Polls until a message arrives, at most `limit`.
  std::vector<Inbound> Receive(Duration limit = 2000ms) {
    for (auto deadline = std::chrono::steady_clock::now() + limit; std::chrono::steady_clock::now() < deadline;) {
      auto got = transport.Poll(50ms);
      if (!got.empty()) return got;
    }
    return {};
  }

  Identity identity;
  zmq::context_t context;
  ZmqTransport transport;
};

Envelope Question(const PeerId& sender) { return {sender, 7, WorkRequest{1}}; }

TEST(TransportTest, CurveLinkCarriesBothWaysAndNamesTheAuthenticatedPeer) {
  Node server, client;
  auto bound = server.transport.Listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(bound.ok()) << bound.status().message();
  const std::string address = FormatAddress(bound.value(), server.identity.id());

  client.transport.Send({{PeerId{}, address}, Question(client.identity.id())});
  auto asked = server.Receive();
  ASSERT_EQ(asked.size(), 1u);
  EXPECT_EQ(asked[0].from, client.identity.id());
  EXPECT_TRUE(asked[0].link.empty());

  server.transport.Send({{client.identity.id(), ""}, Envelope{server.identity.id(), 7, WorkRequest{2}}});
  auto answered = client.Receive();
  ASSERT_EQ(answered.size(), 1u);
  EXPECT_EQ(answered[0].from, server.identity.id());
  EXPECT_EQ(answered[0].link, address);
}

TEST(TransportTest, APeerCannotSpeakForAnother) {
  Node server, client;
  auto bound = server.transport.Listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  const std::string address = FormatAddress(bound.value(), server.identity.id());
  const PeerId victim = Identity::Ephemeral().id();

  client.transport.Send({{PeerId{}, address}, Question(victim)});
  client.transport.Send({{PeerId{}, address}, Question(client.identity.id())});
  auto got = server.Receive();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, client.identity.id());
  EXPECT_EQ(server.transport.counters().frames_dropped, 1u);
  // Nothing can be sent to the victim: it never reached us.
  server.transport.Send({{victim, ""}, Question(server.identity.id())});
  EXPECT_EQ(server.transport.counters().sends_unroutable, 1u);
}

TEST(TransportTest, AnAddressNamingAnotherKeyReachesNobody) {
  Node server, client;
  auto bound = server.transport.Listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  // The right endpoint with someone else's id: an impostor at that endpoint cannot answer.
  const std::string wrong = FormatAddress(bound.value(), Identity::Ephemeral().id());
  client.transport.Send({{PeerId{}, wrong}, Question(client.identity.id())});
  EXPECT_TRUE(server.Receive(500ms).empty());
}

TEST(TransportTest, PlainTextPeersCannotReachACurveNode) {
  Node server, plain(LinkSecurity::kPlainText);
  auto bound = server.transport.Listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  plain.transport.Send({{PeerId{}, bound.value()}, Question(plain.identity.id())});
  EXPECT_TRUE(server.Receive(500ms).empty());
}

TEST(TransportTest, CurveDialNeedsThePeerId) {
  Node client;
  Status s = client.transport.Dial("tcp://127.0.0.1:7400");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("PEER-ID"), std::string::npos) << s.message();
}

TEST(TransportTest, PlainTextWorksWhenBothAskForIt) {
  Node server(LinkSecurity::kPlainText), client(LinkSecurity::kPlainText);
  auto bound = server.transport.Listen("tcp://127.0.0.1:0");
  ASSERT_TRUE(bound.ok());
  client.transport.Send({{PeerId{}, bound.value()}, Question(client.identity.id())});
  auto got = server.Receive();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, client.identity.id());
}

TEST(TransportTest, TheGreetingOffersCurve) {
  // A raw TCP listener sees what a dialling node sends first: the ZMTP greeting names the
  // security mechanism in bytes 12..31.
  zmq::context_t context;
  zmq::socket_t raw(context, zmq::socket_type::stream);
  raw.set(zmq::sockopt::linger, 0);
  raw.bind("tcp://127.0.0.1:*");
  const std::string endpoint = raw.get(zmq::sockopt::last_endpoint);
  Node client;
  client.transport.Send({{PeerId{}, FormatAddress(endpoint, Identity::Ephemeral().id())}, Question(client.identity.id())});

  // A ZMTP 3.0 greeting of our own, so the client sends the rest of its greeting.
  std::string greeting = std::string("\xff", 1) + std::string(8, '\0') + "\x7f" + std::string("\x03\x00", 2);
  greeting += "CURVE" + std::string(15, '\0') + std::string(1, '\x01') + std::string(31, '\0');
  std::string seen;
  bool greeted = false;
  raw.set(zmq::sockopt::rcvtimeo, 100);
  for (int i = 0; i < 50 && seen.size() < 32; ++i) {
    (void)client.transport.Poll(10ms);
    zmq::message_t id, data;
    if (!raw.recv(id) || !raw.recv(data)) continue;
    seen += data.to_string();
    if (!greeted && !seen.empty()) {
      raw.send(id, zmq::send_flags::sndmore);
      raw.send(zmq::buffer(greeting));
      greeted = true;
    }
  }
  ASSERT_GE(seen.size(), 32u);
  EXPECT_EQ(seen.substr(12, 5), "CURVE");
}

}  // namespace
}  // namespace potluck
