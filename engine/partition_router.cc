#include "engine/partition_router.h"

#include <utility>

#include "proto/stayaway.pb.h"

namespace stayaway::engine {

PartitionRouter::PartitionRouter(uint32_t partitions) : partitions_(partitions) {}

PartitionRouter::OrderRoute PartitionRouter::RouteOrder(const v1::Order& order) {
  const CaseGroups::Joined joined = groups_.AddOrder(order);
  OrderRoute route;
  route.partition = CaseGroups::ShardOf(joined.group, partitions_);
  GroupMembers& members = members_[joined.group];
  for (const std::string& absorbed : joined.absorbed) {
    auto it = members_.find(absorbed);
    if (it == members_.end()) continue;  // (every group has members; defensive)
    const uint32_t from = CaseGroups::ShardOf(absorbed, partitions_);
    if (from != route.partition) {
      route.moves.push_back(Move{absorbed, from, route.partition, it->second});
    }
    members.Add(it->second);
    members_.erase(it);
  }
  members.AddNamedBy(order);
  return route;
}

std::optional<uint32_t> PartitionRouter::PartitionOfDevice(std::string_view device) const {
  const std::optional<std::string> group = groups_.GroupOfDevice(device);
  if (!group) return std::nullopt;
  return CaseGroups::ShardOf(*group, partitions_);
}

std::optional<uint32_t> PartitionRouter::PartitionOfOrder(std::string_view order_id) const {
  const std::optional<std::string> group = groups_.GroupOfOrder(order_id);
  if (!group) return std::nullopt;
  return CaseGroups::ShardOf(*group, partitions_);
}

}  // namespace stayaway::engine
