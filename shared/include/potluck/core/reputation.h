// What a holder has seen of each peer's results: how often they agreed with the verdict and
// how often not. Peers that are wrong too often get no more work. It is a pure function of the
// ledgers, so a restarted holder rebuilds it from its claims.
#pragma once

#include <cstdint>
#include <map>

#include "potluck/core/ids.h"

namespace potluck {

struct PeerRecord {
  uint64_t agreed = 0;
  uint64_t disagreed = 0;
  uint64_t consecutive = 0;  // agreed in a row since its last wrong result
};

// A peer is ignored once it has this many wrong results and at least one wrong for every
// kIgnoreRatio right ones: three wrong results from a stranger are not bad luck.
constexpr uint64_t kIgnoreAfterDisagreements = 3;
constexpr uint64_t kIgnoreRatio = 4;
// Adaptive replication trusts a peer with a unit alone only after this many agreeing results
// in a row, and even then replicates with probability 1/consecutive (BOINC's rule) or the
// project's spot-check rate, whichever is higher.
constexpr uint64_t kTrustAfterConsecutive = 10;

class Reputation {
 public:
  void Record(const PeerId& peer, bool agreed) {
    PeerRecord& r = records_[peer];
    (agreed ? r.agreed : r.disagreed)++;
    r.consecutive = agreed ? r.consecutive + 1 : 0;
  }
  PeerRecord Of(const PeerId& peer) const {
    auto it = records_.find(peer);
    return it == records_.end() ? PeerRecord{} : it->second;
  }
  bool Ignored(const PeerId& peer) const {
    PeerRecord r = Of(peer);
    return r.disagreed >= kIgnoreAfterDisagreements && r.disagreed * kIgnoreRatio >= r.agreed;
  }
  const std::map<PeerId, PeerRecord>& records() const { return records_; }

 private:
  std::map<PeerId, PeerRecord> records_;
};

}  // namespace potluck
