// The network a peer computes from, as the quorum rule sees it: one IPv4 /24 or IPv6 /48.
// Several keys on one machine, or on machines of one small network, count as one voice.
#pragma once

#include <string>
#include <string_view>

namespace potluck {

// "192.0.2.0/24" for "192.0.2.77" (also as "::ffff:192.0.2.77"), "2001:db8:1::/48" for an IPv6
// address in 2001:db8:1::/48; empty for an empty or unreadable address.
std::string NetworkOf(std::string_view host);

}  // namespace potluck
