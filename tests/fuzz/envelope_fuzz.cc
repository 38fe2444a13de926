// Any bytes through the one network decoder: it returns, and what it accepts encodes and
// decodes again to the same message.
#include "potluck/proto/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto envelope = potluck::DecodeEnvelope({data, size});
  if (!envelope.ok()) return 0;
  potluck::Bytes again = potluck::EncodeEnvelope(envelope.value());
  auto decoded = potluck::DecodeEnvelope(again);
  POTLUCK_CHECK(decoded.ok());
  POTLUCK_CHECK(potluck::EncodeEnvelope(decoded.value()) == again);
  return 0;
}
