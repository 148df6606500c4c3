#include "engine/chunked_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace stayaway::engine {
namespace {

struct alignas(64) Row {
  std::string id;
  uint64_t value = 7;  // default-constructed rows read 7
};

// Against a vector: the same elements at the same indices as it grows across chunks,
// default-constructed when appended, iterated in index order.
TEST(ChunkedTable, HoldsWhatAVectorHoldsAcrossChunks) {
  ChunkedTable<Row> table;
  std::vector<Row> plain;
  EXPECT_TRUE(table.empty());
  std::mt19937_64 rng(3);
  for (size_t i = 0; i < 3 * ChunkedTable<Row>::kChunk + 5; ++i) {
    Row& row = table.emplace_back();
    EXPECT_EQ(row.value, 7u);
    EXPECT_TRUE(row.id.empty());
    row.id = "row-" + std::to_string(i);
    row.value = rng();
    plain.push_back(row);
    ASSERT_EQ(table.size(), plain.size());
    EXPECT_EQ(table.back().id, plain.back().id);
  }
  for (size_t i = 0; i < plain.size(); ++i) {
    EXPECT_EQ(table[i].id, plain[i].id);
    EXPECT_EQ(table[i].value, plain[i].value);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(&table[i]) % 64, 0u);  // over-aligned rows too
  }
  size_t i = 0;
  const ChunkedTable<Row>& view = table;
  for (const Row& row : view) EXPECT_EQ(row.id, plain[i++].id);
  EXPECT_EQ(i, plain.size());
}

TEST(ChunkedTable, ElementsNeverMoveAsItGrows) {
  ChunkedTable<Row> table;
  Row* first = &table.emplace_back();
  first->id = "first";
  table.resize(10 * ChunkedTable<Row>::kChunk);
  EXPECT_EQ(&table[0], first);
  EXPECT_EQ(table[0].id, "first");
  EXPECT_EQ(table[table.size() - 1].value, 7u);
  table.resize(5);  // never shrinks
  EXPECT_EQ(table.size(), 10 * ChunkedTable<Row>::kChunk);
}

}  // namespace
}  // namespace stayaway::engine
