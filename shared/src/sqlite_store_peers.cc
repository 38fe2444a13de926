#include "potluck/store/sqlite_store.h"

namespace potluck {

using internal::IdColumn;
using internal::IdSpan;

Result<std::vector<PeerStore::PeerRow>> SqliteStore::LoadPeers() {
  std::vector<PeerRow> out;
  auto peers = db_->Prepare("SELECT id, endpoint, last_seen_unix_ms FROM peers ORDER BY last_seen_unix_ms DESC");
  while (peers->Step()) {
    auto id = IdColumn<PeerId>(*peers, 0);
    if (!id.ok()) return id.status();
    out.push_back({id.value(), peers->Text(1), FromUnixMs(peers->Int(2))});
  }
  if (!peers->status().ok()) return peers->status();
  return out;
}

void SqliteStore::PutPeer(const PeerRow& p) {
  Write(*put_peer_, IdSpan(p.id), std::string_view(p.endpoint), ToUnixMs(p.last_seen));
}

void SqliteStore::DropPeer(const PeerId& id) { Write(*drop_peer_, IdSpan(id)); }

}  // namespace potluck
