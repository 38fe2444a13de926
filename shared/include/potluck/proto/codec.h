// The one place where bytes from the network become messages. Every frame is checked
// against a maximum size and decoded with Cap'n Proto traversal and nesting limits.
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "potluck/base/status.h"
#include "potluck/proto/messages.h"

namespace potluck {

constexpr size_t kFrameBytesMax = 16 << 20;
constexpr size_t kNestingLimit = 16;

Bytes EncodeEnvelope(const Envelope& envelope);
// Corrupt if the frame is too large, malformed or violates a limit. Never throws.
Result<Envelope> DecodeEnvelope(std::span<const uint8_t> frame);

// Claims a holder stores together in one row of its database (see SqliteStore).
struct StoredClaimItem {
  LedgerPush::Entry entry;
  bool result_in_claim = false;  // entry.claim.result is the result; otherwise the results table has it
  bool replaced = false;         // a later claim of the same peer and unit took its place
};
Bytes EncodeStoredClaims(std::span<const StoredClaimItem> claims);
// Corrupt if the bytes are not claims as EncodeStoredClaims writes them. Never throws.
Result<std::vector<StoredClaimItem>> DecodeStoredClaims(std::span<const uint8_t> bytes);

}  // namespace potluck
