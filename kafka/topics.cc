#include "kafka/topics.h"

#include <string>

namespace stayaway::kafka {

TopicNames TopicNames::WithPrefix(std::string_view prefix) {
  const std::string p(prefix);
  TopicNames names;
  names.fixes = p + "fixes";
  names.events = p + "events";
  names.input = p + "input";
  names.leader = p + "leader";
  names.credentials = p + "credentials";
  names.device_keys = p + "device-keys";
  names.snapshots = p + "snapshots";
  return names;
}

Status CheckTopicPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 200) {
    return InvalidArgument("a topic prefix is 1 to 200 characters long");
  }
  for (const char c : prefix) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) {
      return InvalidArgument("a topic prefix takes only letters, digits, '.', '_' and '-': \"" +
                             std::string(prefix) + "\"");
    }
  }
  return Status::Ok();
}

}  // namespace stayaway::kafka
