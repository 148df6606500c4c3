#include "engine/case_groups.h"

#include <algorithm>
#include <utility>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {

uint32_t CaseGroups::NodeOf(Kind kind, std::string_view id, bool* created) {
  std::string key;
  key.reserve(id.size() + 1);
  key += static_cast<char>(kind);
  key += id;
  const auto [it, added] = index_.emplace(std::move(key), static_cast<uint32_t>(nodes_.size()));
  *created = added;
  if (added) nodes_.push_back(Node{it->second, 0, 0, {}});
  return it->second;
}

std::optional<uint32_t> CaseGroups::Find(Kind kind, std::string_view id) const {
  std::string key;
  key.reserve(id.size() + 1);
  key += static_cast<char>(kind);
  key += id;
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return Root(it->second);
}

uint32_t CaseGroups::Root(uint32_t node) const {
  uint32_t root = node;
  while (nodes_[root].parent != root) root = nodes_[root].parent;
  while (nodes_[node].parent != root) node = std::exchange(nodes_[node].parent, root);
  return root;
}

CaseGroups::Joined CaseGroups::AddOrder(const v1::Order& order) {
  ++orders_seen_;
  std::vector<uint32_t> fresh;  // nodes this order is the first to name
  std::vector<uint32_t> roots;  // the existing groups it names
  auto name = [&](Kind kind, const std::string& id) {
    bool created = false;
    const uint32_t node = NodeOf(kind, id, &created);
    if (created) {
      fresh.push_back(node);
    } else if (std::find(fresh.begin(), fresh.end(), node) == fresh.end()) {
      // (A name this order already gave is not a group yet: validation refuses such
      // orders, but the groups must not depend on it.)
      const uint32_t root = Root(node);
      if (std::find(roots.begin(), roots.end(), root) == roots.end()) roots.push_back(root);
    }
  };
  name(Kind::kOrder, order.id());
  auto party = [&](const v1::Party& p) {
    name(Kind::kPerson, p.id());
    for (const std::string& device : p.devices()) name(Kind::kDevice, device);
  };
  party(order.supervised());
  for (const v1::Party& p : order.protected_()) party(p);

  // The oldest group named keeps its name; a new group is founded by this order.
  std::sort(roots.begin(), roots.end(),
            [&](uint32_t a, uint32_t b) { return nodes_[a].founded < nodes_[b].founded; });
  Joined joined;
  uint32_t winner;
  if (roots.empty()) {
    winner = fresh.front();  // the order's own node: the first one named
    nodes_[winner].founded = orders_seen_;
    nodes_[winner].founder = order.id();
    ++groups_;
  } else {
    winner = roots.front();
    for (size_t i = 1; i < roots.size(); ++i) joined.absorbed.push_back(nodes_[roots[i]].founder);
    groups_ -= roots.size() - 1;
  }
  const uint64_t founded = nodes_[winner].founded;
  std::string founder = nodes_[winner].founder;
  // Union by rank; whichever node ends up the root carries the group's name.
  uint32_t root = winner;
  auto link = [&](uint32_t other) {
    if (other == root) return;
    if (nodes_[other].rank > nodes_[root].rank) std::swap(other, root);
    nodes_[other].parent = root;
    if (nodes_[other].rank == nodes_[root].rank) ++nodes_[root].rank;
  };
  for (size_t i = 1; i < roots.size(); ++i) link(roots[i]);
  for (uint32_t node : fresh) link(node);
  for (uint32_t node : roots) {
    if (node != root) nodes_[node].founder.clear();  // no longer a root: its name is gone
  }
  nodes_[root].founded = founded;
  nodes_[root].founder = std::move(founder);
  joined.group = nodes_[root].founder;
  return joined;
}

std::optional<std::string> CaseGroups::GroupOfOrder(std::string_view order_id) const {
  const auto root = Find(Kind::kOrder, order_id);
  if (!root) return std::nullopt;
  return nodes_[*root].founder;
}

std::optional<std::string> CaseGroups::GroupOfPerson(std::string_view person) const {
  const auto root = Find(Kind::kPerson, person);
  if (!root) return std::nullopt;
  return nodes_[*root].founder;
}

std::optional<std::string> CaseGroups::GroupOfDevice(std::string_view device) const {
  const auto root = Find(Kind::kDevice, device);
  if (!root) return std::nullopt;
  return nodes_[*root].founder;
}

uint32_t CaseGroups::ShardOf(std::string_view group, uint32_t shards) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a, 64 bits
  for (unsigned char c : group) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return static_cast<uint32_t>(h % shards);
}

}  // namespace stayaway::engine
