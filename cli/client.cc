#include "client.h"

#include <random>

namespace potluck::cli {

Client::Client(const Target& target)
    : address_(target.to),
      timeout_(std::chrono::duration_cast<Duration>(std::chrono::duration<double>(target.answer_timeout_s))),
      transport_(context_, identity_, target.insecure ? LinkSecurity::kPlainText : LinkSecurity::kCurve),
      next_request_id_(std::random_device{}() | 1ull << 32) {}

Result<Body> Client::Ask(Body body) {
  if (Status s = transport_.Dial(address_); !s.ok()) return s;
  const uint64_t id = next_request_id_++;
  transport_.Send({{PeerId{}, address_}, Envelope{identity_.id(), id, std::move(body)}});
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
  return Unavailable("no answer from " + address_ + " within " + text + "s (is a coordinator or worker running there?)");
}

}  // namespace potluck::cli
