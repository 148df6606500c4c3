// DeviceKeyStore: the centre's table of device id -> device key (access/fix_mac.h), kept
// in memory and, in the daemon, in DATA_DIR/device_keys.json.
//
// The file is a JSON object mapping each device id to its key as 64 hex digits:
//
//   {
//     "phone-2": "7d0c...64 hex digits...",
//     "tag-1": "1f9a..."
//   }
//
// the same format `stayaway feed --device-keys FILE` reads. Every change rewrites the
// whole file atomically (a crash leaves the old file or the new one) with mode 0600: the
// keys are secrets. Generate a key with `openssl rand -hex 32`.
//
// Kafka mode (docs/kafka.md): the keys an admin sets or removes through any instance's API
// are the cluster's (daemon/kafka_device_keys.h), held here in memory only (PutShared,
// RemoveShared) beside the file's, which stay this instance's own (an installer's
// provisioning). A device with both is checked against the cluster's key, the one an
// admin set last. Until SetSharedReady(true) (the cluster's record read to its end since
// start) the store is not ready: the core then takes no fix, since it cannot yet tell a
// keyed device's forged fix from a genuine one.
//
// Thread-safety: thread-safe. Readers (Lookup, Snapshot, List; the io threads, once per
// batch) never wait for the disk: writers (Put, Remove, PutShared, RemoveShared; rare,
// the admin API and the cluster) build a new table, write the file, then swap the table
// in under a short lock.
#ifndef STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_
#define STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access/fix_mac.h"
#include "base/status.h"

namespace stayaway::access {

using DeviceKeys = std::map<std::string, DeviceKey, std::less<>>;

// Parses the file format above. InvalidArgument naming `origin` (a file name) and what is
// wrong: not a JSON object, a value that is not a string, a key that is not 64 hex digits
// (the message names the device, never the text of the key), an empty device id.
StatusOr<DeviceKeys> ParseDeviceKeysJson(std::string_view json, std::string_view origin);
// The file format above: one device per line, sorted by id.
std::string DeviceKeysToJson(const DeviceKeys& keys);

class DeviceKeyStore {
 public:
  // A store of `path`; empty: kept in memory only (tests). Nothing is read until Load.
  explicit DeviceKeyStore(std::string path = "");
  DeviceKeyStore(const DeviceKeyStore&) = delete;
  DeviceKeyStore& operator=(const DeviceKeyStore&) = delete;

  // Reads the file, replacing what the store holds. A missing file is an empty store (it
  // is created by the first Put). A damaged file fails with the file named and changes
  // nothing.
  Status Load();

  // The key of `device`; nullopt when it has none.
  std::optional<DeviceKey> Lookup(std::string_view device) const;
  // Every key at once, for looking up a whole batch with one lock. Never null; the table
  // it points to never changes (a later Put makes a new one).
  std::shared_ptr<const DeviceKeys> Snapshot() const;
  // The ids of the devices that have a key, sorted; never the keys.
  std::vector<std::string> List() const;

  // Adds or replaces the key of `device` (InvalidArgument for an empty id). The file is
  // written before the store changes: on a write error nothing changes and the error is
  // returned.
  Status Put(std::string_view device, const DeviceKey& key);
  // Removes the file's key of `device`; NotFound when it has none. Written like Put.
  Status Remove(std::string_view device);
  // Whether the file holds a key of `device`.
  bool HasOwn(std::string_view device) const;

  // The cluster's key of `device`, in memory only: added or replaced, and removed
  // (NotFound when the cluster gave it none).
  Status PutShared(std::string_view device, const DeviceKey& key);
  Status RemoveShared(std::string_view device);
  // Whether the cluster's keys are known (always, outside Kafka mode).
  bool SharedReady() const { return shared_ready_.load(); }
  void SetSharedReady(bool ready);

 private:
  // Writes `next` to the file (when there is one), then makes it the file's table.
  Status ReplaceOwn(DeviceKeys next);
  // Makes the file's and the cluster's keys the current table. Holds write_mu_.
  void Publish();

  const std::string path_;
  mutable std::mutex write_mu_;  // one writer at a time: read, change, write, swap
  DeviceKeys own_;               // the file's; guarded by write_mu_
  DeviceKeys shared_;            // the cluster's; guarded by write_mu_
  std::atomic<bool> shared_ready_{true};
  mutable std::mutex mu_;
  std::shared_ptr<const DeviceKeys> keys_;  // both, guarded by mu_; never null
};

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_
