#include "engine/id_index.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace stayaway::engine {
namespace {

TEST(IdIndex, MatchesUnorderedMapThroughGrowth) {
  const unsigned seed = 4242;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  IdIndex index;
  std::vector<std::string> ids;  // the caller's table: the id at each index
  auto id_at = [&ids](uint32_t i) -> const std::string& { return ids.at(i); };
  std::unordered_map<std::string, uint32_t> oracle;
  for (uint32_t i = 0; i < 50000; ++i) {
    // Many near-identical ids, as device fleets have, plus some long ones.
    const std::string id = (rng() % 2 ? "tag-" : "phone-with-a-long-device-name-") +
                           std::to_string(rng() % 60000);
    const auto [value, inserted] = index.Insert(id, static_cast<uint32_t>(ids.size()), id_at);
    if (inserted) ids.push_back(id);
    const auto [it, oracle_inserted] = oracle.emplace(id, static_cast<uint32_t>(oracle.size()));
    ASSERT_EQ(inserted, oracle_inserted) << id;
    ASSERT_EQ(value, it->second) << id;
  }
  EXPECT_EQ(index.size(), oracle.size());
  for (const auto& [id, value] : oracle) ASSERT_EQ(index.Find(id, id_at), value) << id;
  EXPECT_FALSE(index.Find("tag-unknown", id_at).has_value());
  EXPECT_FALSE(index.Find("", id_at).has_value());
}

}  // namespace
}  // namespace stayaway::engine
