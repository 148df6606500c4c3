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
// Thread-safety: thread-safe. Readers (Lookup, Snapshot, List; the io threads, once per
// batch) never wait for the disk: writers (Put, Remove; rare, the admin API) build a new
// table, write the file, then swap the table in under a short lock.
#ifndef STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_
#define STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_

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
  // Removes the key of `device`; NotFound when it has none. Written like Put.
  Status Remove(std::string_view device);

 private:
  // Writes `next` to the file (when there is one), then makes it current.
  Status Replace(std::shared_ptr<const DeviceKeys> next);

  const std::string path_;
  std::mutex write_mu_;  // one writer at a time: read, change, write, swap
  mutable std::mutex mu_;
  std::shared_ptr<const DeviceKeys> keys_;  // guarded by mu_; never null
};

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_DEVICE_KEY_STORE_H_
