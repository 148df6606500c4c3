// PeerStore: a general-purpose store doing the same job stayaway does for each fix (store
// the position, then check the distance to every counterpart of the device's orders), so
// the end-to-end benchmark can put stayaway's numbers next to well-known systems'.
//
// A store is driven by peer_bench_main.cc on the same OpenLoopSchedule and Workload as
// `stayaway loadgen`: one batch of fixes at a time, synchronously, latency from the
// batch's intended send time to the end of ApplyBatch.
//
// Implementations: redis_store.h (Redis GEO), postgis_store.h (PostgreSQL + PostGIS).
// Thread-compatible: one store, one connection, one thread.
#ifndef STAYAWAY_BENCH_PEERS_PEER_STORE_H_
#define STAYAWAY_BENCH_PEERS_PEER_STORE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"
#include "proto/stayaway.pb.h"
#include "tools/loadgen/workload.h"

namespace stayaway::peers {

class PeerStore {
 public:
  virtual ~PeerStore() = default;
  // "redis", "postgis": the report's target.
  virtual std::string name() const = 0;
  // Connects, drops what an earlier run left, and loads the workload's devices and pairs.
  virtual Status Setup(const loadgen::Workload& workload) = 0;
  // Stores every fix and checks its counterparts. (*within_limit)[i] gets the number of
  // counterparts fixes[i] found within the order's violation distance: the alerts the
  // store would raise (no debounce). An error fails the whole batch.
  // The server process doing the work for this connection when it runs on this machine
  // (its CPU use is reported), else -1. Valid after Setup.
  virtual int server_pid() const = 0;
  virtual Status ApplyBatch(const std::vector<v1::Fix>& fixes,
                            std::vector<uint32_t>* within_limit) = 0;
};

}  // namespace stayaway::peers

#endif  // STAYAWAY_BENCH_PEERS_PEER_STORE_H_
