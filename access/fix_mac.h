// FixMac: the message authentication code a device puts on each fix it reports, so the
// centre can tell a fix the device made from one a compromised gateway forged or an
// eavesdropper replayed. Start reading here for device authenticity.
//
// A device the centre holds a key for (32 random bytes shared by the device and the
// centre, kept in DeviceKeyStore) signs every fix it reports:
//
//   Fix.mac = HMAC-SHA256(key, FixMacInput(fix))       32 bytes
//
// The daemon recomputes the MAC when the fix arrives and refuses a keyed device's fix
// whose MAC is missing or wrong (daemon/core.h); devices without a key are unaffected.
// The MAC is journaled with the fix, so evidence shows which fixes the device signed.
//
// ## The signed bytes, version 1 (for device makers)
//
// FixMacInput(fix) is the concatenation of these fields, in this order. Integers are
// unsigned big endian unless marked signed (two's complement, big endian). f64 is the
// IEEE 754 binary64 bit pattern of the double, big endian: the device must send exactly
// the double it signed (0.0 and -0.0 differ; JSON senders print enough digits, 17
// significant, for the value to parse back to the same double).
//
//   field         bytes               what
//   domain        15                  the ASCII text "stayaway/fix/v1" (no terminator)
//   device        4 + n               u32 n, then Fix.device's n UTF-8 bytes
//   seq           8                   u64 Fix.seq
//   time          1 (+ 8)             u8 1 then signed i64 milliseconds since the Unix epoch
//                                     (sub-millisecond digits truncated towards the past,
//                                     as the engine reads it); u8 0 alone when time is absent
//   lat           8                   f64 Fix.lat, degrees
//   lon           8                   f64 Fix.lon, degrees
//   accuracy_m    8                   f64 Fix.accuracy_m, metres
//   source        4                   u32 Fix.source enum value (0 unspecified, 1 gnss,
//                                     2 wifi, 3 cell)
//   speed_mps     1 (+ 8)             u8 1 then f64 when present; u8 0 alone when absent
//   heading_deg   1 (+ 8)             the same
//   battery_pct   1 (+ 8)             the same
//   flags         4 + 4 k             u32 k, then each Fix.flags enum value as u32, in the
//                                     order sent
//   no_position   1                   u8 1 when set, else 0
//
// Example: device "tag-1", seq 7, time 2025-03-10T10:00:00Z, lat 42.87, lon 74.59,
// accuracy 5, source gnss, battery 80 and no other optional field, no flags: the text
// "stayaway/fix/v1", 00 00 00 05 "tag-1", 00..07, 01 00 00 01 95 7f 7f 3d 00, the three
// doubles, 00 00 00 01, 00, 00, 01 40 54 00 00 00 00 00 00, 00 00 00 00, 00.
//
// Not covered: `received` (the centre stamps it on arrival, overwriting whatever was
// sent) and `mac` itself. Every other field of Fix is covered; a field added to Fix later
// that changes what the engine concludes must come with a new version of this layout.
//
// Thread-safety: pure functions, safe from any thread.
#ifndef STAYAWAY_ACCESS_FIX_MAC_H_
#define STAYAWAY_ACCESS_FIX_MAC_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/sha256.h"
#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::access {

inline constexpr size_t kDeviceKeyBytes = 32;
inline constexpr size_t kFixMacBytes = kSha256Bytes;  // HMAC-SHA256

// A device's secret key. Never logged, never listed, never sent back.
using DeviceKey = std::array<uint8_t, kDeviceKeyBytes>;

// A key from 64 hex digits (either case), as key files and the admin API carry it.
// InvalidArgument otherwise; the message never repeats the text (it may be a key).
StatusOr<DeviceKey> DeviceKeyFromHex(std::string_view hex);
// 64 lower-case hex digits.
std::string DeviceKeyToHex(const DeviceKey& key);

// The bytes a device signs (the table above).
std::string FixMacInput(const v1::Fix& fix);

// HMAC-SHA256(key, FixMacInput(fix)) (base/hmac_sha256.h): 32 bytes.
std::string ComputeFixMac(const v1::Fix& fix, const DeviceKey& key);

// Sets fix->mac to ComputeFixMac (what a device, or a tool standing in for one, does).
void SignFix(v1::Fix* fix, const DeviceKey& key);

// Ok when fix.mac is the fix's MAC under `key`, compared in constant time. Otherwise
// InvalidArgument saying what is wrong: no mac, a mac of the wrong length, or a mac that
// does not match (a wrong key or a changed field, which cannot be told apart).
Status VerifyFixMac(const v1::Fix& fix, const DeviceKey& key);

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_FIX_MAC_H_
