// ConsumedMessage: one message as a consumer read it (topic, partition, offset, key,
// value, timestamp, headers), copied out of librdkafka's buffers so that it outlives them.
// Thread-compatible (a plain value).
#ifndef STAYAWAY_KAFKA_CONSUMED_MESSAGE_H_
#define STAYAWAY_KAFKA_CONSUMED_MESSAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

typedef struct rd_kafka_message_s rd_kafka_message_t;

namespace stayaway::kafka {

// A message header: Kafka allows repeated names and values without text rules.
using MessageHeader = std::pair<std::string, std::string>;

struct ConsumedMessage {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0;
  std::string key;
  std::string value;
  int64_t timestamp_ms = -1;  // the message's timestamp (ms since the Unix epoch), -1: none
  std::vector<MessageHeader> headers;

  // The value of the first header called `name`; nullopt when there is none.
  std::optional<std::string_view> Header(std::string_view name) const;
};

// Copies a message librdkafka returned without error.
ConsumedMessage CopyMessage(const rd_kafka_message_t& message);

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_CONSUMED_MESSAGE_H_
