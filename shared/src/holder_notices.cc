// Credit notices: a holder that verifies a unit tells every peer whose claim agreed, so
// volunteers can show the verified work they did. Best-effort: a lost notice is not resent,
// and the other holders of the project, reaching the same verdict, send theirs too.
#include <algorithm>
#include <cstddef>

#include "potluck/core/holder.h"

namespace potluck {

void Holder::NoteVerified(const PeerId& peer, const UnitKey& unit, const ResultHash& agreed) {
  verified_notices_[peer].push_back({unit, agreed});
}

void Holder::SendVerifiedNotices(Actions& actions) {
  for (auto& [peer, items] : verified_notices_) {
    // Dialled at the endpoint its offer names, or else over the connection it reached us on,
    // if any: a notice is not worth waiting for an offer.
    const Offer* offer = directory_.OfferOf(peer);
    const Destination to{peer, offer ? offer->endpoint : ""};
    for (auto first = items.begin(); first != items.end();) {
      const size_t count = std::min(kVerifiedNoticeItemsMax, static_cast<size_t>(items.end() - first));
      const auto last = first + static_cast<std::ptrdiff_t>(count);
      VerifiedNotice notice;
      notice.items.assign(first, last);
      actions.messages.push_back({to, Envelope{self_, 0, std::move(notice)}});
      first = last;
    }
    counters_.units_noticed += items.size();
  }
  verified_notices_.clear();
}

}  // namespace potluck
