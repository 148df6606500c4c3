// Time as the engine sees it: milliseconds since the Unix epoch (UTC), as int64.
// Conversions to and from google.protobuf.Timestamp and RFC 3339 text, and the range a
// Timestamp may hold. Pure functions, thread-safe.
#ifndef STAYAWAY_BASE_TIME_H_
#define STAYAWAY_BASE_TIME_H_

#include <cstdint>
#include <string>

#include "base/status.h"

namespace google::protobuf {
class Timestamp;
}

namespace stayaway {

using TimeMs = int64_t;  // milliseconds since 1970-01-01T00:00:00Z

// The range google/protobuf/timestamp.proto defines: 0001-01-01T00:00:00Z to
// 9999-12-31T23:59:59.999999999Z, nanos in [0, 999999999]. Every time in range converts
// to TimeMs exactly, with room to spare (no overflow).
inline constexpr int64_t kMinTimestampSeconds = -62'135'596'800;  // 0001-01-01T00:00:00Z
inline constexpr int64_t kMaxTimestampSeconds = 253'402'300'799;  // 9999-12-31T23:59:59Z
inline constexpr int32_t kMaxTimestampNanos = 999'999'999;
inline constexpr TimeMs kMinTimeMs = kMinTimestampSeconds * 1000;
inline constexpr TimeMs kMaxTimeMs = kMaxTimestampSeconds * 1000 + 999;

// Ok when `ts` lies in that range. Otherwise InvalidArgument naming the field and the range,
// e.g. "nanos 2147483647 is outside [0, 999999999]". Only comparisons: call it before any
// arithmetic on a Timestamp that came from outside (ingest/recordable_input.h does, for
// everything that becomes a journal record).
Status CheckTimestampRange(const google::protobuf::Timestamp& ts);

// Exact for every Timestamp in range; sub-millisecond digits are truncated towards the
// past. Out of range (which no input path lets through) the result is the two's-complement
// wrap-around of seconds * 1000 + nanos / 10^6: what earlier releases computed, so journals
// they wrote replay as they did, now without undefined behaviour.
TimeMs TimestampToMs(const google::protobuf::Timestamp& ts);
void MsToTimestamp(TimeMs ms, google::protobuf::Timestamp* ts);
// "2025-03-01T10:00:00Z", or with ".250" milliseconds when not whole seconds. Defined for
// every TimeMs: a time outside years 0001..9999 (where RFC 3339 ends) gets an ISO 8601
// expanded year with its sign (astronomical numbering), "+10000-01-01T00:00:00Z" or
// "+0000-12-31T23:59:59.999Z", so it is never mistaken for a time RFC 3339 can write.
std::string FormatRfc3339(TimeMs ms);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_TIME_H_
