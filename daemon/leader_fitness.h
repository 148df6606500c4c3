// LeaderFitness: whether the instance that leads a Kafka cluster (kafka_leader.h) is still
// fit to. A leader's work reaches the centre along two paths: the ticks it writes into the
// shared input log (the centre's clock: comms-lost and acknowledgement deadlines), and its
// own core applying that log, whose event log is what it publishes to stayaway.events and
// what its webhooks and victim gateways send. A leader whose ticks do not reach the log
// stops every instance's clock; one whose core no longer applies the log (a journal that
// cannot be written, a full disk) publishes nothing more and notifies nobody, while any
// other instance could. Both show in its own ticks, which must come back applied:
//   - no tick taken by the log for `grace` (since leading began, or since the last one
//     taken): unfit, "ticks_not_logged";
//   - a tick the log took at offset X when the core, `grace` later, has still not applied
//     X: unfit, "log_not_applied".
// A leader found unfit hands the lead over (kafka_leader.h); a core merely busy applying
// a burst is not unfit unless the burst holds its own tick back for `grace`.
//
// Times are the caller's steady clock, so tests give their own.
// Thread-safety: every method may be called from any thread (one mutex): ticks are
// confirmed on the log's delivery thread, the verdict is asked on the leader's.
#ifndef STAYAWAY_DAEMON_LEADER_FITNESS_H_
#define STAYAWAY_DAEMON_LEADER_FITNESS_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace stayaway::daemon {

struct Unfitness {
  std::string reason;  // a stable label: "ticks_not_logged" or "log_not_applied"
  std::string detail;  // one line for the log
  // log_not_applied: the offset of the tick the core has not applied (-1 otherwise).
  int64_t unapplied_offset = -1;
};

class LeaderFitness {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LeaderFitness(std::chrono::milliseconds grace) : grace_(grace) {}

  // Leading begins (again) at `now`: what an earlier term observed is forgotten.
  void BeginTerm(Clock::time_point now);
  // The log took one of this leader's ticks, at `offset`, at `now`.
  void TickLogged(int64_t offset, Clock::time_point now);
  // Why this leader should hand over at `now`, its core's next offset to apply being
  // `applied_next`; nullopt while it is fit.
  std::optional<Unfitness> Verdict(int64_t applied_next, Clock::time_point now);

  std::chrono::milliseconds grace() const { return grace_; }

 private:
  struct LoggedTick {
    int64_t offset;
    Clock::time_point at;
  };

  const std::chrono::milliseconds grace_;
  std::mutex mu_;
  Clock::time_point last_logged_;     // the term's start, or its newest tick taken
  std::deque<LoggedTick> unapplied_;  // ticks taken, ascending offsets, not yet applied
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_LEADER_FITNESS_H_
