#include "kafka/client_config.h"

#include "kafka/client_log.h"

namespace stayaway::kafka {
namespace {

void ToSink(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (const ClientLogSink* sink = ClientLogSinkOrNull(); sink != nullptr) {
    (*sink)(level, facility, message);
  }
}

}  // namespace

StatusOr<ConfHandle> ClientConfig::Build() const {
  ConfHandle conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      return InvalidArgument("kafka: " + name + "=" + value + ": " + errstr);
    }
  }
  if (ClientLogSinkOrNull() != nullptr) rd_kafka_conf_set_log_cb(conf.get(), &ToSink);
  return conf;
}

}  // namespace stayaway::kafka
