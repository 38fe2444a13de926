// Any text as a peer address, a LAN beacon, a host address for the network rule and a --metrics
// value: a clear refusal or a well-formed value, never a crash.
#include <string>
#include <string_view>

#include "potluck/app/http_server.h"
#include "potluck/core/network.h"
#include "potluck/net/address.h"
#include "potluck/net/lan_beacon.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (bool need_peer : {false, true}) {
    auto address = potluck::ParseAddress(text, need_peer);
    if (address.ok()) {
      POTLUCK_CHECK(potluck::CheckEndpoint(address->endpoint).ok());
      POTLUCK_CHECK(!need_peer || address->peer.has_value());
    } else {
      POTLUCK_CHECK(address.status().message().find('\n') == std::string::npos);
    }
  }
  if (auto heard = potluck::ParseBeacon(text, potluck::PeerId{})) POTLUCK_CHECK(potluck::ParseAddress(*heard, false).ok());
  if (auto metrics = potluck::ParseHttpListen(text, "metrics"); metrics.ok()) {
    POTLUCK_CHECK(!metrics->host.empty());
  } else {
    POTLUCK_CHECK(metrics.status().message().find('\n') == std::string::npos);
  }
  std::string network = potluck::NetworkOf(text);
  POTLUCK_CHECK(network.empty() || network.find('/') != std::string::npos);
  return 0;
}
