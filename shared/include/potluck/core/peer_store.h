// The peers a node knows, kept so that a restarted node finds its grid again.
#pragma once

#include <string>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/base/time.h"
#include "potluck/core/ids.h"

namespace potluck {

// Writes happen inside the node's transaction (see Durable). Not thread-safe.
class PeerStore {
 public:
  struct PeerRow {
    PeerId id;
    std::string endpoint;
    TimePoint last_seen;
  };
  virtual ~PeerStore() = default;
  virtual Result<std::vector<PeerRow>> LoadPeers() = 0;
  virtual void PutPeer(const PeerRow& peer) = 0;
  virtual void DropPeer(const PeerId& id) = 0;
};

}  // namespace potluck
