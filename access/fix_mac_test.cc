#include "access/fix_mac.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "base/time.h"

namespace stayaway::access {
namespace {

std::string Hex(std::string_view bytes) { return HexEncode(bytes); }

DeviceKey KeyCounting() {
  DeviceKey key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i);
  return key;
}

// The example of fix_mac.h.
v1::Fix ExampleFix() {
  v1::Fix fix;
  fix.set_device("tag-1");
  fix.set_seq(7);
  MsToTimestamp(1741600800000, fix.mutable_time());  // 2025-03-10T10:00:00Z
  fix.set_lat(42.87);
  fix.set_lon(74.59);
  fix.set_accuracy_m(5);
  fix.set_source(v1::Fix::gnss);
  fix.set_battery_pct(80);
  return fix;
}

// The bytes and the MAC were computed independently (Python's struct and hmac modules
// following the table in fix_mac.h), so a device maker can check an implementation
// against them too.
TEST(FixMac, SignedBytesAndMacOfTheDocumentedExample) {
  // clang-format off
  EXPECT_EQ(Hex(FixMacInput(ExampleFix())),
            "73746179617761792f6669782f7631"  // "stayaway/fix/v1"
            "00000005" "7461672d31"           // device "tag-1"
            "0000000000000007"                // seq
            "01" "000001957f7f3d00"           // time present, ms
            "40456f5c28f5c28f" "4052a5c28f5c28f6" "4014000000000000"  // lat, lon, accuracy
            "00000001"                        // source gnss
            "00" "00" "01" "4054000000000000"  // speed, heading absent; battery 80
            "00000000"                        // no flags
            "00");                            // no_position false
  // clang-format on
  EXPECT_EQ(Hex(ComputeFixMac(ExampleFix(), KeyCounting())),
            "938083dee33d6c5c154dabbfd2d3af56bb717b17c8f1c9fbda96b52b2d839c66");
}

TEST(FixMac, ASignedFixVerifiesAndTheReceivedStampIsNotCovered) {
  v1::Fix fix = ExampleFix();
  SignFix(&fix, KeyCounting());
  EXPECT_TRUE(VerifyFixMac(fix, KeyCounting()).ok());
  // The centre stamps `received` itself on arrival.
  MsToTimestamp(1741600805000, fix.mutable_received());
  EXPECT_TRUE(VerifyFixMac(fix, KeyCounting()).ok());
}

TEST(FixMac, MissingShortOrWrongMacsAndWrongKeysAreRefusedSayingWhich) {
  v1::Fix fix = ExampleFix();
  Status missing = VerifyFixMac(fix, KeyCounting());
  EXPECT_EQ(missing.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.message().find("no mac"), std::string::npos) << missing.message();

  SignFix(&fix, KeyCounting());
  v1::Fix truncated = fix;
  truncated.mutable_mac()->pop_back();
  Status short_mac = VerifyFixMac(truncated, KeyCounting());
  EXPECT_NE(short_mac.message().find("31 bytes"), std::string::npos) << short_mac.message();

  v1::Fix flipped = fix;
  (*flipped.mutable_mac())[31] ^= 1;
  EXPECT_NE(VerifyFixMac(flipped, KeyCounting()).message().find("does not match"),
            std::string::npos);

  DeviceKey other = KeyCounting();
  other[0] ^= 0x80;
  EXPECT_FALSE(VerifyFixMac(fix, other).ok());
}

// Every field the engine reads is covered: changing any one of them, on random fixes from
// a fixed seed, breaks the MAC.
TEST(FixMac, ChangingAnyCoveredFieldBreaksTheMac) {
  using Mutation = std::pair<const char*, std::function<void(v1::Fix*)>>;
  const std::vector<Mutation> mutations = {
      {"device", [](v1::Fix* f) { f->mutable_device()->push_back('x'); }},
      {"device split", [](v1::Fix* f) { f->set_device(f->device() + '\0'); }},
      {"seq", [](v1::Fix* f) { f->set_seq(f->seq() + 1); }},
      {"time +1 ms",
       [](v1::Fix* f) { MsToTimestamp(TimestampToMs(f->time()) + 1, f->mutable_time()); }},
      {"time removed", [](v1::Fix* f) { f->clear_time(); }},
      {"lat", [](v1::Fix* f) { f->set_lat(std::nextafter(f->lat(), 91.0)); }},
      {"lon", [](v1::Fix* f) { f->set_lon(std::nextafter(f->lon(), 181.0)); }},
      {"accuracy_m", [](v1::Fix* f) { f->set_accuracy_m(f->accuracy_m() + 0.5); }},
      {"source",
       [](v1::Fix* f) {
         f->set_source(f->source() == v1::Fix::cell ? v1::Fix::gnss : v1::Fix::cell);
       }},
      {"speed_mps",
       [](v1::Fix* f) {
         if (f->has_speed_mps())
           f->clear_speed_mps();
         else
           f->set_speed_mps(0);
       }},
      {"heading_deg",
       [](v1::Fix* f) {
         if (f->has_heading_deg())
           f->set_heading_deg(f->heading_deg() + 1);
         else
           f->set_heading_deg(0);
       }},
      {"battery_pct",
       [](v1::Fix* f) {
         if (f->has_battery_pct())
           f->clear_battery_pct();
         else
           f->set_battery_pct(0);
       }},
      {"flag added", [](v1::Fix* f) { f->add_flags(v1::Fix::strap_open); }},
      {"flags reordered",
       [](v1::Fix* f) {
         f->add_flags(v1::Fix::sos);
         f->add_flags(v1::Fix::case_open);
         f->mutable_flags()->SwapElements(f->flags_size() - 1, f->flags_size() - 2);
       }},
      {"no_position", [](v1::Fix* f) { f->set_no_position(!f->no_position()); }},
  };
  const uint32_t seed = 20250310;
  std::mt19937 random(seed);
  std::uniform_real_distribution<double> lat(-90, 90), lon(-180, 180), unit(0, 1);
  for (int round = 0; round < 200; ++round) {
    v1::Fix fix;
    fix.set_device("dev-" + std::to_string(random() % 1000));
    fix.set_seq(random());
    MsToTimestamp(1'700'000'000'000 + static_cast<TimeMs>(random()), fix.mutable_time());
    fix.set_lat(lat(random));
    fix.set_lon(lon(random));
    fix.set_accuracy_m(unit(random) * 100);
    fix.set_source(static_cast<v1::Fix::Source>(random() % 4));
    if (random() % 2) fix.set_speed_mps(unit(random) * 30);
    if (random() % 2) fix.set_heading_deg(unit(random) * 359);
    if (random() % 2) fix.set_battery_pct(unit(random) * 100);
    for (uint32_t n = random() % 3; n > 0; --n)
      fix.add_flags(static_cast<v1::Fix::Flag>(1 + random() % 5));
    fix.set_no_position(random() % 5 == 0);
    DeviceKey key{};
    for (uint8_t& b : key) b = static_cast<uint8_t>(random());
    SignFix(&fix, key);
    ASSERT_TRUE(VerifyFixMac(fix, key).ok());
    for (const auto& [name, mutate] : mutations) {
      v1::Fix changed = fix;
      mutate(&changed);
      EXPECT_FALSE(VerifyFixMac(changed, key).ok())
          << "changing " << name << " kept the mac valid; seed " << seed << " round " << round
          << "\n"
          << fix.ShortDebugString();
    }
  }
}

TEST(DeviceKeyHex, RoundTripsAndRefusesWithoutRepeatingTheText) {
  const DeviceKey key = KeyCounting();
  const std::string hex = DeviceKeyToHex(key);
  EXPECT_EQ(hex, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
  StatusOr<DeviceKey> upper =
      DeviceKeyFromHex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F");
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(*upper, key);

  const std::string short_text = hex.substr(0, 62);
  StatusOr<DeviceKey> too_short = DeviceKeyFromHex(short_text);
  ASSERT_FALSE(too_short.ok());
  EXPECT_NE(too_short.status().message().find("62 characters"), std::string::npos);
  EXPECT_EQ(too_short.status().message().find(short_text), std::string::npos);

  std::string bad = hex;
  bad[10] = 'g';
  StatusOr<DeviceKey> not_hex = DeviceKeyFromHex(bad);
  ASSERT_FALSE(not_hex.ok());
  EXPECT_EQ(not_hex.status().message().find(bad), std::string::npos);
}

}  // namespace
}  // namespace stayaway::access
