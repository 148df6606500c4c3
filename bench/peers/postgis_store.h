// PostgisStore: the peer built on PostgreSQL + PostGIS. Two tables:
//
//   stayaway_peer_devices(id text primary key, pos geography(Point, 4326),
//                         fix_time timestamptz, accuracy_m float8)   GiST index on pos
//   stayaway_peer_pairs(supervised text, protected text, limit_m float8)  indexed both ways
//
// loaded with every device (at its first position) and every (supervised, protected)
// pair of the workload's orders, then ANALYZEd. Each batch is one transaction sent in
// libpq pipeline mode (one round trip): per fix an UPDATE of the device's position, then
// an ST_DWithin query joining its pairs to the counterparts' positions within the
// order's distance. Durability: PostgreSQL's defaults (synchronous_commit on, fsync on):
// each acknowledged batch is on disk, as with stayaway's group commit.
// Thread-compatible.
#ifndef STAYAWAY_BENCH_PEERS_POSTGIS_STORE_H_
#define STAYAWAY_BENCH_PEERS_POSTGIS_STORE_H_

#include <string>

#include "bench/peers/peer_store.h"

struct pg_conn;

namespace stayaway::peers {

class PostgisStore final : public PeerStore {
 public:
  // `conninfo` is a libpq connection string: "host=127.0.0.1 port=5544 dbname=postgres".
  explicit PostgisStore(std::string conninfo);
  ~PostgisStore() override;

  std::string name() const override { return "postgis"; }
  Status Setup(const loadgen::Workload& workload) override;
  // The backend process serving this connection.
  int server_pid() const override;
  Status ApplyBatch(const std::vector<v1::Fix>& fixes,
                    std::vector<uint32_t>* within_limit) override;

 private:
  Status Exec(const std::string& sql);

  std::string conninfo_;
  const loadgen::Workload* workload_ = nullptr;
  pg_conn* connection_ = nullptr;
};

}  // namespace stayaway::peers

#endif  // STAYAWAY_BENCH_PEERS_POSTGIS_STORE_H_
