// Internal: bytes from the network or disk as Cap'n Proto words.
#pragma once

#include <capnp/common.h>
#include <kj/array.h>

#include <cstring>
#include <span>

namespace potluck::internal {

// Cap'n Proto reads aligned words; received bytes may not be aligned.
// REQUIRES: bytes.size() is a multiple of 8.
inline kj::Array<capnp::word> AlignedWords(std::span<const uint8_t> bytes) {
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), bytes.data(), bytes.size());
  return words;
}

}  // namespace potluck::internal
