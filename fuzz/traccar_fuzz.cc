// Fuzzes the Traccar position-forwarding decoder.
#include <cstdint>
#include <string_view>

#include "ingest/traccar_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)stayaway::ingest::ParseTraccarForward(
      std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
