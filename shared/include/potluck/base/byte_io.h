// Little-endian writing and bounds-checked reading of fixed-width fields: workload results and
// kernel checkpoints.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>

#include "potluck/base/bytes.h"

namespace potluck {

// Appends fixed-width little-endian fields to `out`, independent of the host's byte order.
class ByteWriter {
 public:
  explicit ByteWriter(Bytes& out) : out_(out) {}
  void U32(uint32_t v) { Put(v, 4); }
  void U64(uint64_t v) { Put(v, 8); }
  void I64(int64_t v) { Put(static_cast<uint64_t>(v), 8); }
  void F64(double v) { Put(std::bit_cast<uint64_t>(v), 8); }
  void Raw(std::span<const uint8_t> bytes) { out_.insert(out_.end(), bytes.begin(), bytes.end()); }

 private:
  void Put(uint64_t v, int width) {
    for (int i = 0; i < width; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
  }
  Bytes& out_;
};

// Reads the fields ByteWriter wrote. A read past the end returns 0 and sets failed(), so a
// decoder reads everything and checks once.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}
  uint32_t U32() { return static_cast<uint32_t>(Get(4)); }
  uint64_t U64() { return Get(8); }
  int64_t I64() { return static_cast<int64_t>(Get(8)); }
  double F64() { return std::bit_cast<double>(Get(8)); }
  std::span<const uint8_t> Raw(size_t size) {
    if (failed_ || bytes_.size() - offset_ < size) {
      failed_ = true;
      return {};
    }
    offset_ += size;
    return bytes_.subspan(offset_ - size, size);
  }
  size_t remaining() const { return bytes_.size() - offset_; }
  bool failed() const { return failed_; }

 private:
  uint64_t Get(int width) {
    const std::span<const uint8_t> field = Raw(static_cast<size_t>(width));
    uint64_t v = 0;
    for (size_t i = 0; i < field.size(); ++i) v |= uint64_t{field[i]} << (8 * i);
    return v;
  }
  std::span<const uint8_t> bytes_;
  size_t offset_ = 0;
  bool failed_ = false;
};

}  // namespace potluck
