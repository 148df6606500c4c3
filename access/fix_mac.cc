#include "access/fix_mac.h"

#include <bit>
#include <cstring>

#include "base/hex.h"
#include "base/hmac_sha256.h"
#include "base/time.h"

namespace stayaway::access {
namespace {

constexpr std::string_view kDomain = "stayaway/fix/v1";

void PutU8(std::string* out, uint8_t v) { out->push_back(static_cast<char>(v)); }

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) PutU8(out, static_cast<uint8_t>(v >> shift));
}

void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) PutU8(out, static_cast<uint8_t>(v >> shift));
}

void PutF64(std::string* out, double v) { PutU64(out, std::bit_cast<uint64_t>(v)); }

void PutOptionalF64(std::string* out, bool present, double v) {
  PutU8(out, present ? 1 : 0);
  if (present) PutF64(out, v);
}

}  // namespace

StatusOr<DeviceKey> DeviceKeyFromHex(std::string_view hex) {
  if (hex.size() != 2 * kDeviceKeyBytes) {
    return InvalidArgument("a device key is 64 hex digits (32 bytes), not " +
                           std::to_string(hex.size()) + " characters");
  }
  DeviceKey key{};
  if (!HexDecodeInto(hex, key).ok()) return InvalidArgument("a device key holds only hex digits");
  return key;
}

std::string DeviceKeyToHex(const DeviceKey& key) { return HexEncode(key); }

std::string FixMacInput(const v1::Fix& fix) {
  std::string out;
  out.reserve(kDomain.size() + 4 + fix.device().size() + 100 + 4 * fix.flags_size());
  out.append(kDomain);
  PutU32(&out, static_cast<uint32_t>(fix.device().size()));
  out.append(fix.device());
  PutU64(&out, fix.seq());
  PutU8(&out, fix.has_time() ? 1 : 0);
  if (fix.has_time()) PutU64(&out, static_cast<uint64_t>(TimestampToMs(fix.time())));
  PutF64(&out, fix.lat());
  PutF64(&out, fix.lon());
  PutF64(&out, fix.accuracy_m());
  PutU32(&out, static_cast<uint32_t>(fix.source()));
  PutOptionalF64(&out, fix.has_speed_mps(), fix.speed_mps());
  PutOptionalF64(&out, fix.has_heading_deg(), fix.heading_deg());
  PutOptionalF64(&out, fix.has_battery_pct(), fix.battery_pct());
  PutU32(&out, static_cast<uint32_t>(fix.flags_size()));
  for (int flag : fix.flags()) PutU32(&out, static_cast<uint32_t>(flag));
  PutU8(&out, fix.no_position() ? 1 : 0);
  return out;
}

namespace {
Sha256Digest FixMac(const v1::Fix& fix, const DeviceKey& key) {
  return HmacSha256(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()),
                    FixMacInput(fix));
}
}  // namespace

std::string ComputeFixMac(const v1::Fix& fix, const DeviceKey& key) {
  const Sha256Digest mac = FixMac(fix, key);
  return std::string(reinterpret_cast<const char*>(mac.data()), mac.size());
}

void SignFix(v1::Fix* fix, const DeviceKey& key) { fix->set_mac(ComputeFixMac(*fix, key)); }

Status VerifyFixMac(const v1::Fix& fix, const DeviceKey& key) {
  if (fix.mac().empty()) return InvalidArgument("the fix has no mac");
  if (fix.mac().size() != kFixMacBytes) {
    return InvalidArgument("the mac is " + std::to_string(fix.mac().size()) + " bytes, not " +
                           std::to_string(kFixMacBytes));
  }
  if (!MacsEqual(FixMac(fix, key), fix.mac())) {
    return InvalidArgument("the mac does not match the fix");
  }
  return Status::Ok();
}

}  // namespace stayaway::access
