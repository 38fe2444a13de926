// A Directory whose peers the test sets by hand.
#pragma once

#include <map>

#include "potluck/core/directory.h"

namespace potluck::testing {

class FakeDirectory final : public Directory {
 public:
  void Put(const Offer& offer) { offers_[offer.peer] = offer; }
  void Remove(const PeerId& peer) { offers_.erase(peer); }
  const Offer* OfferOf(const PeerId& peer) const override {
    auto it = offers_.find(peer);
    return it == offers_.end() ? nullptr : &it->second;
  }
  std::vector<const Offer*> Alive() const override {
    std::vector<const Offer*> out;
    for (const auto& [id, offer] : offers_) out.push_back(&offer);
    return out;
  }

 private:
  std::map<PeerId, Offer> offers_;
};

inline PeerId TestPeer(uint8_t b) {
  PeerId p;
  p.bytes.fill(b);
  return p;
}

}  // namespace potluck::testing
