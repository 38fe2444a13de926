#include "potluck/net/zmq_transport.h"

#include <spdlog/spdlog.h>

#include <regex>

#include "potluck/proto/codec.h"

namespace potluck {
namespace {

std::atomic<uint64_t> next_waker_id{0};

void Configure(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, kSendQueueMessagesMax);
  s.set(zmq::sockopt::rcvhwm, kSendQueueMessagesMax);
  s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kFrameBytesMax));
}

}  // namespace

Status CheckEndpoint(const std::string& endpoint) {
  static const std::regex kTcp(R"(tcp://(\*|[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(\*|[0-9]{1,5}))");
  static const std::regex kIpc(R"(ipc://.+)");
  if (std::regex_match(endpoint, kTcp) || std::regex_match(endpoint, kIpc)) return Status::Ok();
  return InvalidArgument("'" + endpoint + "' is not an endpoint like tcp://127.0.0.1:7400");
}

Waker::Waker(zmq::context_t& context, const std::string& address) : push_(context, zmq::socket_type::push) {
  push_.set(zmq::sockopt::linger, 0);
  push_.set(zmq::sockopt::sndhwm, 1);
  push_.connect(address);
}

void Waker::Wake() {
  std::lock_guard lock(mu_);
  // A full queue already holds a wake-up; dropping this one loses nothing.
  (void)push_.send(zmq::const_buffer("", 0), zmq::send_flags::dontwait);
}

ZmqTransport::ZmqTransport(zmq::context_t& context, PeerId self)
    : context_(context), self_(self), wake_pull_(context, zmq::socket_type::pull) {
  std::string address = "inproc://potluck-wake-" + std::to_string(next_waker_id++);
  wake_pull_.bind(address);
  waker_ = std::make_shared<Waker>(context, address);
}

Result<std::string> ZmqTransport::Listen(const std::string& endpoint) {
  if (Status s = CheckEndpoint(endpoint); !s.ok()) return s;
  std::string bind_to = endpoint;
  if (bind_to.ends_with(":0")) bind_to = bind_to.substr(0, bind_to.size() - 1) + "*";
  try {
    router_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::router);
    Configure(*router_);
    // Unroutable replies fail loudly instead of vanishing, so they can be counted.
    router_->set(zmq::sockopt::router_mandatory, 1);
    // A volunteer that restarts reconnects under the same id; the new connection wins.
    router_->set(zmq::sockopt::router_handover, 1);
    router_->bind(bind_to);
    return router_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    router_.reset();
    return Unavailable("cannot listen on " + endpoint + ": " + e.what());
  }
}

Status ZmqTransport::Dial(const std::string& endpoint) {
  if (dealers_.contains(endpoint)) return Status::Ok();
  if (Status s = CheckEndpoint(endpoint); !s.ok()) return s;
  try {
    auto dealer = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer);
    Configure(*dealer);
    // The routing id is our peer id, so the holder's ROUTER can address us by it.
    dealer->set(zmq::sockopt::routing_id, zmq::const_buffer(self_.bytes.data(), self_.bytes.size()));
    dealer->set(zmq::sockopt::reconnect_ivl, 100);
    dealer->set(zmq::sockopt::reconnect_ivl_max, 2000);
    dealer->connect(endpoint);
    dealers_[endpoint] = std::move(dealer);
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return InvalidArgument("cannot connect to " + endpoint + ": " + e.what());
  }
}

void ZmqTransport::Send(const Outgoing& out) {
  Bytes frame = EncodeEnvelope(out.message);
  try {
    if (!out.to.endpoint.empty()) {
      if (!Dial(out.to.endpoint).ok()) {
        ++counters_.sends_unroutable;
        return;
      }
      // A full queue means the peer is away; the core resends what matters.
      if (dealers_[out.to.endpoint]->send(zmq::buffer(frame), zmq::send_flags::dontwait)) ++counters_.frames_out;
      return;
    }
    if (!router_) {
      ++counters_.sends_unroutable;
      return;
    }
    router_->send(zmq::buffer(out.to.peer.bytes), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    router_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    ++counters_.frames_out;
  } catch (const zmq::error_t& e) {
    // EHOSTUNREACH: the peer disconnected since it wrote to us.
    ++counters_.sends_unroutable;
    spdlog::debug("send to {} failed: {}", out.to.peer.Short(), e.what());
  }
}

void ZmqTransport::Receive(zmq::socket_t& socket, const std::string& link, bool routed, std::vector<Inbound>& out) {
  while (out.size() < kInboundBatchMax) {
    std::vector<zmq::message_t> parts;
    auto got = zmq::recv_multipart(socket, std::back_inserter(parts), zmq::recv_flags::dontwait);
    if (!got) return;
    ++counters_.frames_in;
    if (routed && !parts.empty() && !Admit(parts[0])) {
      ++counters_.frames_throttled;
      continue;
    }
    size_t expected = routed ? 2 : 1;
    if (parts.size() != expected) {
      ++counters_.frames_dropped;
      continue;
    }
    const zmq::message_t& body = parts.back();
    auto envelope = DecodeEnvelope({static_cast<const uint8_t*>(body.data()), body.size()});
    if (!envelope.ok()) {
      ++counters_.frames_dropped;
      spdlog::debug("dropped a frame: {}", envelope.status().message());
      continue;
    }
    if (routed) {
      // The routing id is what we reply to; a sender claiming another id is not believed.
      auto id = PeerId::FromBytes(static_cast<const uint8_t*>(parts[0].data()), parts[0].size());
      if (!id || *id != envelope->sender) {
        ++counters_.frames_dropped;
        continue;
      }
    }
    PeerId from = envelope->sender;
    out.push_back({from, link, std::move(envelope.value())});
  }
}

bool ZmqTransport::Admit(const zmq::message_t& routing_id) {
  auto now = std::chrono::steady_clock::now();
  std::string key(static_cast<const char*>(routing_id.data()), routing_id.size());
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // A flood of new ids must not grow the table without bound: start again from empty.
    if (buckets_.size() >= kRateLimitedPeersMax) buckets_.clear();
    it = buckets_.emplace(std::move(key), Bucket{}).first;
  }
  Bucket& b = it->second;
  double elapsed = std::chrono::duration<double>(now - b.refilled).count();
  b.tokens = std::min<double>(kFramesPerSecondPerPeerMax, b.tokens + elapsed * kFramesPerSecondPerPeerMax);
  b.refilled = now;
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

std::vector<Inbound> ZmqTransport::Poll(Duration timeout) {
  std::vector<zmq::pollitem_t> items;
  std::vector<std::pair<zmq::socket_t*, std::string>> sockets;
  items.push_back({wake_pull_.handle(), 0, ZMQ_POLLIN, 0});
  if (router_) {
    items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
    sockets.push_back({router_.get(), ""});
  }
  for (auto& [endpoint, dealer] : dealers_) {
    items.push_back({dealer->handle(), 0, ZMQ_POLLIN, 0});
    sockets.push_back({dealer.get(), endpoint});
  }
  std::vector<Inbound> out;
  try {
    zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    return out;
  }
  if (items[0].revents & ZMQ_POLLIN) {
    zmq::message_t drain;
    while (wake_pull_.recv(drain, zmq::recv_flags::dontwait)) {
    }
  }
  for (size_t i = 0; i < sockets.size(); ++i) {
    if (items[i + 1].revents & ZMQ_POLLIN) Receive(*sockets[i].first, sockets[i].second, sockets[i].first == router_.get(), out);
  }
  return out;
}

}  // namespace potluck
