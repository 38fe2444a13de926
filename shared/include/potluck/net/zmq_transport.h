// Carries envelopes over ZeroMQ: a ROUTER for the peers that dial us and one DEALER per
// address we dial. Links use CurveZMQ with keys derived from the node's identity, so the key a
// link authenticated is the sender's peer id: a frame whose envelope names another sender is
// dropped. Every inbound frame goes through DecodeEnvelope; a bad one is counted and dropped.
// Not thread-safe: owned by one event loop.
#pragma once

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/address.h"

namespace potluck {

constexpr size_t kInboundBatchMax = 1024;
// Frames one peer may send per second, in bursts of up to a second's worth; more are dropped.
constexpr uint32_t kFramesPerSecondPerPeerMax = 2000;
// Connections whose rate and route are tracked; past this the tables start again from empty.
constexpr size_t kTrackedConnectionsMax = 65536;
constexpr int kSendQueueMessagesMax = 100000;  // ZeroMQ high-water mark per socket

struct TransportCounters {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t frames_dropped = 0;  // did not decode, or named a sender other than the link's key
  uint64_t frames_throttled = 0;  // over a peer's rate limit
  uint64_t sends_unroutable = 0;
};

// Lets another thread interrupt Poll(). Thread-safe.
class Waker {
 public:
  explicit Waker(zmq::context_t& context, const std::string& address);
  void Wake();

 private:
  std::mutex mu_;
  zmq::socket_t push_;
};

// kPlainText is for operators who ask for it (--insecure): nothing is encrypted and any
// peer can speak for any other.
enum class LinkSecurity { kCurve, kPlainText };

class ZmqTransport {
 public:
  ZmqTransport(zmq::context_t& context, const Identity& identity, LinkSecurity security);

  // Binds the ROUTER. "tcp://HOST:0" picks a free port. Returns the endpoint really bound.
  // With CurveZMQ, also answers the context's authentication requests (one listener per context).
  Result<std::string> Listen(const std::string& endpoint);
  // Opens (once) a DEALER to `address` (see address.h); ZeroMQ reconnects by itself when the
  // peer returns. With CurveZMQ the address must name the peer.
  Status Dial(const std::string& address);
  void Send(const Outgoing& out);
  // Waits up to `timeout` for traffic (or a Wake()) and returns what arrived, decoded.
  std::vector<Inbound> Poll(Duration timeout);
  std::shared_ptr<Waker> waker() { return waker_; }
  // True once if the waker fired since the last call: another thread left work for the loop.
  bool TakeWoken() { return std::exchange(woken_, false); }
  // Poll also waits on `socket` (of any context), whose requests the loop's timers answer (a
  // worker's local control): TakeTickWanted() then says so once.
  void TickWhenReadable(zmq::socket_ref socket) { tick_sockets_.push_back(socket); }
  bool TakeTickWanted() { return std::exchange(tick_wanted_, false); }
  const TransportCounters& counters() const { return counters_; }

 private:
  struct Dealer {
    std::unique_ptr<zmq::socket_t> socket;
    std::optional<PeerId> peer;  // who must be speaking on it, when the address said
  };
  // The connection a peer that dialled us last spoke on, and its key as CurveZMQ shows it.
  struct Route {
    std::string routing_id;
    std::string curve_key_hex;
  };

  void Receive(zmq::socket_t& socket, const std::string& link, const Dealer* dealer, std::vector<Inbound>& out);
  // True when the ROUTER frame `body` came over a link authenticated as `sender`; learns the route.
  bool AuthenticateRouted(const zmq::message_t& routing_id, zmq::message_t& body, const PeerId& sender);
  // Answers ZeroMQ's authentication (ZAP) requests: every CurveZMQ client is let in, and its key
  // becomes the frames' User-Id, which AuthenticateRouted checks against the claimed sender.
  void AnswerAuthentication();
  // Token bucket per routing id; false when the peer is over its rate.
  bool Admit(const zmq::message_t& routing_id);

  struct Bucket {
    double tokens = kFramesPerSecondPerPeerMax;
    std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
  };
  std::map<std::string, Bucket> buckets_;

  zmq::context_t& context_;
  PeerId self_;
  LinkSecurity security_;
  CurveKeyPair curve_;
  std::unique_ptr<zmq::socket_t> router_;
  std::unique_ptr<zmq::socket_t> authenticator_;
  std::map<PeerId, Route> routes_;
  std::map<std::string, Dealer> dealers_;
  zmq::socket_t wake_pull_;
  bool woken_ = false;
  std::vector<zmq::socket_ref> tick_sockets_;
  bool tick_wanted_ = false;
  std::shared_ptr<Waker> waker_;
  TransportCounters counters_;
};

}  // namespace potluck
