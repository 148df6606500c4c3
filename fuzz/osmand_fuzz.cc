// Fuzzes both OsmAnd decoders (query string or form, and the JSON of newer apps).
#include <cstdint>
#include <string_view>

#include "ingest/osmand_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)stayaway::ingest::ParseOsmAndQuery(text);
  (void)stayaway::ingest::ParseOsmAndJson(text);
  return 0;
}
