// NewestSignedSeqs: the newest seq the engine has applied for each device whose fixes carry
// a MAC, kept where the callers' threads can read it. In Kafka mode the instance that takes
// a fix checks it on the caller's thread before the shared log has it, where the engine's
// own memory (engine/seq_set.h) cannot be read; with this it refuses an old signed capture
// (engine/replay_window.h) and answers "stale_sequence" instead of logging it. The engine's
// rule stays the one that counts: a capture this misses (the newest fix still in flight)
// is logged and then refused by every instance alike.
//
// Memory: one entry per signed device. Thread-safe: Record from the engine thread, Newest
// from any.
#ifndef STAYAWAY_DAEMON_NEWEST_SIGNED_SEQS_H_
#define STAYAWAY_DAEMON_NEWEST_SIGNED_SEQS_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace stayaway::daemon {

class NewestSignedSeqs {
 public:
  // `seq` of `device` was applied.
  void Record(std::string_view device, uint64_t seq) {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = newest_.find(device);
    if (it == newest_.end()) {
      newest_.emplace(std::string(device), seq);
    } else if (seq > it->second) {
      it->second = seq;
    }
  }

  // The newest seq applied for `device`; nullopt when none with a MAC was.
  std::optional<uint64_t> Newest(std::string_view device) const {
    std::lock_guard<std::mutex> lock(mu_);
    const auto it = newest_.find(device);
    if (it == newest_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, uint64_t, std::less<>> newest_;  // guarded by mu_
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_NEWEST_SIGNED_SEQS_H_
