// PartitionRouter: which of N partitions (engines, Kafka partitions of the input log) each
// input belongs to, for a deployment that splits the engine's work by case group
// (engine/case_groups.h; docs/kafka.md, "Scaling the engine out").
//
// A group lives on partition CaseGroups::ShardOf(its name, N). An order goes to its group's
// partition; when it joins groups, the absorbed ones keep their state nowhere but where they
// lived, so RouteOrder lists the moves to make first (group_transfer.h moves the state)
// before the order is applied on the partition of the group that remains. A fix goes to
// its device's group; a device no order names belongs nowhere (the engine would refuse
// it: NotFound). Global zones and clock ticks go to every partition.
//
// The router remembers every id a group has named (GroupMembers), never forgetting one, as
// groups never split: that is the list a move takes. Memory: the ids twice (here and in
// CaseGroups).
//
// Deterministic: the same orders in the same order give the same partitions and moves on
// every machine. Thread-compatible: one owner (whoever reads the input log in order).
#ifndef STAYAWAY_ENGINE_PARTITION_ROUTER_H_
#define STAYAWAY_ENGINE_PARTITION_ROUTER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/case_groups.h"
#include "engine/group_transfer.h"

namespace stayaway::v1 {
class Order;
}

namespace stayaway::engine {

class PartitionRouter {
 public:
  explicit PartitionRouter(uint32_t partitions);  // > 0

  // A group's state to move before an order is applied: everything it named, from the
  // partition it lived on to the order's.
  struct Move {
    std::string group;  // its name before the merge
    uint32_t from = 0;
    uint32_t to = 0;
    GroupMembers members;
  };
  struct OrderRoute {
    uint32_t partition = 0;   // where the order is applied
    std::vector<Move> moves;  // to make first, in this order; none within one partition
  };

  // Records the order (any version, any state, even one the engine will refuse: the
  // groups must not depend on validation) and says where it goes.
  OrderRoute RouteOrder(const v1::Order& order);

  // The partition of a device's group; nullopt for a device no order named.
  std::optional<uint32_t> PartitionOfDevice(std::string_view device) const;
  // The partition of an order's group (for its alerts' acknowledgements and resolutions).
  std::optional<uint32_t> PartitionOfOrder(std::string_view order_id) const;

  uint32_t partitions() const { return partitions_; }

 private:
  uint32_t partitions_;
  CaseGroups groups_;
  std::unordered_map<std::string, GroupMembers> members_;  // group name -> its ids
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_PARTITION_ROUTER_H_
