// SharedInputLog: the one ordered log of inputs that several stayaway instances share
// (Kafka mode, docs/kafka.md). An instance on a shared log does not apply what its ports
// accept: it appends it to the log, and every instance, itself included, applies the log
// in its order (Core::ApplyLogged, fed by daemon/kafka_follower.h). So every instance
// holds the same state, numbers the same events and signs the same Merkle log, and any of
// them can take over from another at once.
//
// Offsets are the log's: 0 for its first input, one more for each next one, with no gaps.
// Thread-safety: Append may be called from any thread at once.
#ifndef STAYAWAY_DAEMON_SHARED_INPUT_LOG_H_
#define STAYAWAY_DAEMON_SHARED_INPUT_LOG_H_

#include <cstdint>
#include <functional>
#include <vector>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

// Where one appended input went: ok and its offset once the log holds it durably (for
// Kafka: every in-sync replica has it, acks=all), else why not.
struct AppendResult {
  Status status;
  int64_t offset = -1;
};

class SharedInputLog {
 public:
  using AppendDone = std::function<void(std::vector<AppendResult> results)>;
  virtual ~SharedInputLog() = default;
  // Appends `inputs` in their order (others' inputs may come between them) and calls
  // `done` once, with one result per input, when the log has answered for every one of
  // them: on a thread of the log's, or on the caller's when the log refuses at once.
  // Never blocks for the log's answer.
  virtual void Append(std::vector<v1::Input> inputs, AppendDone done) = 0;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_SHARED_INPUT_LOG_H_
