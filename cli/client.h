// A short-lived node that asks one question of a holder and waits, bounded, for the answer.
#pragma once

#include <string>

#include "potluck/base/time.h"
#include "potluck/crypto/identity.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

class Client {
 public:
  // REQUIRES: CheckEndpoint(endpoint) passed.
  Client(std::string endpoint, Duration timeout);

  // Sends `body` and returns the answer's body; kUnavailable if none came within the timeout.
  Result<Body> Ask(Body body);
  const std::string& endpoint() const { return endpoint_; }

 private:
  std::string endpoint_;
  Duration timeout_;
  // Each run of the CLI speaks under a fresh id, so two running at once never collide.
  Identity identity_ = Identity::Ephemeral();
  zmq::context_t context_;
  ZmqTransport transport_;
  uint64_t next_request_id_;
};

}  // namespace potluck
