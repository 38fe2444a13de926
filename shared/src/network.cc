#include "potluck/core/network.h"

#include <arpa/inet.h>

#include <cstdio>

namespace potluck {

std::string NetworkOf(std::string_view host) {
  std::string text(host);
  if (text.starts_with("::ffff:") && text.find('.') != std::string::npos) text = text.substr(7);
  char out[64];
  in_addr v4;
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    const auto* b = reinterpret_cast<const unsigned char*>(&v4.s_addr);
    std::snprintf(out, sizeof out, "%u.%u.%u.0/24", b[0], b[1], b[2]);
    return out;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    const unsigned char* b = v6.s6_addr;
    std::snprintf(out, sizeof out, "%x:%x:%x::/48", b[0] << 8 | b[1], b[2] << 8 | b[3], b[4] << 8 | b[5]);
    return out;
  }
  return "";
}

}  // namespace potluck
