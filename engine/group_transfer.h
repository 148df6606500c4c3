// Moving a case group's state from one engine to another: the step a partitioned
// deployment takes when an order joins groups that live on different partitions
// (engine/case_groups.h, "Merging"), and the unit a partition's state is handed over in.
//
// A case group's state is everything of its orders, persons and devices: tracks, outlier
// gates, duplicate memories, silence and battery state, the orders' zones and rule
// trackers, and their alerts with deadlines and receipts. Nothing of it refers to another
// group (that is what makes it a group), so it can be cut out of one engine's snapshot and
// added to another's. Global zones (shelters) belong to every group: every partition applies
// them all, in the same order, so each side keeps its own copies.
//
// What stays the same, and what may not (the promise tested against one engine fed every
// input, engine/group_transfer_test.cc): after a move, the engine holding a group emits for
// each input of that group the events one engine holding every group would, with the same
// alert ids, kinds, levels, times and fixes; events of one alert stay in order. Within one
// input, events of different rules may come in another order, since rules are evaluated in
// table order and a group that moved is appended after the groups already there. Each
// engine's "now" is its own: the largest time among the inputs it applied, so a
// partition's events carry its own detection time (engine.h, "Time").
//
// Cost: a move rewrites both engines from their snapshots (save, cut or join, load), time
// in proportion to their whole state; merges of groups are rare (an order that names people
// already in two cases).
//
// Thread-compatible: plain functions on values; MoveGroupState takes both engines between
// inputs, from their one driving thread.
#ifndef STAYAWAY_ENGINE_GROUP_TRANSFER_H_
#define STAYAWAY_ENGINE_GROUP_TRANSFER_H_

#include <memory>
#include <string>
#include <unordered_set>

#include "base/status.h"
#include "engine/engine.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {

// The ids a case group has ever named (its router's record, engine/partition_router.h).
// Ids the engine does not hold (an order the engine refused) are ignored.
struct GroupMembers {
  std::unordered_set<std::string> orders;
  std::unordered_set<std::string> persons;
  std::unordered_set<std::string> devices;

  void Add(const GroupMembers& other);
  // Adds the ids `order` names: its own, its parties' and their devices'.
  void AddNamedBy(const v1::Order& order);
};

// `whole` cut in two: the state of `moving` and the rest. Tables keep their relative order
// on each side; dead zone entries (superseded versions) are dropped, and live global zones
// are on both sides. FailedPrecondition when the members do not match the state (an order
// moving without one of its persons, a device without its person).
struct SplitSnapshots {
  v1::EngineSnapshot kept;
  v1::EngineSnapshot moved;
};
StatusOr<SplitSnapshots> SplitSnapshot(const v1::EngineSnapshot& whole, const GroupMembers& moving);

// `target` with the groups of `incoming` appended: their persons, devices, orders and zone
// entries after target's, their alerts among target's by id; now is the later of the two.
// FailedPrecondition when the two cannot be one engine's state: different settings or
// formats, different global zones, or an id (order, person, device, alert) on both sides.
StatusOr<v1::EngineSnapshot> MergeSnapshots(const v1::EngineSnapshot& target,
                                            const v1::EngineSnapshot& incoming);

// Moves `moving`'s state from *from to *to: both engines are replaced by ones rebuilt from
// the cut and joined snapshots, with `lanes` threads each. All or nothing: on an error both
// engines are left as they were.
Status MoveGroupState(const GroupMembers& moving, std::unique_ptr<Engine>* from,
                      std::unique_ptr<Engine>* to, unsigned lanes = 1);

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_GROUP_TRANSFER_H_
