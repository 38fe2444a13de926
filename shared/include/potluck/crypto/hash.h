// BLAKE2b-256 (libsodium's crypto_generichash): result hashes, project ids.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace potluck {

using Hash256 = std::array<uint8_t, 32>;

Hash256 Blake2b256(std::span<const uint8_t> data);

}  // namespace potluck
