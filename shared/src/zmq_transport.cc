#include "potluck/net/zmq_transport.h"

#include <spdlog/spdlog.h>


#include "potluck/proto/codec.h"

namespace potluck {
namespace {

std::atomic<uint64_t> next_waker_id{0};

// Where libzmq sends its authentication requests (ZAP, RFC 27), one handler per context.
constexpr char kAuthenticationAddress[] = "inproc://zeromq.zap.01";

std::string Text(const zmq::message_t& m) { return std::string(static_cast<const char*>(m.data()), m.size()); }

void Configure(zmq::socket_t& s) {
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, kSendQueueMessagesMax);
  s.set(zmq::sockopt::rcvhwm, kSendQueueMessagesMax);
  s.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(kFrameBytesMax));
}

}  // namespace

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

ZmqTransport::ZmqTransport(zmq::context_t& context, const Identity& identity, LinkSecurity security)
    : context_(context),
      self_(identity.id()),
      security_(security),
      curve_(identity.CurveKeys()),
      wake_pull_(context, zmq::socket_type::pull) {
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
    if (security_ == LinkSecurity::kCurve) {
      if (!authenticator_) {
        authenticator_ = std::make_unique<zmq::socket_t>(context_, zmq::socket_type::rep);
        authenticator_->set(zmq::sockopt::linger, 0);
        authenticator_->bind(kAuthenticationAddress);
      }
      router_->set(zmq::sockopt::curve_server, true);
      router_->set(zmq::sockopt::curve_publickey, zmq::const_buffer(curve_.public_key.data(), 32));
      router_->set(zmq::sockopt::curve_secretkey, zmq::const_buffer(curve_.secret_key.data(), 32));
      router_->set(zmq::sockopt::zap_domain, "potluck");
    }
    router_->bind(bind_to);
    return router_->get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    router_.reset();
    return Unavailable("cannot listen on " + endpoint + ": " + e.what());
  }
}

Status ZmqTransport::Dial(const std::string& address) {
  if (dealers_.contains(address)) return Status::Ok();
  auto parsed = ParseAddress(address, security_ == LinkSecurity::kCurve);
  if (!parsed.ok()) return parsed.status();
  std::optional<CurveKey> server_key;
  if (security_ == LinkSecurity::kCurve) {
    server_key = CurvePublicKeyOf(*parsed->peer);
    if (!server_key) return InvalidArgument("'" + address + "' names a peer id that is not a valid public key");
  }
  try {
    Dealer dealer{std::make_unique<zmq::socket_t>(context_, zmq::socket_type::dealer), parsed->peer};
    zmq::socket_t& socket = *dealer.socket;
    Configure(socket);
    socket.set(zmq::sockopt::reconnect_ivl, 100);
    socket.set(zmq::sockopt::reconnect_ivl_max, 2000);
    if (server_key) {
      socket.set(zmq::sockopt::curve_serverkey, zmq::const_buffer(server_key->data(), 32));
      socket.set(zmq::sockopt::curve_publickey, zmq::const_buffer(curve_.public_key.data(), 32));
      socket.set(zmq::sockopt::curve_secretkey, zmq::const_buffer(curve_.secret_key.data(), 32));
    }
    socket.connect(parsed->endpoint);
    dealers_[address] = std::move(dealer);
    return Status::Ok();
  } catch (const zmq::error_t& e) {
    return InvalidArgument("cannot connect to " + address + ": " + e.what());
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
      if (dealers_[out.to.endpoint].socket->send(zmq::buffer(frame), zmq::send_flags::dontwait)) ++counters_.frames_out;
      return;
    }
    auto route = routes_.find(out.to.peer);
    if (!router_ || route == routes_.end()) {
      ++counters_.sends_unroutable;
      return;
    }
    router_->send(zmq::buffer(route->second.routing_id), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
    router_->send(zmq::buffer(frame), zmq::send_flags::dontwait);
    ++counters_.frames_out;
  } catch (const zmq::error_t& e) {
    // EHOSTUNREACH: the peer disconnected since it wrote to us.
    ++counters_.sends_unroutable;
    spdlog::debug("send to {} failed: {}", out.to.peer.Short(), e.what());
  }
}

void ZmqTransport::Receive(zmq::socket_t& socket, const std::string& link, const Dealer* dealer,
                           std::vector<Inbound>& out) {
  const bool routed = dealer == nullptr;
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
    zmq::message_t& body = parts.back();
    auto envelope = DecodeEnvelope({static_cast<const uint8_t*>(body.data()), body.size()});
    if (!envelope.ok()) {
      ++counters_.frames_dropped;
      spdlog::debug("dropped a frame: {}", envelope.status().message());
      continue;
    }
    const bool authentic = routed ? AuthenticateRouted(parts[0], body, envelope->sender)
                                  : !dealer->peer || *dealer->peer == envelope->sender;
    if (!authentic) {
      ++counters_.frames_dropped;
      continue;
    }
    PeerId from = envelope->sender;
    const char* host = routed ? zmq_msg_gets(body.handle(), "Peer-Address") : nullptr;
    out.push_back({from, link, std::move(envelope.value()), host ? host : ""});
  }
}

bool ZmqTransport::AuthenticateRouted(const zmq::message_t& routing_id, zmq::message_t& body, const PeerId& sender) {
  auto it = routes_.find(sender);
  if (security_ == LinkSecurity::kCurve) {
    std::string key_hex = it != routes_.end() ? it->second.curve_key_hex : "";
    if (key_hex.empty()) {
      auto key = CurvePublicKeyOf(sender);
      if (!key) return false;
      key_hex = ToHex(*key);
    }
    const char* user_id = zmq_msg_gets(body.handle(), "User-Id");
    if (user_id == nullptr || key_hex != user_id) return false;
    if (it == routes_.end()) it = routes_.emplace(sender, Route{"", key_hex}).first;
  } else if (it == routes_.end()) {
    it = routes_.emplace(sender, Route{}).first;
  }
  // Only authentic frames reach here, so a flood of forged senders cannot evict real routes.
  it->second.routing_id = Text(routing_id);
  if (routes_.size() > kTrackedConnectionsMax) {
    Route kept = it->second;
    routes_.clear();
    routes_.emplace(sender, kept);
  }
  return true;
}

void ZmqTransport::AnswerAuthentication() {
  while (true) {
    std::vector<zmq::message_t> request;
    if (!zmq::recv_multipart(*authenticator_, std::back_inserter(request), zmq::recv_flags::dontwait)) return;
    // version, request id, domain, address, identity, mechanism, credentials...
    const bool curve = request.size() == 7 && Text(request[5]) == "CURVE" && request[6].size() == 32;
    std::array<std::string, 6> reply = {
        "1.0", request.size() > 1 ? Text(request[1]) : "", curve ? "200" : "400", curve ? "OK" : "CURVE only",
        curve ? ToHex(static_cast<const uint8_t*>(request[6].data()), 32) : "", ""};
    for (size_t i = 0; i < reply.size(); ++i) {
      authenticator_->send(zmq::buffer(reply[i]), i + 1 < reply.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
    }
  }
}

bool ZmqTransport::Admit(const zmq::message_t& routing_id) {
  auto now = std::chrono::steady_clock::now();
  std::string key(static_cast<const char*>(routing_id.data()), routing_id.size());
  auto it = buckets_.find(key);
  if (it == buckets_.end()) {
    // A flood of new ids must not grow the table without bound: start again from empty.
    if (buckets_.size() >= kTrackedConnectionsMax) buckets_.clear();
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
  std::vector<std::pair<const std::string*, const Dealer*>> sockets;
  items.push_back({wake_pull_.handle(), 0, ZMQ_POLLIN, 0});
  if (authenticator_) items.push_back({authenticator_->handle(), 0, ZMQ_POLLIN, 0});
  const size_t first_tick_socket = items.size();
  for (zmq::socket_ref socket : tick_sockets_) items.push_back({socket.handle(), 0, ZMQ_POLLIN, 0});
  const size_t first_link = items.size();
  static const std::string kRouterLink;
  if (router_) {
    items.push_back({router_->handle(), 0, ZMQ_POLLIN, 0});
    sockets.push_back({&kRouterLink, nullptr});
  }
  for (auto& [address, dealer] : dealers_) {
    items.push_back({dealer.socket->handle(), 0, ZMQ_POLLIN, 0});
    sockets.push_back({&address, &dealer});
  }
  std::vector<Inbound> out;
  try {
    zmq::poll(items, timeout);
  } catch (const zmq::error_t& e) {
    if (e.num() != EINTR) throw;
    return out;
  }
  if (items[0].revents & ZMQ_POLLIN) {
    woken_ = true;
    zmq::message_t drain;
    while (wake_pull_.recv(drain, zmq::recv_flags::dontwait)) {
    }
  }
  if (authenticator_ && (items[1].revents & ZMQ_POLLIN)) AnswerAuthentication();
  for (size_t i = first_tick_socket; i < first_link; ++i) {
    if (items[i].revents & ZMQ_POLLIN) tick_wanted_ = true;
  }
  for (size_t i = 0; i < sockets.size(); ++i) {
    if (!(items[first_link + i].revents & ZMQ_POLLIN)) continue;
    const auto& [link, dealer] = sockets[i];
    Receive(dealer ? *dealer->socket : *router_, *link, dealer, out);
  }
  return out;
}

}  // namespace potluck
