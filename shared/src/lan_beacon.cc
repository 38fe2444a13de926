#include "potluck/net/lan_beacon.h"

#include "potluck/net/address.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <regex>

#include "potluck/net/zmq_transport.h"

namespace potluck {
namespace {

constexpr char kMagic[] = "potluck-beacon/1";

}  // namespace

Result<std::unique_ptr<LanBeacon>> LanBeacon::Open(const std::string& address, const PeerId& self) {
  static const std::regex kAddress(R"((\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5}))");
  std::smatch m;
  in_addr ip{};
  if (!std::regex_match(address, m, kAddress) || inet_pton(AF_INET, m[1].str().c_str(), &ip) != 1 ||
      std::stoi(m[2].str()) < 1 || std::stoi(m[2].str()) > 65535) {
    return InvalidArgument("--lan-beacon: '" + address + "' is not IPV4:PORT");
  }
  const auto port = htons(static_cast<uint16_t>(std::stoi(m[2].str())));
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return IoError(std::string("lan discovery: ") + std::strerror(errno));
  int on = 1;
  // Several nodes on one machine share the port; each gets every broadcast.
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &on, sizeof on);
  sockaddr_in bind_to{};
  bind_to.sin_family = AF_INET;
  bind_to.sin_port = port;
  bind_to.sin_addr.s_addr = htonl(INADDR_ANY);
  if (bind(fd, reinterpret_cast<sockaddr*>(&bind_to), sizeof bind_to) != 0) {
    std::string error = std::strerror(errno);
    close(fd);
    return Unavailable("lan discovery: cannot bind UDP port " + m[2].str() + ": " + error);
  }
  return std::unique_ptr<LanBeacon>(new LanBeacon(fd, ip.s_addr, port, self));
}

LanBeacon::LanBeacon(int fd, uint32_t address, uint16_t port, const PeerId& self)
    : fd_(fd), address_(address), port_(port), self_(self) {}

LanBeacon::~LanBeacon() { close(fd_); }

void LanBeacon::Announce(const std::string& address) {
  std::string beacon = std::string(kMagic) + " " + self_.Hex() + " " + address;
  if (beacon.size() > kBeaconBytesMax) return;
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = port_;
  to.sin_addr.s_addr = address_;
  // A beacon lost is sent again in a few seconds.
  (void)sendto(fd_, beacon.data(), beacon.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
}

std::vector<std::string> LanBeacon::Heard() {
  std::vector<std::string> out;
  char buffer[kBeaconBytesMax + 1];
  for (size_t i = 0; i < kBeaconsPerPollMax; ++i) {
    ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
    if (n < 0) break;
    if (static_cast<size_t>(n) > kBeaconBytesMax) continue;
    if (auto address = ParseBeacon(std::string_view(buffer, static_cast<size_t>(n)), self_)) out.push_back(*address);
  }
  return out;
}

std::optional<std::string> ParseBeacon(std::string_view text, const PeerId& self) {
  // Anything but "potluck-beacon/1 <64 hex> <address>" is noise.
  size_t first = text.find(' ');
  if (first == std::string_view::npos) return std::nullopt;
  size_t second = text.find(' ', first + 1);
  if (second == std::string_view::npos || text.substr(0, first) != kMagic) return std::nullopt;
  auto peer = PeerId::FromHex(text.substr(first + 1, second - first - 1));
  std::string_view address = text.substr(second + 1);
  auto parsed = ParseAddress(address, false);
  if (!peer || *peer == self || !parsed.ok() || (parsed->peer && *parsed->peer != *peer)) return std::nullopt;
  return std::string(address);
}

}  // namespace potluck
