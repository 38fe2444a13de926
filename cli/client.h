// A short-lived node that asks one question of a holder and waits, bounded, for the answer.
#pragma once

#include <string>

#include "potluck/base/time.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/zmq_transport.h"

namespace potluck::cli {

// The node a command asks, and how.
struct Target {
  std::string to;               // its address, ENDPOINT#PEER-ID
  double answer_timeout_s = 5;  // for each question asked
  bool json = false;
  bool insecure = false;  // plain-text link; `to` may then omit the peer id
};

class Client {
 public:
  // REQUIRES: ParseAddress(target.to, !target.insecure) passed.
  explicit Client(const Target& target);

  // Sends `body` and returns the answer's body; kUnavailable if none came within the timeout.
  Result<Body> Ask(Body body);
  const std::string& address() const { return address_; }

 private:
  std::string address_;
  Duration timeout_;
  // Each run of the CLI speaks under a fresh id, so two running at once never collide.
  Identity identity_ = Identity::Ephemeral();
  zmq::context_t context_;
  ZmqTransport transport_;
  uint64_t next_request_id_;
};

}  // namespace potluck::cli
