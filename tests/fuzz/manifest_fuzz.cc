// Any bytes as a signed manifest and as a bare manifest: refused cleanly or opened.
#include "potluck/core/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  potluck::Bytes bytes(data, data + size);
  (void)potluck::OpenManifest(bytes);
  auto manifest = potluck::DecodeManifest(bytes);
  // What decodes is canonical: encoding it gives the same bytes back.
  if (manifest.ok()) POTLUCK_CHECK(potluck::EncodeManifest(manifest.value()) == bytes);
  return 0;
}
