// What a protocol core hands back to the runtime that drives it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "potluck/base/time.h"
#include "potluck/core/durable.h"
#include "potluck/core/manifest.h"
#include "potluck/proto/messages.h"

namespace potluck {

// Where a message goes: through a connection to `endpoint` if it is set, else back to `peer`
// over the connection it reached us on.
struct Destination {
  PeerId peer;
  std::string endpoint;
};

struct Outgoing {
  Destination to;
  Envelope message;
};

// A message as the runtime hands it to a core. `link` is the address of the connection it
// came through when we dialled out; empty when the peer dialled us. `host` is the IP address
// the peer dialled us from, as the network showed it; empty when we dialled.
struct Inbound {
  PeerId from;
  std::string link;
  Envelope message;
  std::string host;
};

// A unit to compute now, from `checkpoint` if an earlier run saved one.
struct TaskStart {
  UnitKey unit;
  std::shared_ptr<const Manifest> manifest;
  Bytes checkpoint;
};

struct Actions {
  std::vector<Outgoing> messages;
  std::vector<TaskStart> tasks;

  void Append(Actions&& other) {
    for (auto& m : other.messages) messages.push_back(std::move(m));
    for (auto& t : other.tasks) tasks.push_back(std::move(t));
  }
};

// What the turn that sends `actions` must make its writes survive. An answer that tells a peer
// something is stored (an acknowledgment, a status) needs them to outlive a power cut. Requests,
// offers, leases and a worker's own claims do not: what a power cut takes back from them is
// computed or leased again, and no accepted result rests on it.
inline Survives DurabilityFor(const Actions& actions) {
  for (const Outgoing& out : actions.messages) {
    const Body& body = out.message.body;
    if (!std::holds_alternative<Gossip>(body) && !std::holds_alternative<PeersRequest>(body) &&
        !std::holds_alternative<WorkRequest>(body) && !std::holds_alternative<LeaseGrant>(body) &&
        !std::holds_alternative<ClaimBatch>(body) && !std::holds_alternative<ProjectRequest>(body)) {
      return Survives::kPowerLoss;
    }
  }
  return Survives::kProcessCrash;
}

}  // namespace potluck
