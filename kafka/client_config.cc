#include "kafka/client_config.h"

namespace stayaway::kafka {

StatusOr<ConfHandle> ClientConfig::Build() const {
  ConfHandle conf(rd_kafka_conf_new());
  char errstr[512];
  for (const auto& [name, value] : properties) {
    if (rd_kafka_conf_set(conf.get(), name.c_str(), value.c_str(), errstr, sizeof(errstr)) !=
        RD_KAFKA_CONF_OK) {
      return InvalidArgument("kafka: " + name + "=" + value + ": " + errstr);
    }
  }
  return conf;
}

}  // namespace stayaway::kafka
