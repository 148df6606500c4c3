#include "kafka/consumed_message.h"

#include <librdkafka/rdkafka.h>

namespace stayaway::kafka {

std::optional<std::string_view> ConsumedMessage::Header(std::string_view name) const {
  for (const MessageHeader& header : headers) {
    if (header.first == name) return std::string_view(header.second);
  }
  return std::nullopt;
}

ConsumedMessage CopyMessage(const rd_kafka_message_t& message) {
  ConsumedMessage out;
  out.topic = rd_kafka_topic_name(message.rkt);
  out.partition = message.partition;
  out.offset = message.offset;
  if (message.key != nullptr) {
    out.key.assign(static_cast<const char*>(message.key), message.key_len);
  }
  if (message.payload != nullptr) {
    out.value.assign(static_cast<const char*>(message.payload), message.len);
  }
  rd_kafka_timestamp_type_t type;
  const int64_t timestamp = rd_kafka_message_timestamp(&message, &type);
  out.timestamp_ms = type == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? -1 : timestamp;
  rd_kafka_headers_t* headers = nullptr;
  // The headers stay owned by the message; a message without any answers NOENT.
  if (rd_kafka_message_headers(&message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    const char* name = nullptr;
    const void* value = nullptr;
    size_t size = 0;
    for (size_t i = 0;
         rd_kafka_header_get_all(headers, i, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR;
         ++i) {
      out.headers.emplace_back(name, value == nullptr
                                         ? std::string()
                                         : std::string(static_cast<const char*>(value), size));
    }
  }
  return out;
}

}  // namespace stayaway::kafka
