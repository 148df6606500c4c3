// ClientConfig: the librdkafka configuration properties of one client (producer,
// consumer or admin), as name/value pairs in the order they are set, turned into an
// rd_kafka_conf_t with every property checked: an unknown name or a bad value is an
// InvalidArgument naming it ("kafka: acks=most: Invalid value ..."), never ignored.
// Property names are librdkafka's (CONFIGURATION.md of librdkafka); later settings of the
// same name win. A plain value; thread-compatible.
#ifndef STAYAWAY_KAFKA_CLIENT_CONFIG_H_
#define STAYAWAY_KAFKA_CLIENT_CONFIG_H_

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "kafka/handles.h"

namespace stayaway::kafka {

struct ClientConfig {
  std::vector<std::pair<std::string, std::string>> properties;

  ClientConfig& Set(std::string name, std::string value) {
    properties.emplace_back(std::move(name), std::move(value));
    return *this;
  }

  // A new rd_kafka_conf_t with every property set, or the first one librdkafka refused.
  // Its log lines go to the sink of client_log.h when one is set.
  StatusOr<ConfHandle> Build() const;
};

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_CLIENT_CONFIG_H_
