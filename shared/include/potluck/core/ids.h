// Fixed-size identifiers: peers (public keys), projects (manifest hashes), result hashes.
#pragma once

#include <array>
#include <bit>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "potluck/base/bytes.h"

namespace potluck {

template <typename Tag>
struct Id32 {
  std::array<uint8_t, 32> bytes{};

  // Byte order, as memcmp would give, but word by word and inlined: ids key the maps every
  // message looks peers, projects and units up in.
  std::strong_ordering operator<=>(const Id32& o) const {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      uint64_t a, b;
      std::memcpy(&a, bytes.data() + i, 8);
      std::memcpy(&b, o.bytes.data() + i, 8);
      if (a == b) continue;
      if constexpr (std::endian::native == std::endian::little) return __builtin_bswap64(a) <=> __builtin_bswap64(b);
      return a <=> b;
    }
    return std::strong_ordering::equal;
  }
  bool operator==(const Id32& o) const { return std::memcmp(bytes.data(), o.bytes.data(), bytes.size()) == 0; }
  std::string Hex() const { return ToHex(bytes); }
  // The first 12 hex digits: enough to tell ids apart in logs and tables. Six bytes' worth
  // only, so the string stays inside std::string's own buffer: log lines of every unit build it.
  std::string Short() const { return ToHex(bytes.data(), 6); }
  bool IsZero() const { return bytes == std::array<uint8_t, 32>{}; }

  static std::optional<Id32> FromHex(std::string_view hex) {
    auto b = potluck::FromHex(hex);
    if (!b || b->size() != 32) return std::nullopt;
    Id32 id;
    std::memcpy(id.bytes.data(), b->data(), 32);
    return id;
  }
  static std::optional<Id32> FromBytes(const uint8_t* data, size_t size) {
    if (size != 32) return std::nullopt;
    Id32 id;
    std::memcpy(id.bytes.data(), data, 32);
    return id;
  }
};

struct PeerTag {};
struct ProjectTag {};
struct ResultTag {};
using PeerId = Id32<PeerTag>;
using ProjectId = Id32<ProjectTag>;
using ResultHash = Id32<ResultTag>;

// A work unit: (project, index).
struct UnitKey {
  ProjectId project;
  uint64_t index = 0;
  auto operator<=>(const UnitKey&) const = default;
};

struct Id32Hash {
  template <typename Tag>
  size_t operator()(const Id32<Tag>& id) const {
    size_t h;
    std::memcpy(&h, id.bytes.data(), sizeof h);  // ids are hashes or keys: already uniform
    return h;
  }
  size_t operator()(const UnitKey& u) const { return (*this)(u.project) ^ (u.index * 0x9E3779B97F4A7C15ull); }
};

}  // namespace potluck
