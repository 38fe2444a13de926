// What a node knows of the other peers, as the holder and volunteer cores ask it.
#pragma once

#include <vector>

#include "potluck/proto/messages.h"

namespace potluck {

class Directory {
 public:
  virtual ~Directory() = default;
  // The latest unexpired offer of `peer` (ours included), or nullptr if it is gone or unknown.
  virtual const Offer* OfferOf(const PeerId& peer) const = 0;
  // Every peer with an unexpired offer, ours included, in id order. Valid until the directory
  // next learns or forgets a peer.
  virtual const std::vector<const Offer*>& Alive() const = 0;
  // Those of them whose offers hold a project with work left, in id order: where work is.
  virtual const std::vector<const Offer*>& Holding() const = 0;
};

}  // namespace potluck
