// Fuzzes the OwnTracks decoder as MQTT messages (the device from the topic) and as the
// app's HTTP mode (the device from the payload's own topic).
#include <cstdint>
#include <string_view>

#include "ingest/owntracks_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)stayaway::ingest::ParseOwnTracks(text, "phone-2");
  (void)stayaway::ingest::ParseOwnTracks(text, "");
  (void)stayaway::ingest::OwnTracksTopicDevice(text);
  return 0;
}
