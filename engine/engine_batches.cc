// Batches of fixes (ApplyFixes): serially with prefetching, or in lanes, with what lanes
// need: the case groups (a union-find over persons) and which lane owns each, and the
// alert registry as a lane writes it. Part of the engine rules; engine_state.h says how
// the work is split and why the events are the same for any number of lanes.
#include <algorithm>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engine/engine.h"
#include "engine/engine_state.h"
#include "proto/stayaway.pb.h"

namespace stayaway::engine {

EngineState::EngineState(const EngineSettings& settings, unsigned lanes)
    : settings_(settings), lanes_(std::max(1u, lanes)) {
  if (lanes_.size() > 1) crew_ = std::make_unique<WorkCrew>(lanes, "sa-lane");
}

uint32_t EngineState::GroupRoot(uint32_t person) {
  uint32_t root = person;
  while (person_group_[root] != root) root = person_group_[root];
  while (person_group_[person] != root) {  // path compression
    const uint32_t next = person_group_[person];
    person_group_[person] = root;
    person = next;
  }
  return root;
}

// Groups never split (case_groups.h says why): an order's new version that drops a
// person leaves them joined, which costs balance, never correctness.
void EngineState::JoinGroups(uint32_t a, uint32_t b) {
  a = GroupRoot(a);
  b = GroupRoot(b);
  if (a != b) person_group_[std::max(a, b)] = std::min(a, b);
}

uint32_t EngineState::LaneOf(uint32_t person) {
  // A multiplicative hash of the root spreads neighbouring groups over the lanes.
  const uint64_t root = GroupRoot(person);
  return static_cast<uint32_t>(((root * 0x9E3779B97F4A7C15ull) >> 32) % lanes_.size());
}

internal::AlertRecord& EngineState::AlertFor(Lane& lane, const std::string& alert_id) {
  if (!lane.parallel) return alerts_[alert_id];
  // Other lanes look up their own alerts in alerts_ meanwhile: no insertion there now. An
  // alert belongs to one order, so to one case group and one lane: its record is
  // either in alerts_ already (opened by an earlier input) or held back by this lane.
  if (auto found = alerts_.find(alert_id); found != alerts_.end()) return found->second;
  return lane.opened[alert_id];
}

void EngineState::ArmDeadline(Lane& lane, const std::string& alert_id) {
  if (lane.parallel) {
    lane.armed.push_back(alert_id);
  } else {
    PushDeadline(*alerts_.find(alert_id));
  }
}

// Below this many fixes a batch is applied serially: waking the lanes costs more than
// they would save.
constexpr size_t kLaneBatchMin = 64;

void EngineState::ApplyFixes(
    std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
    const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done) {
  if (crew_ == nullptr || fixes.size() < kLaneBatchMin) {
    ApplyFixesSerially(fixes, events, done);
  } else {
    ApplyFixesInLanes(fixes, events, done);
  }
}

void EngineState::ApplyFixesSerially(
    std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
    const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done) {
  Pipelined(
      fixes.size(), 0, 4, [&](size_t j) -> const v1::Fix& { return fixes[j]; },
      [](size_t) { return internal::kNoSlot; },
      [&](size_t i) {
        events->clear();
        const Status status = ApplyFix(fixes[i], events);
        done(i, status, events);
      });
}

void EngineState::ApplyFixesInLanes(
    std::span<const v1::Fix> fixes, std::vector<v1::Event>* events,
    const std::function<void(size_t, const Status&, std::vector<v1::Event>*)>& done) {
  // 1. Admission, in input order on this thread: what fixes share across case groups.
  batch_.resize(fixes.size());
  Pipelined(
      fixes.size(), 0, 1, [&](size_t j) -> const v1::Fix& { return fixes[j]; },
      [](size_t) { return internal::kNoSlot; },
      [&](size_t i) {
        BatchFix& b = batch_[i];
        b.status = AdmitFix(fixes[i], &b.admitted);
        if (!b.status.ok()) return;
        b.lane = LaneOf(devices_[b.admitted.device].person);
        lanes_[b.lane].fixes.push_back(static_cast<uint32_t>(i));
      });
  // 2. Evaluation: each lane its own fixes, in input order. A lane writes only to its
  // groups' state and to itself (batch_ is read-only now).
  for (Lane& lane : lanes_) {
    lane.parallel = true;
    lane.events.clear();
    lane.event_ends.clear();
  }
  crew_->Run([&](unsigned index) {
    Lane& lane = lanes_[index];
    Pipelined(
        lane.fixes.size(), 1, 4,
        [&](size_t j) -> const v1::Fix& { return fixes[lane.fixes[j]]; },
        [&](size_t j) { return batch_[lane.fixes[j]].admitted.device; },
        [&](size_t k) {
          const uint32_t i = lane.fixes[k];
          lane.now = batch_[i].admitted.now;
          EvaluateFix(lane, fixes[i], batch_[i].admitted, &lane.events);
          lane.event_ends.push_back(static_cast<uint32_t>(lane.events.size()));
        });
  });
  // 3. What the lanes held back goes into the shared tables.
  for (Lane& lane : lanes_) {
    lane.parallel = false;
    alerts_.merge(lane.opened);
    lane.opened.clear();
    for (const std::string& id : lane.armed) PushDeadline(*alerts_.find(id));
    lane.armed.clear();
    for (const uint32_t d : lane.restored) {
      ScheduleCommsCheck(d, devices_[d].last_received + settings_.comms_lost_ms);
    }
    lane.restored.clear();
  }
  // 4. Each fix's outcome and events, in input order. A lane's fixes are in input order
  // too, so a cursor per lane finds each one's events.
  for (Lane& lane : lanes_) lane.cursor = 0;
  for (size_t i = 0; i < fixes.size(); ++i) {
    const BatchFix& b = batch_[i];
    events->clear();
    if (b.status.ok()) {
      Lane& lane = lanes_[b.lane];
      const uint32_t first = lane.cursor == 0 ? 0 : lane.event_ends[lane.cursor - 1];
      const uint32_t end = lane.event_ends[lane.cursor++];
      for (uint32_t e = first; e < end; ++e) events->push_back(std::move(lane.events[e]));
    }
    done(i, b.status, events);
  }
  for (Lane& lane : lanes_) lane.fixes.clear();
}

}  // namespace stayaway::engine
