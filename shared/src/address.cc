#include "potluck/net/address.h"

#include <regex>

#include "potluck/base/quoted.h"

namespace potluck {

Status CheckEndpoint(const std::string& endpoint) {
  static const std::regex kTcp(R"(tcp://(\*|[A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\]):(\*|[0-9]{1,5}))");
  static const std::regex kIpc(R"(ipc://[^#]+)");
  if (std::regex_match(endpoint, kTcp) || std::regex_match(endpoint, kIpc)) return Status::Ok();
  return InvalidArgument(Quoted(endpoint) + " is not an endpoint like tcp://127.0.0.1:7400");
}

Result<PeerAddress> ParseAddress(std::string_view text, bool need_peer) {
  PeerAddress address;
  const size_t hash = text.rfind('#');
  address.endpoint = std::string(text.substr(0, hash));
  if (Status s = CheckEndpoint(address.endpoint); !s.ok()) {
    return InvalidArgument(Quoted(text) + " is not an address like tcp://127.0.0.1:7400#PEER-ID");
  }
  if (hash != std::string_view::npos) {
    address.peer = PeerId::FromHex(text.substr(hash + 1));
    if (!address.peer) return InvalidArgument(Quoted(text) + ": the part after '#' is not a 64-digit peer id");
  } else if (need_peer) {
    return InvalidArgument(Quoted(text) +
                           " does not say which node serves there: use the address it printed when it started, "
                           "ENDPOINT#PEER-ID (also in the 'endpoint' file of its data folder)");
  }
  return address;
}

std::string FormatAddress(const std::string& endpoint, const PeerId& peer) { return endpoint + "#" + peer.Hex(); }

}  // namespace potluck
