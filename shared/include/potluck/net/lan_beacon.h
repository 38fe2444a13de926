// Finds peers on the local network: every node with LAN discovery on broadcasts a small UDP
// beacon with its id and endpoint, and listens for the others'. What it hears is only a hint
// of where to gossip; nothing in a beacon is trusted beyond that.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/core/ids.h"

namespace potluck {

constexpr size_t kBeaconBytesMax = 512;
constexpr size_t kBeaconsPerPollMax = 64;

// The address in a beacon ("potluck-beacon/1 <64 hex> <address>") from a peer other than
// `self`; nullopt for anything else.
std::optional<std::string> ParseBeacon(std::string_view text, const PeerId& self);

class LanBeacon {
 public:
  // `address` is IPV4:PORT to broadcast to and listen on, e.g. 255.255.255.255:7399.
  static Result<std::unique_ptr<LanBeacon>> Open(const std::string& address, const PeerId& self);
  ~LanBeacon();
  LanBeacon(const LanBeacon&) = delete;
  LanBeacon& operator=(const LanBeacon&) = delete;

  void Announce(const std::string& address);
  // Addresses of other nodes heard since the last call; never blocks.
  std::vector<std::string> Heard();

 private:
  LanBeacon(int fd, uint32_t address, uint16_t port, const PeerId& self);

  int fd_;
  uint32_t address_;  // network byte order
  uint16_t port_;     // network byte order
  PeerId self_;
};

}  // namespace potluck
