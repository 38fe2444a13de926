// Carries envelopes over ZeroMQ: a ROUTER for the peers that dial us and one DEALER per
// endpoint we dial. Every inbound frame goes through DecodeEnvelope; a bad one is counted and
// dropped. Not thread-safe: owned by one event loop.
#pragma once

#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "potluck/core/actions.h"

namespace potluck {

constexpr size_t kInboundBatchMax = 1024;
// Frames one peer may send per second, in bursts of up to a second's worth; more are dropped.
constexpr uint32_t kFramesPerSecondPerPeerMax = 2000;
constexpr size_t kRateLimitedPeersMax = 65536;
constexpr int kSendQueueMessagesMax = 100000;  // ZeroMQ high-water mark per socket

struct TransportCounters {
  uint64_t frames_in = 0;
  uint64_t frames_out = 0;
  uint64_t frames_dropped = 0;  // did not decode, or sender id did not match its routing id
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

class ZmqTransport {
 public:
  ZmqTransport(zmq::context_t& context, PeerId self);

  // Binds the ROUTER. "tcp://HOST:0" picks a free port. Returns the endpoint really bound.
  Result<std::string> Listen(const std::string& endpoint);
  // Opens (once) a DEALER to `endpoint`; ZeroMQ reconnects by itself when the peer returns.
  Status Dial(const std::string& endpoint);
  void Send(const Outgoing& out);
  // Waits up to `timeout` for traffic (or a Wake()) and returns what arrived, decoded.
  std::vector<Inbound> Poll(Duration timeout);
  std::shared_ptr<Waker> waker() { return waker_; }
  const TransportCounters& counters() const { return counters_; }

 private:
  void Receive(zmq::socket_t& socket, const std::string& link, bool routed, std::vector<Inbound>& out);
  // Token bucket per routing id; false when the peer is over its rate.
  bool Admit(const zmq::message_t& routing_id);

  struct Bucket {
    double tokens = kFramesPerSecondPerPeerMax;
    std::chrono::steady_clock::time_point refilled = std::chrono::steady_clock::now();
  };
  std::map<std::string, Bucket> buckets_;

  zmq::context_t& context_;
  PeerId self_;
  std::unique_ptr<zmq::socket_t> router_;
  std::map<std::string, std::unique_ptr<zmq::socket_t>> dealers_;
  zmq::socket_t wake_pull_;
  std::shared_ptr<Waker> waker_;
  TransportCounters counters_;
};

// Checks that `endpoint` looks like tcp://HOST:PORT or ipc://PATH before ZeroMQ sees it.
Status CheckEndpoint(const std::string& endpoint);

}  // namespace potluck
