#include "access/device_key_store.h"
#include "base/json_quote.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <utility>

#include "base/file_io.h"

namespace stayaway::access {
namespace {


}  // namespace

StatusOr<DeviceKeys> ParseDeviceKeysJson(std::string_view json, std::string_view origin) {
  const std::string where(origin);
  google::protobuf::Struct object;
  // The parser's own message quotes the text around the fault, which may be a key.
  if (!google::protobuf::util::JsonStringToMessage(std::string(json), &object).ok()) {
    return InvalidArgument(where + ": not a JSON object of device id -> 64 hex digit key");
  }
  DeviceKeys keys;
  for (const auto& [device, value] : object.fields()) {
    if (device.empty()) return InvalidArgument(where + ": an empty device id");
    if (value.kind_case() != google::protobuf::Value::kStringValue) {
      return InvalidArgument(where + ": the key of device " + device + " is not a string");
    }
    StatusOr<DeviceKey> key = DeviceKeyFromHex(value.string_value());
    if (!key.ok()) {
      return InvalidArgument(where + ": device " + device + ": " + key.status().message());
    }
    keys.emplace(device, *key);
  }
  return keys;
}

std::string DeviceKeysToJson(const DeviceKeys& keys) {
  std::string out = "{";
  bool first = true;
  for (const auto& [device, key] : keys) {
    out += first ? "\n  " : ",\n  ";
    out += JsonQuote(device) + ": \"" + DeviceKeyToHex(key) + "\"";
    first = false;
  }
  out += first ? "}\n" : "\n}\n";
  return out;
}

DeviceKeyStore::DeviceKeyStore(std::string path)
    : path_(std::move(path)), keys_(std::make_shared<const DeviceKeys>()) {}

Status DeviceKeyStore::Load() {
  if (path_.empty()) return Status::Ok();
  std::lock_guard<std::mutex> writing(write_mu_);
  StatusOr<std::string> text = ReadWholeFile(path_);
  std::shared_ptr<const DeviceKeys> loaded;
  if (!text.ok()) {
    if (text.status().code() != StatusCode::kNotFound) return text.status();
    loaded = std::make_shared<const DeviceKeys>();
  } else {
    StatusOr<DeviceKeys> parsed = ParseDeviceKeysJson(*text, path_);
    if (!parsed.ok()) return parsed.status();
    loaded = std::make_shared<const DeviceKeys>(std::move(parsed).value());
  }
  own_ = *loaded;
  Publish();
  return Status::Ok();
}

std::optional<DeviceKey> DeviceKeyStore::Lookup(std::string_view device) const {
  const std::shared_ptr<const DeviceKeys> keys = Snapshot();
  auto it = keys->find(device);
  if (it == keys->end()) return std::nullopt;
  return it->second;
}

std::shared_ptr<const DeviceKeys> DeviceKeyStore::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  return keys_;
}

std::vector<std::string> DeviceKeyStore::List() const {
  const std::shared_ptr<const DeviceKeys> keys = Snapshot();
  std::vector<std::string> ids;
  ids.reserve(keys->size());
  for (const auto& [device, key] : *keys) ids.push_back(device);
  return ids;
}

Status DeviceKeyStore::Put(std::string_view device, const DeviceKey& key) {
  if (device.empty()) return InvalidArgument("a device key needs a device id");
  std::lock_guard<std::mutex> writing(write_mu_);
  DeviceKeys next = own_;
  next[std::string(device)] = key;
  return ReplaceOwn(std::move(next));
}

Status DeviceKeyStore::Remove(std::string_view device) {
  std::lock_guard<std::mutex> writing(write_mu_);
  DeviceKeys next = own_;
  auto it = next.find(device);
  if (it == next.end()) return NotFound("device " + std::string(device) + " has no key");
  next.erase(it);
  return ReplaceOwn(std::move(next));
}

Status DeviceKeyStore::PutShared(std::string_view device, const DeviceKey& key) {
  if (device.empty()) return InvalidArgument("a device key needs a device id");
  std::lock_guard<std::mutex> writing(write_mu_);
  shared_[std::string(device)] = key;
  Publish();
  return Status::Ok();
}

Status DeviceKeyStore::RemoveShared(std::string_view device) {
  std::lock_guard<std::mutex> writing(write_mu_);
  auto it = shared_.find(device);
  if (it == shared_.end()) return NotFound("device " + std::string(device) + " has no shared key");
  shared_.erase(it);
  Publish();
  return Status::Ok();
}

bool DeviceKeyStore::HasOwn(std::string_view device) const {
  std::lock_guard<std::mutex> writing(write_mu_);
  return own_.find(device) != own_.end();
}

void DeviceKeyStore::SetSharedReady(bool ready) { shared_ready_.store(ready); }

Status DeviceKeyStore::ReplaceOwn(DeviceKeys next) {
  if (!path_.empty()) {
    if (Status s = WriteFileAtomically(path_, DeviceKeysToJson(next)); !s.ok()) return s;
  }
  own_ = std::move(next);
  Publish();
  return Status::Ok();
}

void DeviceKeyStore::Publish() {
  // The cluster's key wins: it is the one an admin set last through the API.
  auto merged = std::make_shared<DeviceKeys>(own_);
  for (const auto& [device, key] : shared_) (*merged)[device] = key;
  std::lock_guard<std::mutex> lock(mu_);
  keys_ = std::move(merged);
}

}  // namespace stayaway::access
