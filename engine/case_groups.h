// CaseGroups: the shard key (ARCHITECTURE.md, decision 4). A case group is the connected
// set of orders that share a person or a device: everything one evaluation can touch, so
// a group's state can live on one shard (one engine thread) and never needs another's.
// The same key partitions a Kafka topic.
//
// Naming: a group is named after its founding order, the first order of the group in
// input order. Shard or partition n of N is a stable hash of that name (ShardOf), so the
// same history gives the same placement on every machine and in every replay.
//
// Merging: an order that names persons or devices of two or more groups joins them into
// one, which keeps the name of the oldest (the group founded first); AddOrder says which
// groups it absorbed, so the caller can move their state to the shard of the one that
// remains before the order is applied. Groups never split: an order revoked, or a new
// version that drops a person, leaves the group as it is. Splitting would move state
// mid-stream for no gain in correctness (a group larger than needed only costs balance),
// and a person who once shared a case with another may again.
//
// Memory: one node per distinct order, person and device id, with its string.
// Thread-compatible: one owner (the router) calls it.
#ifndef STAYAWAY_ENGINE_CASE_GROUPS_H_
#define STAYAWAY_ENGINE_CASE_GROUPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace stayaway::v1 {
class Order;
}

namespace stayaway::engine {

class CaseGroups {
 public:
  // What AddOrder did to the groups.
  struct Joined {
    std::string group;                  // the founding order of the order's group now
    std::vector<std::string> absorbed;  // groups merged into it by this order, oldest first
  };

  // Records an order (any version, any state): its persons and devices join one group.
  Joined AddOrder(const v1::Order& order);

  // The group (founding order id) of an order, person or device; nullopt when no order
  // recorded names it.
  std::optional<std::string> GroupOfOrder(std::string_view order_id) const;
  std::optional<std::string> GroupOfPerson(std::string_view person) const;
  std::optional<std::string> GroupOfDevice(std::string_view device) const;

  size_t groups() const { return groups_; }

  // The shard (or partition) of `group` among `shards` (> 0): FNV-1a of its name, modulo.
  // Stable across versions and machines: a format promise, like the journal's.
  static uint32_t ShardOf(std::string_view group, uint32_t shards);

 private:
  enum class Kind : char { kOrder = 'o', kPerson = 'p', kDevice = 'd' };
  struct Node {
    uint32_t parent;
    uint32_t rank = 0;
    uint64_t founded = 0;  // on roots: the input position of the group's founding order
    std::string founder;   // on roots: the founding order's id
  };
  uint32_t NodeOf(Kind kind, std::string_view id, bool* created);
  std::optional<uint32_t> Find(Kind kind, std::string_view id) const;
  uint32_t Root(uint32_t node) const;

  std::unordered_map<std::string, uint32_t> index_;  // kind letter + id -> node
  mutable std::vector<Node> nodes_;                  // parents are compressed on Root
  uint64_t orders_seen_ = 0;
  size_t groups_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_CASE_GROUPS_H_
