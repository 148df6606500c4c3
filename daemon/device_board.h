// DeviceBoard: the current picture of every device (GET /v1/devices, the parties' last
// contact in GET /v1/orders): the orders it belongs to and as whose device, its newest fix
// (time, position, accuracy, source), the newest time any of its fixes was received, the
// battery and flags of its newest fix, and its open device alerts (comms_lost among them).
//
// Fed in the order the engine applied things: RecordOrder for every order version
// applied, RecordFix for every fix the engine accepted (never a refused fix or a
// duplicate), RecordEvent for every event; live on the engine thread. Fixes must reach
// the board in the engine's order, but they commute with events and orders: a fix sets an
// entry's fix state, an event its alerts, an order its memberships, and an entry is
// dropped only when it has none of the three, so a fix arriving later rebuilds exactly
// what an earlier one would have kept. Recovery relies on this: it feeds the fixes of a
// run from another thread, a run behind the events (core_recovery.cc). "Newest fix" follows the
// engine (engine.h): the fix with the latest event time, its battery and flags with it; a late
// upload of an older fix moves last_received only. Restored on restart by the same calls
// during the journal replay, plus SaveFixState/LoadFixState through the daemon's snapshots
// (journal/snapshot_file.h) and the retention bases made by replaying the journal
// (evidence/fix_state_recorder.h), so a restarted daemon, or a Kafka instance started from
// a snapshot, shows the same board.
//
// Paging (List): by device id (the default), or sort=attention: first the devices whose
// communications are lost, then those never heard from, then those with any other open
// device alert (low battery, strap or case tamper, SOS, ...), then the rest; within each,
// the oldest last contact first, then by id. For a reader the contact times are withheld
// from (DevicePageQuery::sees_contact_times false), each group is by id alone, so that
// neither the order of a page nor its cursor reveals them. Cursors are opaque to clients:
// they hold the sort key of the last device of the page (never a value withheld from the
// reader), so a page never repeats one (a device whose attention changes between pages may
// move across the cursor: the board is live).
//
// Thread-safety: every method is thread-safe (one mutex; readers copy out).
#ifndef STAYAWAY_DAEMON_DEVICE_BOARD_H_
#define STAYAWAY_DAEMON_DEVICE_BOARD_H_

#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "base/time.h"
#include "evidence/fix_state_recorder.h"
#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class DeviceBoard final : public evidence::FixStateRecorder {
 public:
  // Engine thread (and recovery).
  void RecordOrder(const v1::Order& order);
  void RecordFix(const v1::Fix& fix) override;
  void RecordEvent(const v1::Event& event);

  // The fix state of every device that has one (device, last_fix, last_received,
  // battery_pct, flags), for a snapshot; LoadFixState puts it back (orders and alerts come
  // back through RecordOrder and RecordEvent).
  std::vector<v1::DeviceStatus> SaveFixState() const override;
  void LoadFixState(const std::vector<v1::DeviceStatus>& devices) override;
  // Takes `built`'s contents in place of this board's (which go). Recovery builds the
  // board of a snapshot aside, beside the engine's load, and adopts it only once the
  // whole snapshot loaded: a rejected snapshot leaves nothing behind.
  void Adopt(DeviceBoard&& built);
  // Whether the device belongs to an order (recovery's fallback for old snapshots).
  bool Known(std::string_view device) const;

  // Readers. Get: NotFound for a device no order names and none ever reported.
  StatusOr<v1::DeviceStatus> Get(std::string_view device) const;
  // InvalidArgument for a cursor this board did not give out for this sort.
  StatusOr<v1::DevicePage> List(const ingest::DevicePageQuery& query) const;
  // The last contact of each device of the order's parties, supervised first.
  std::vector<v1::DeviceContact> ContactsOf(const v1::Order& order) const;

 private:
  struct Entry {
    std::map<std::string, v1::DeviceOrder> orders;  // by order id
    bool has_fix = false;
    TimeMs newest_time = 0;      // event time of last_fix
    TimeMs last_received = 0;    // valid when has_fix
    v1::DeviceStatus fix_state;  // last_fix, last_received, battery_pct, flags
    std::map<std::string, v1::Event::Kind> open_alerts;  // device alerts, by alert id
  };
  // The attention group (0 most urgent) of an entry.
  static int GroupOf(const Entry& entry);
  v1::DeviceStatus View(const std::string& id, const Entry& entry) const;
  void DropIfEmpty(const std::string& id);
  // A device's entry, made when missing; and the lookup without making one.
  Entry& EntryFor(std::string_view id);
  Entry* FindEntry(std::string_view id);
  const Entry* FindEntry(std::string_view id) const;

  mutable std::mutex mu_;
  // In id order, for listings and their cursors.
  std::map<std::string, Entry, std::less<>> devices_;
  // The same entries by hash, for what every fix and event does (a string compare per
  // tree level is a cache miss each with many devices). Keys view devices_' own keys,
  // whose nodes never move.
  std::unordered_map<std::string_view, Entry*> index_;
  std::map<std::string, std::set<std::string>> devices_of_order_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_DEVICE_BOARD_H_
