// Someone's text as an error message quotes it: in single quotes, cut to a length, and with
// control bytes written as \xNN, so a message stays one printable line whatever was typed.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

namespace potluck {

inline std::string Quoted(std::string_view text, size_t chars_max = 64) {
  std::string out = "'";
  for (char c : text.substr(0, chars_max)) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte != 0x7f) {
      out += c;
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", byte);
      out += escaped;
    }
  }
  return out + (text.size() > chars_max ? "...'" : "'");
}

}  // namespace potluck
