// DeviceKeyBroadcast: how a device key set or removed on one instance reaches the others
// (Kafka mode: daemon/kafka_device_keys.h). Keys are secrets and not inputs (not
// evidence), so they go around the shared input log, through a channel of their own.
//
// The core calls Announce before it holds a key set through its API, and Withdraw before
// it drops one: a failure changes nothing and answers the error, so an admin told "set"
// or "removed" knows every instance that reaches the cluster will do the same. Otherwise
// a key rotated on one instance would leave another refusing the device's new signatures.
// Thread-safety: both from any thread at once.
#ifndef STAYAWAY_DAEMON_DEVICE_KEY_BROADCAST_H_
#define STAYAWAY_DAEMON_DEVICE_KEY_BROADCAST_H_

#include <string_view>

#include "access/fix_mac.h"
#include "base/status.h"

namespace stayaway::daemon {

class DeviceKeyBroadcast {
 public:
  virtual ~DeviceKeyBroadcast() = default;
  // `device` signs with `key` from now on; ok once every instance will have it.
  virtual Status Announce(std::string_view device, const access::DeviceKey& key) = 0;
  // `device` has no key any more; ok once every instance will drop it.
  virtual Status Withdraw(std::string_view device) = 0;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_DEVICE_KEY_BROADCAST_H_
