#include "potluck/crypto/hash.h"

#include <sodium.h>

namespace potluck {

Hash256 Blake2b256(std::span<const uint8_t> data) {
  Hash256 out;
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

}  // namespace potluck
