// What a protocol core hands back to the runtime that drives it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "potluck/base/time.h"
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

}  // namespace potluck
