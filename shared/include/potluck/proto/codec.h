// The one place where bytes from the network become messages. Every frame is checked
// against a maximum size and decoded with Cap'n Proto traversal and nesting limits.
#pragma once

#include <cstddef>
#include <span>

#include "potluck/base/status.h"
#include "potluck/proto/messages.h"

namespace potluck {

constexpr size_t kFrameBytesMax = 16 << 20;
constexpr size_t kNestingLimit = 16;

Bytes EncodeEnvelope(const Envelope& envelope);
// Corrupt if the frame is too large, malformed or violates a limit. Never throws.
Result<Envelope> DecodeEnvelope(std::span<const uint8_t> frame);

}  // namespace potluck
