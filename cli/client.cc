#include "client.h"

#include <random>

namespace potluck {

Client::Client(std::string endpoint, Duration timeout)
    : endpoint_(std::move(endpoint)), timeout_(timeout), transport_(context_, identity_.id()),
      next_request_id_(std::random_device{}() | 1ull << 32) {}

Result<Body> Client::Ask(Body body) {
  if (Status s = transport_.Dial(endpoint_); !s.ok()) return s;
  const uint64_t id = next_request_id_++;
  transport_.Send({{PeerId{}, endpoint_}, Envelope{identity_.id(), id, std::move(body)}});
  SystemClock clock;
  const TimePoint deadline = clock.Now() + timeout_;
  for (TimePoint now = clock.Now(); now < deadline; now = clock.Now()) {
    for (Inbound& in : transport_.Poll(std::min<Duration>(deadline - now, std::chrono::milliseconds(200)))) {
      if (in.message.request_id == id) return std::move(in.message.body);
    }
  }
  auto seconds = std::chrono::duration_cast<std::chrono::duration<double>>(timeout_).count();
  char text[32];
  std::snprintf(text, sizeof text, "%g", seconds);
  return Unavailable("no answer from " + endpoint_ + " within " + text + "s (is a coordinator or worker running there?)");
}

}  // namespace potluck
