#include "ingest/connection_admission.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace stayaway::ingest {
namespace {

ConnectionLimits Limits(std::size_t max_connections, std::size_t max_unauthenticated,
                        std::size_t per_address) {
  ConnectionLimits limits;
  limits.max_connections = max_connections;
  limits.max_unauthenticated = max_unauthenticated;
  limits.max_unauthenticated_per_address = per_address;
  return limits;
}

TEST(ConnectionAdmission, ANewConnectionFromABusyAddressEvictsTheOldestFromThatAddress) {
  ConnectionAdmission admission(Limits(100, 100, 2));
  EXPECT_TRUE(admission.Admit(1, "192.0.2.1").admitted);
  EXPECT_TRUE(admission.Admit(2, "192.0.2.9").admitted);
  EXPECT_TRUE(admission.Admit(3, "192.0.2.1").admitted);
  const auto decision = admission.Admit(4, "192.0.2.1");
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.evicted, std::vector<uint64_t>{1});  // not 2: another address
  EXPECT_EQ(admission.open(), 3u);
}

TEST(ConnectionAdmission, AnIpv6ClientCountsAsItsSlash64AndAMappedIpv4AsItsIpv4) {
  EXPECT_EQ(ClientAddressGroup("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ClientAddressGroup("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(ClientAddressGroup("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(ClientAddressGroup("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(ClientAddressGroup("not an address"), "not an address");

  // Two addresses of one /64 share the per-address limit; another /64 does not.
  ConnectionAdmission admission(Limits(100, 100, 2));
  EXPECT_TRUE(admission.Admit(1, "2001:db8:1:2::1").admitted);
  EXPECT_TRUE(admission.Admit(2, "2001:db8:1:3::1").admitted);
  EXPECT_TRUE(admission.Admit(3, "2001:db8:1:2::2").admitted);
  const auto decision = admission.Admit(4, "2001:db8:1:2:ffff::9");
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.evicted, std::vector<uint64_t>{1});  // not 2: another /64
  // A mapped IPv4 address and the plain one are one client.
  EXPECT_TRUE(admission.Admit(5, "::ffff:192.0.2.1").admitted);
  EXPECT_TRUE(admission.Admit(6, "192.0.2.1").admitted);
  EXPECT_EQ(admission.Admit(7, "192.0.2.1").evicted, std::vector<uint64_t>{5});
}

TEST(ConnectionAdmission, UnauthenticatedConnectionsBeyondTheTotalEvictTheOldest) {
  ConnectionAdmission admission(Limits(100, 3, 100));
  for (uint64_t id = 1; id <= 3; ++id) {
    EXPECT_TRUE(admission.Admit(id, "198.51.100." + std::to_string(id)).admitted);
  }
  const auto decision = admission.Admit(4, "198.51.100.4");
  EXPECT_TRUE(decision.admitted);
  EXPECT_EQ(decision.evicted, std::vector<uint64_t>{1});
  EXPECT_EQ(admission.unauthenticated(), 3u);
}

TEST(ConnectionAdmission, AuthenticatedConnectionsAreNeverEvictedAndKeepTheirPlace) {
  ConnectionAdmission admission(Limits(3, 100, 100));
  ASSERT_TRUE(admission.Admit(1, "127.0.0.1").admitted);
  ASSERT_TRUE(admission.MarkAuthenticated(1));
  // An attacker on the same address opens many idle connections: each new one takes the
  // place of his oldest, never of the authenticated client's.
  for (uint64_t id = 2; id < 50; ++id) {
    const auto decision = admission.Admit(id, "127.0.0.1");
    EXPECT_TRUE(decision.admitted);
    for (uint64_t evicted : decision.evicted) EXPECT_NE(evicted, 1u);
  }
  EXPECT_EQ(admission.open(), 3u);
  // A real client arriving now gets in, and once authenticated stays.
  ASSERT_TRUE(admission.Admit(50, "127.0.0.1").admitted);
  EXPECT_TRUE(admission.MarkAuthenticated(50));
  EXPECT_EQ(admission.unauthenticated(), 1u);
}

TEST(ConnectionAdmission, ANewConnectionIsRefusedOnlyWhenEveryOpenOneIsAuthenticated) {
  ConnectionAdmission admission(Limits(2, 10, 10));
  ASSERT_TRUE(admission.Admit(1, "a").admitted);
  ASSERT_TRUE(admission.Admit(2, "b").admitted);
  ASSERT_TRUE(admission.MarkAuthenticated(1));
  ASSERT_TRUE(admission.MarkAuthenticated(2));
  const auto decision = admission.Admit(3, "c");
  EXPECT_FALSE(decision.admitted);
  EXPECT_TRUE(decision.evicted.empty());
  admission.Remove(2);
  EXPECT_TRUE(admission.Admit(4, "c").admitted);
}

TEST(ConnectionAdmission, AnEvictedConnectionCannotAuthenticateAfterwards) {
  ConnectionAdmission admission(Limits(10, 10, 1));
  ASSERT_TRUE(admission.Admit(1, "a").admitted);
  ASSERT_EQ(admission.Admit(2, "a").evicted, std::vector<uint64_t>{1});
  EXPECT_FALSE(admission.MarkAuthenticated(1));
  EXPECT_TRUE(admission.MarkAuthenticated(2));
  admission.Remove(1);  // its close still reports it: harmless
  admission.Remove(2);
  admission.Remove(2);
  EXPECT_EQ(admission.open(), 0u);
}

TEST(ConnectionAdmission, RunningOutOfDescriptorsEvictsTheOldestUnauthenticated) {
  ConnectionAdmission admission(Limits(10, 10, 10));
  ASSERT_TRUE(admission.Admit(1, "a").admitted);
  ASSERT_TRUE(admission.MarkAuthenticated(1));
  ASSERT_TRUE(admission.Admit(2, "a").admitted);
  ASSERT_TRUE(admission.Admit(3, "b").admitted);
  EXPECT_EQ(admission.EvictOldestUnauthenticated(), 2u);
  EXPECT_EQ(admission.EvictOldestUnauthenticated(), 3u);
  EXPECT_EQ(admission.EvictOldestUnauthenticated(), std::nullopt);
  EXPECT_EQ(admission.open(), 1u);
}

}  // namespace
}  // namespace stayaway::ingest
