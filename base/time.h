// Time as the engine sees it: milliseconds since the Unix epoch (UTC), as int64.
// Conversions to and from google.protobuf.Timestamp and RFC 3339 text. Pure functions,
// thread-safe.
#ifndef STAYAWAY_BASE_TIME_H_
#define STAYAWAY_BASE_TIME_H_

#include <cstdint>
#include <string>

namespace google::protobuf {
class Timestamp;
}

namespace stayaway {

using TimeMs = int64_t;  // milliseconds since 1970-01-01T00:00:00Z

// Sub-millisecond digits are truncated towards the past.
TimeMs TimestampToMs(const google::protobuf::Timestamp& ts);
void MsToTimestamp(TimeMs ms, google::protobuf::Timestamp* ts);
// "2025-03-01T10:00:00Z", or with ".250" milliseconds when not whole seconds.
std::string FormatRfc3339(TimeMs ms);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_TIME_H_
