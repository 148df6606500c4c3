#include "evidence/merkle_frontier.h"

#include <gtest/gtest.h>

#include <string>

namespace stayaway::evidence {
namespace {

TEST(MerkleFrontier, RootEqualsTheFullTreeAtEverySize) {
  MerkleFrontier frontier;
  MerkleTree tree;
  EXPECT_EQ(frontier.Root(), EmptyRoot());
  for (int i = 0; i < 600; ++i) {
    const std::string leaf = "leaf " + std::to_string(i);
    ASSERT_EQ(frontier.Append(leaf), tree.Append(leaf));
    ASSERT_EQ(frontier.Root(), tree.CurrentRoot()) << "size " << i + 1;
  }
}

TEST(MerkleFrontier, SurvivesSerializationAndKeepsAppending) {
  MerkleFrontier frontier;
  MerkleTree tree;
  for (int i = 0; i < 77; ++i) {
    frontier.Append(std::to_string(i));
    tree.Append(std::to_string(i));
  }
  auto copy = MerkleFrontier::Deserialize(frontier.Serialize());
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(copy->size(), 77u);
  for (int i = 77; i < 150; ++i) {
    copy->Append(std::to_string(i));
    tree.Append(std::to_string(i));
  }
  EXPECT_EQ(copy->Root(), tree.CurrentRoot());
  std::string damaged = frontier.Serialize();
  damaged.pop_back();
  EXPECT_FALSE(MerkleFrontier::Deserialize(damaged).ok());
  EXPECT_FALSE(MerkleFrontier::Deserialize("abc").ok());
}

}  // namespace
}  // namespace stayaway::evidence
