// Credit notices: a holder that verifies a unit tells every peer whose claim agreed, so
// volunteers can show the verified work they did. Best-effort: a lost notice is not resent,
// and the other holders of the project, reaching the same verdict, send theirs too.
#include <algorithm>
#include <cstddef>

#include "potluck/core/holder.h"

namespace potluck {

void Holder::NoteVerified(const PeerId& peer, const UnitKey& unit, const ResultHash& agreed, TimePoint now) {
  if (verified_notices_.empty()) notices_due_ = now + kVerifiedNoticeDelay;
  std::vector<VerifiedNotice::Item>& items = verified_notices_[peer];
  items.push_back({unit, agreed});
  // A full message, or one to ourselves, need not wait.
  if (peer == self_ || items.size() % kVerifiedNoticeItemsMax == 0) notices_ready_ = true;
}

void Holder::SendVerifiedNotices(Actions& actions, TimePoint now) {
  const bool due = now >= notices_due_;
  // The peers waiting are not walked at every message, only when some notice can go.
  if (!due && !notices_ready_) return;
  notices_ready_ = false;
  for (auto it = verified_notices_.begin(); it != verified_notices_.end();) {
    const PeerId& peer = it->first;
    std::vector<VerifiedNotice::Item>& items = it->second;
    // Before they are due, only full messages go, and our own notices, which stay in this process.
    const size_t sent = due || peer == self_ ? items.size() : items.size() - items.size() % kVerifiedNoticeItemsMax;
    // Dialled at the endpoint its offer names, or else over the connection it reached us on,
    // if any: a notice is not worth waiting for an offer.
    const Offer* offer = sent ? directory_.OfferOf(peer) : nullptr;
    const Destination to{peer, offer ? offer->endpoint : ""};
    for (size_t first = 0; first < sent; first += kVerifiedNoticeItemsMax) {
      const auto begin = items.begin() + static_cast<std::ptrdiff_t>(first);
      VerifiedNotice notice;
      notice.items.assign(begin, begin + static_cast<std::ptrdiff_t>(std::min(kVerifiedNoticeItemsMax, sent - first)));
      actions.messages.push_back({to, Envelope{self_, 0, std::move(notice)}});
    }
    counters_.units_noticed += sent;
    items.erase(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(sent));
    it = items.empty() ? verified_notices_.erase(it) : std::next(it);
  }
  if (verified_notices_.empty()) notices_due_ = TimePoint::max();
}

}  // namespace potluck
