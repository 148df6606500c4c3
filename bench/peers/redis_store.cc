#include "bench/peers/redis_store.h"

#include <hiredis.h>

#include <cstdlib>
#include <string>

namespace stayaway::peers {
namespace {

// Owns one reply.
struct Reply {
  redisReply* reply = nullptr;
  ~Reply() {
    if (reply != nullptr) freeReplyObject(reply);
  }
};

}  // namespace

RedisStore::RedisStore(std::string address, std::string key)
    : address_(std::move(address)), key_(std::move(key)) {}

RedisStore::~RedisStore() {
  if (context_ != nullptr) redisFree(context_);
}

Status RedisStore::Setup(const loadgen::Workload& workload) {
  workload_ = &workload;
  const size_t colon = address_.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("--redis must be HOST:PORT");
  context_ =
      redisConnect(address_.substr(0, colon).c_str(), std::atoi(address_.c_str() + colon + 1));
  if (context_ == nullptr || context_->err != 0) {
    return FailedPrecondition("cannot connect to Redis at " + address_ + ": " +
                              (context_ != nullptr ? context_->errstr : "out of memory"));
  }
  Reply deleted{static_cast<redisReply*>(redisCommand(context_, "DEL %s", key_.c_str()))};
  if (deleted.reply == nullptr) {
    return FailedPrecondition(std::string("Redis: ") + context_->errstr);
  }
  Reply info{static_cast<redisReply*>(redisCommand(context_, "INFO server"))};
  if (info.reply != nullptr && info.reply->type == REDIS_REPLY_STRING) {
    const std::string text(info.reply->str, info.reply->len);
    if (const size_t at = text.find("process_id:"); at != std::string::npos) {
      server_pid_ = std::atoi(text.c_str() + at + 11);
    }
  }
  return Status::Ok();
}

Status RedisStore::ApplyBatch(const std::vector<v1::Fix>& fixes,
                              std::vector<uint32_t>* within_limit) {
  within_limit->assign(fixes.size(), 0);
  struct Check {
    double limit_m;  // < 0: not a distance (the GEOADD)
    size_t fix;
  };
  std::vector<Check> checks;  // one per GEODIST, in pipeline order
  for (size_t i = 0; i < fixes.size(); ++i) {
    const v1::Fix& fix = fixes[i];
    const std::string lon = std::to_string(fix.lon()), lat = std::to_string(fix.lat());
    redisAppendCommand(context_, "GEOADD %s %s %s %s", key_.c_str(), lon.c_str(), lat.c_str(),
                       fix.device().c_str());
    checks.push_back({-1, i});
    const std::optional<uint32_t> device = workload_->DeviceIndex(fix.device());
    if (!device) continue;
    for (const loadgen::Counterpart& c : workload_->CounterpartsOf(*device)) {
      redisAppendCommand(context_, "GEODIST %s %s %s m", key_.c_str(), fix.device().c_str(),
                         workload_->device_ids()[c.device].c_str());
      checks.push_back({c.limit_m, i});
    }
  }
  Status status;
  for (const Check& check : checks) {
    Reply reply;
    if (redisGetReply(context_, reinterpret_cast<void**>(&reply.reply)) != REDIS_OK) {
      return FailedPrecondition(std::string("Redis: ") + context_->errstr);
    }
    if (reply.reply->type == REDIS_REPLY_ERROR && status.ok()) {
      status = FailedPrecondition(std::string("Redis: ") + reply.reply->str);
    }
    // GEODIST: a bulk string in metres, or nil while the counterpart has no position.
    if (check.limit_m >= 0 && reply.reply->type == REDIS_REPLY_STRING &&
        std::strtod(reply.reply->str, nullptr) <= check.limit_m) {
      ++(*within_limit)[check.fix];
    }
  }
  return status;
}

}  // namespace stayaway::peers
