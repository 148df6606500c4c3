// Which GLIBC_TUNABLES a program runs again with (huge_page_heap.h). That stayawayd really
// runs with it is tested on the real daemon (tests/huge_pages_test.cc).
#include "base/huge_page_heap.h"

#include <gtest/gtest.h>

namespace stayaway {
namespace {

TEST(HugePageTunables, AreAddedWhenNotSet) {
  EXPECT_EQ(HugePageTunables(nullptr, nullptr), "glibc.malloc.hugetlb=1");
  EXPECT_EQ(HugePageTunables("", nullptr), "glibc.malloc.hugetlb=1");
}

TEST(HugePageTunables, KeepTheOtherTunablesThere) {
  EXPECT_EQ(HugePageTunables("glibc.malloc.arena_max=2", nullptr),
            "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
}

TEST(HugePageTunables, LeaveAnOperatorsChoiceAlone) {
  EXPECT_EQ(HugePageTunables("glibc.malloc.hugetlb=0", nullptr), std::nullopt);
  EXPECT_EQ(HugePageTunables("glibc.malloc.hugetlb=1", nullptr), std::nullopt);
  EXPECT_EQ(HugePageTunables("glibc.malloc.arena_max=2:glibc.malloc.hugetlb=2", nullptr),
            std::nullopt);
}

TEST(HugePageTunables, AreNotAddedWhenTurnedOff) {
  EXPECT_EQ(HugePageTunables(nullptr, "0"), std::nullopt);
  EXPECT_EQ(HugePageTunables(nullptr, "1"), "glibc.malloc.hugetlb=1");
}

}  // namespace
}  // namespace stayaway
