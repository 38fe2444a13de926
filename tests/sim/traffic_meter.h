// Counts what each simulated node sends: messages and their bytes on the wire (the Cap'n Proto
// frame a node's transport sends; ZeroMQ and CURVE add a few dozen bytes per message), by
// message kind. The scale figures divide them per peer and per minute of virtual time.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "potluck/proto/codec.h"
#include "potluck/proto/messages.h"

namespace potluck::testing {

class TrafficMeter {
 public:
  static constexpr size_t kKinds = std::variant_size_v<Body>;

  explicit TrafficMeter(size_t nodes) : sent_(nodes) {}

  void Count(size_t from, const Envelope& message) {
    const size_t bytes = EncodeEnvelope(message).size();
    Sent& s = sent_.at(from);
    ++s.messages;
    s.bytes += bytes;
    Kind& k = kinds_[message.body.index()];
    ++k.messages;
    k.bytes += bytes;
  }

  struct PerPeer {
    double messages_per_minute = 0;
    double bytes_per_minute = 0;
  };
  // The mean over the nodes `include` accepts, and the largest of them.
  template <typename Include>
  std::pair<PerPeer, PerPeer> MeanAndMax(double minutes, Include&& include) const {
    PerPeer mean, max;
    size_t n = 0;
    for (size_t i = 0; i < sent_.size(); ++i) {
      if (!include(i)) continue;
      ++n;
      const double m = static_cast<double>(sent_[i].messages) / minutes;
      const double b = static_cast<double>(sent_[i].bytes) / minutes;
      mean.messages_per_minute += m;
      mean.bytes_per_minute += b;
      max.messages_per_minute = std::max(max.messages_per_minute, m);
      max.bytes_per_minute = std::max(max.bytes_per_minute, b);
    }
    if (n > 0) {
      mean.messages_per_minute /= static_cast<double>(n);
      mean.bytes_per_minute /= static_cast<double>(n);
    }
    return {mean, max};
  }

  struct Kind {
    uint64_t messages = 0;
    uint64_t bytes = 0;
  };
  const std::array<Kind, kKinds>& kinds() const { return kinds_; }
  uint64_t total_messages() const {
    uint64_t t = 0;
    for (const Kind& k : kinds_) t += k.messages;
    return t;
  }

 private:
  struct Sent {
    uint64_t messages = 0;
    uint64_t bytes = 0;
  };
  std::vector<Sent> sent_;
  std::array<Kind, kKinds> kinds_{};
};

// A short name for each message kind, in Body's order, for reports.
inline const char* KindName(size_t index) {
  static constexpr const char* kNames[] = {"gossip",       "peers-request", "work-request", "lease-grant",
                                           "claims",       "claim-ack",     "submit",       "project-request",
                                           "status",       "reply",         "hold",         "hold-ack",
                                           "ledger-push",  "ledger-ack",    "handoff",      "moved",
                                           "cancel",       "verified"};
  static_assert(std::size(kNames) == TrafficMeter::kKinds, "a name for every message kind");
  return kNames[index];
}

}  // namespace potluck::testing
