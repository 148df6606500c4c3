// RedisStore: the peer built on Redis GEO. All positions live in one geo set; for each
// fix the batch pipeline holds `GEOADD key lon lat device` and then `GEODIST key device
// counterpart m` for each counterpart of the device (a supervised device's protected
// devices, a protected device's supervised ones). A batch is one round trip.
//
// Durability as started by scripts/peers.sh: none (--save '' --appendonly no): Redis
// answers from memory, so this is a lower bound on what a durable store costs.
// Thread-compatible.
#ifndef STAYAWAY_BENCH_PEERS_REDIS_STORE_H_
#define STAYAWAY_BENCH_PEERS_REDIS_STORE_H_

#include <memory>
#include <string>

#include "bench/peers/peer_store.h"

struct redisContext;

namespace stayaway::peers {

class RedisStore final : public PeerStore {
 public:
  // `address` is HOST:PORT.
  explicit RedisStore(std::string address, std::string key = "stayaway:peer:positions");
  ~RedisStore() override;

  std::string name() const override { return "redis"; }
  Status Setup(const loadgen::Workload& workload) override;
  int server_pid() const override { return server_pid_; }
  Status ApplyBatch(const std::vector<v1::Fix>& fixes,
                    std::vector<uint32_t>* within_limit) override;

 private:
  std::string address_;
  std::string key_;
  const loadgen::Workload* workload_ = nullptr;
  redisContext* context_ = nullptr;
  int server_pid_ = -1;
};

}  // namespace stayaway::peers

#endif  // STAYAWAY_BENCH_PEERS_REDIS_STORE_H_
