// How peers are dialled. An address is a ZeroMQ endpoint and, after '#', the peer id of the
// node serving there: tcp://192.0.2.7:7400#<64 hex digits>. The id is the node's public key,
// so a link to an address is encrypted to, and authenticated as, that node and no other.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "potluck/base/status.h"
#include "potluck/core/ids.h"

namespace potluck {

struct PeerAddress {
  std::string endpoint;         // tcp://HOST:PORT or ipc://PATH
  std::optional<PeerId> peer;   // absent only where links are plain text (--insecure)
};

// Checks that `endpoint` looks like tcp://HOST:PORT or ipc://PATH before ZeroMQ sees it.
Status CheckEndpoint(const std::string& endpoint);

// Parses ENDPOINT or ENDPOINT#ID. With `need_peer`, an address without an id is refused.
Result<PeerAddress> ParseAddress(std::string_view text, bool need_peer);

std::string FormatAddress(const std::string& endpoint, const PeerId& peer);

}  // namespace potluck
