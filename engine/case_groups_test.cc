#include "engine/case_groups.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {
namespace {

v1::Order MakeOrder(const std::string& id, const std::string& supervised,
                    const std::vector<std::string>& protected_persons) {
  v1::Order order;
  order.set_id(id);
  order.mutable_supervised()->set_id(supervised);
  order.mutable_supervised()->add_devices("tag-" + supervised);
  for (const std::string& p : protected_persons) {
    v1::Party* party = order.add_protected_();
    party->set_id(p);
    party->add_devices("phone-" + p);
  }
  return order;
}

TEST(CaseGroups, OrdersThatShareAPersonAreOneGroupNamedAfterTheOldest) {
  CaseGroups groups;
  EXPECT_EQ(groups.AddOrder(MakeOrder("A", "him", {"her"})).group, "A");
  EXPECT_EQ(groups.AddOrder(MakeOrder("B", "other", {"someone"})).group, "B");
  EXPECT_EQ(groups.groups(), 2u);
  // Her second aggressor: same victim, one group, still A's.
  const CaseGroups::Joined c = groups.AddOrder(MakeOrder("C", "second", {"her"}));
  EXPECT_EQ(c.group, "A");
  EXPECT_TRUE(c.absorbed.empty());
  // An order that names a person of A and one of B joins them into A, the older.
  const CaseGroups::Joined d = groups.AddOrder(MakeOrder("D", "second", {"someone"}));
  EXPECT_EQ(d.group, "A");
  EXPECT_EQ(d.absorbed, std::vector<std::string>{"B"});
  EXPECT_EQ(groups.groups(), 1u);
  for (const char* who : {"him", "her", "other", "someone", "second"}) {
    EXPECT_EQ(groups.GroupOfPerson(who), "A") << who;
  }
  EXPECT_EQ(groups.GroupOfDevice("tag-other"), "A");
  EXPECT_EQ(groups.GroupOfOrder("B"), "A");
  EXPECT_FALSE(groups.GroupOfPerson("nobody").has_value());
  EXPECT_FALSE(groups.GroupOfDevice("tag-nobody").has_value());
}

TEST(CaseGroups, ASharedDeviceLinksTooAndGroupsNeverSplit) {
  CaseGroups groups;
  groups.AddOrder(MakeOrder("A", "him", {"her"}));
  v1::Order b = MakeOrder("B", "x", {"y"});
  b.mutable_protected_(0)->add_devices("phone-her");  // a phone handed on
  EXPECT_EQ(groups.AddOrder(b).absorbed, std::vector<std::string>{});
  EXPECT_EQ(groups.GroupOfPerson("y"), "A");
  // A new version of A without her: the group stays one.
  groups.AddOrder(MakeOrder("A", "him", {"new-victim"}));
  EXPECT_EQ(groups.GroupOfPerson("her"), "A");
  EXPECT_EQ(groups.GroupOfPerson("new-victim"), "A");
  EXPECT_EQ(groups.groups(), 1u);
}

TEST(CaseGroups, ShardOfIsAStableHash) {
  // Pinned values: placement is a format promise (a Kafka partition, a shard's state).
  EXPECT_EQ(CaseGroups::ShardOf("KG-2025-0001", 1), 0u);
  EXPECT_EQ(CaseGroups::ShardOf("KG-2025-0001", 16), 3u);  // FNV-1a 18335050067967949795
  EXPECT_EQ(CaseGroups::ShardOf("KG-2025-0001", 3), 1u);
  std::map<uint32_t, int> spread;
  for (int i = 0; i < 10'000; ++i) ++spread[CaseGroups::ShardOf("order-" + std::to_string(i), 4)];
  ASSERT_EQ(spread.size(), 4u);
  for (const auto& [shard, n] : spread) EXPECT_NEAR(n, 2500, 250) << shard;
}

// The oracle: connected components by breadth-first search over every order so far, each
// named after its earliest order.
std::map<std::string, std::string> BruteForceGroups(const std::vector<v1::Order>& orders) {
  std::map<std::string, std::set<size_t>> orders_of;  // person or device -> orders
  std::vector<std::vector<std::string>> names(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    auto add = [&](const std::string& key) {
      orders_of[key].insert(i);
      names[i].push_back(key);
    };
    add("o:" + orders[i].id());
    auto party = [&](const v1::Party& p) {
      add("p:" + p.id());
      for (const std::string& d : p.devices()) add("d:" + d);
    };
    party(orders[i].supervised());
    for (const v1::Party& p : orders[i].protected_()) party(p);
  }
  std::map<std::string, std::string> group_of;  // key -> founding order id
  std::vector<bool> done(orders.size());
  for (size_t start = 0; start < orders.size(); ++start) {
    if (done[start]) continue;
    std::vector<size_t> todo = {start}, members;
    done[start] = true;
    while (!todo.empty()) {
      const size_t i = todo.back();
      todo.pop_back();
      members.push_back(i);
      for (const std::string& key : names[i]) {
        for (size_t j : orders_of[key]) {
          if (!done[j]) {
            done[j] = true;
            todo.push_back(j);
          }
        }
      }
    }
    // `start` is the component's earliest order (components are found in input order).
    for (size_t i : members) {
      for (const std::string& key : names[i]) group_of[key] = orders[start].id();
    }
  }
  return group_of;
}

TEST(CaseGroups, RandomOrdersMatchConnectedComponentsByBruteForce) {
  std::mt19937_64 rng(20261206);
  for (int round = 0; round < 20; ++round) {
    CaseGroups groups;
    std::vector<v1::Order> orders;
    const int people = 40 + round * 10;
    std::uniform_int_distribution<int> person(0, people - 1);
    for (int k = 0; k < 60; ++k) {
      // Now and then a new version of an earlier order, with other persons.
      const std::string id = (k > 5 && rng() % 5 == 0) ? orders[rng() % orders.size()].id()
                                                       : "order-" + std::to_string(k);
      std::vector<std::string> victims;
      for (int v = 0, n = 1 + static_cast<int>(rng() % 3); v < n; ++v) {
        victims.push_back("p" + std::to_string(person(rng)));
      }
      v1::Order order = MakeOrder(id, "s" + std::to_string(person(rng)), victims);
      const std::map<std::string, std::string> before = BruteForceGroups(orders);
      orders.push_back(order);
      const CaseGroups::Joined joined = groups.AddOrder(order);
      const std::map<std::string, std::string> expected = BruteForceGroups(orders);
      EXPECT_EQ(joined.group, expected.at("o:" + id)) << "round " << round << " order " << k;
      // Absorbed: the other groups this order's names belonged to, oldest first.
      std::set<std::string> named_groups;
      for (const auto& [key, group] : BruteForceGroups({order})) {
        if (before.count(key)) named_groups.insert(before.at(key));
      }
      named_groups.erase(joined.group);
      EXPECT_EQ(std::set<std::string>(joined.absorbed.begin(), joined.absorbed.end()),
                named_groups);
      std::set<std::string> distinct;
      for (const auto& [key, group] : expected) {
        distinct.insert(group);
        const std::string id_part = key.substr(2);
        std::optional<std::string> got = key[0] == 'o'   ? groups.GroupOfOrder(id_part)
                                         : key[0] == 'p' ? groups.GroupOfPerson(id_part)
                                                         : groups.GroupOfDevice(id_part);
        ASSERT_EQ(got, group) << key << " round " << round << " order " << k;
      }
      EXPECT_EQ(groups.groups(), distinct.size());
    }
  }
}

}  // namespace
}  // namespace stayaway::engine
