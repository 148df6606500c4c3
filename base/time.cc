#include "base/time.h"

#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>

namespace stayaway {

TimeMs TimestampToMs(const google::protobuf::Timestamp& ts) {
  // Floor division keeps times before 1970 ordered correctly.
  return ts.seconds() * 1000 + ts.nanos() / 1000000;
}

void MsToTimestamp(TimeMs ms, google::protobuf::Timestamp* ts) {
  int64_t seconds = ms / 1000;
  int64_t rem = ms % 1000;
  if (rem < 0) {
    rem += 1000;
    seconds -= 1;
  }
  ts->set_seconds(seconds);
  ts->set_nanos(static_cast<int32_t>(rem * 1000000));
}

std::string FormatRfc3339(TimeMs ms) {
  google::protobuf::Timestamp ts;
  MsToTimestamp(ms, &ts);
  return google::protobuf::util::TimeUtil::ToString(ts);
}

}  // namespace stayaway
