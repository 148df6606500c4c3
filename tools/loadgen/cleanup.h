// What a load test leaves in the daemon it drove, and taking it away again: `stayaway
// loadgen` loads protection orders (and, from --input, global zones) and its fixes open
// alerts. Afterwards RemoveRunRecords revokes every order it loaded (DELETE
// /v1/orders/{id}: a new version in state revoked; the history stays, as it must) and
// resolves every alert of those orders still open (POST /v1/alerts/{id}/resolve,
// disposition "other"), through the HTTP API with the run's credential (admin for
// orders, operator for alerts). Global zones cannot be removed: the API has no DELETE for
// zones, so they are always reported as left.
//
// Thread-safe (no state); blocking, one request at a time.
#ifndef STAYAWAY_TOOLS_LOADGEN_CLEANUP_H_
#define STAYAWAY_TOOLS_LOADGEN_CLEANUP_H_

#include <ostream>
#include <string>
#include <vector>

namespace stayaway::loadgen {

// What the run created, by id.
struct RunRecords {
  std::vector<std::string> orders;
  std::vector<std::string> global_zones;
};

// What is left in the daemon, and why, after RemoveRunRecords (or everything, with
// --keep: see LeftBehind).
struct CleanupReport {
  uint64_t orders_revoked = 0;
  uint64_t alerts_resolved = 0;
  // Each "ID: reason". Empty when everything was taken away.
  std::vector<std::string> orders_left;
  std::vector<std::string> alerts_left;
  std::vector<std::string> zones_left;

  bool everything_removed() const {
    return orders_left.empty() && alerts_left.empty() && zones_left.empty();
  }
  // What could have been removed was: every order and alert. (Zones never can be.)
  bool orders_and_alerts_removed() const { return orders_left.empty() && alerts_left.empty(); }
};

// Revokes `records.orders`, then resolves the open alerts of those orders. `http` is
// HOST:PORT of the API, `token` the bearer token.
CleanupReport RemoveRunRecords(const std::string& http, const std::string& token,
                               const RunRecords& records);

// The open alerts of `records.orders` (for --keep); "ID: reason" lines as in CleanupReport.
CleanupReport LeftBehind(const std::string& http, const std::string& token,
                         const RunRecords& records);

// Writes what was removed and, line by line, what was left and how to remove it, each
// line starting "stayaway loadgen: ". `id_prefix` is what every id of the run starts with.
void PrintCleanup(const CleanupReport& report, const std::string& id_prefix,
                  const std::string& http, std::ostream& out);

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_CLEANUP_H_
