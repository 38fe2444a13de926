// The mod-30 wheel: one byte stands for 30 consecutive numbers, one bit for each of the eight
// that share no factor with 30.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>

namespace potluck::primes::wheel {

// Numbers per byte.
inline constexpr uint64_t kSpan = 30;
// Bit j of the byte for numbers [30k, 30k + 30) stands for 30k + kResidues[j].
inline constexpr std::array<uint64_t, 8> kResidues = {1, 7, 11, 13, 17, 19, 23, 29};

// The bit of residue x in [0, 30), or 8 if x shares a factor with 30.
constexpr std::array<uint8_t, 30> MakeBitOfResidue() {
  std::array<uint8_t, 30> bits{};
  for (uint8_t& bit : bits) bit = 8;
  for (uint8_t j = 0; j < 8; ++j) bits[kResidues[j]] = j;
  return bits;
}
inline constexpr std::array<uint8_t, 30> kBitOfResidue = MakeBitOfResidue();

// For a little-endian 64-bit word of the sieve, the distance from the word's first number to the
// number of bit b.
constexpr std::array<uint8_t, 64> MakeWordBitOffsets() {
  std::array<uint8_t, 64> offsets{};
  for (uint64_t b = 0; b < 64; ++b)
    offsets[b] = static_cast<uint8_t>(kSpan * (b / 8) + kResidues[b % 8]);
  return offsets;
}
inline constexpr std::array<uint8_t, 64> kWordBitOffsets = MakeWordBitOffsets();

// How far x in [0, 30) is from the next residue without a factor in common with 30.
constexpr std::array<uint8_t, 30> MakeDistanceToCoprime() {
  std::array<uint8_t, 30> distance{};
  for (uint64_t x = 0; x < 30; ++x) {
    uint8_t d = 0;
    while (kBitOfResidue[(x + d) % 30] == 8) ++d;
    distance[x] = d;
  }
  return distance;
}
inline constexpr std::array<uint8_t, 30> kDistanceToCoprime = MakeDistanceToCoprime();

// The multiples p * m of a sieving prime p = 30q + r with m coprime to 30 are the ones the wheel
// keeps. Write m = 30k + s with s = kResidues[i]: then p * m lies in byte k * p + q * s +
// floor(r * s / 30), at the bit of (r * s) mod 30. A "wheel index" w = 8 * (bit of r) + i names
// the case; stepping m to the next residue moves the byte by q * dq + dc and w to `next`.
struct Step {
  uint8_t dq;
  uint8_t dc;
  uint8_t keep_mask;  // the byte's bits except the multiple's
  uint8_t next;
};

// kResidues followed by 31, the first residue of the next turn of the wheel.
inline constexpr std::array<uint64_t, 9> kTurn = {1, 7, 11, 13, 17, 19, 23, 29, 31};

constexpr std::array<Step, 64> MakeSteps() {
  std::array<Step, 64> steps{};
  for (uint64_t ri = 0; ri < 8; ++ri) {
    const uint64_t r = kResidues[ri];
    for (uint64_t i = 0; i < 8; ++i) {
      Step& step = steps[8 * ri + i];
      step.dq = static_cast<uint8_t>(kTurn[i + 1] - kTurn[i]);
      step.dc = static_cast<uint8_t>(r * kTurn[i + 1] / 30 - r * kTurn[i] / 30);
      step.keep_mask = static_cast<uint8_t>(~(1u << kBitOfResidue[r * kTurn[i] % 30]));
      step.next = static_cast<uint8_t>(8 * ri + (i + 1) % 8);
    }
  }
  return steps;
}
inline constexpr std::array<Step, 64> kSteps = MakeSteps();

// The byte of p * (30k + kResidues[i]) relative to that of p * 30k is q * (kResidues[i] - 1) +
// kTurnCarry[ri][i], with ri the bit of r.
constexpr std::array<std::array<uint8_t, 8>, 8> MakeTurnCarries() {
  std::array<std::array<uint8_t, 8>, 8> carries{};
  for (uint64_t ri = 0; ri < 8; ++ri) {
    for (uint64_t i = 0; i < 8; ++i) {
      carries[ri][i] = static_cast<uint8_t>(kResidues[ri] * kResidues[i] / 30);
    }
  }
  return carries;
}
inline constexpr std::array<std::array<uint8_t, 8>, 8> kTurnCarries = MakeTurnCarries();

// Eight bytes of the sieve as a word whose bit 8k + j is bit j of byte k.
inline uint64_t LoadWord(const uint8_t* bytes) {
  uint64_t word;
  std::memcpy(&word, bytes, 8);
  if constexpr (std::endian::native == std::endian::big) word = __builtin_bswap64(word);
  return word;
}

}  // namespace potluck::primes::wheel
