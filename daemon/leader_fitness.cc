#include "daemon/leader_fitness.h"

#include <algorithm>

namespace stayaway::daemon {
namespace {

std::string Seconds(LeaderFitness::Clock::duration d) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  return std::to_string(ms / 1000) + "." + std::to_string(ms % 1000 / 100) + " s";
}

}  // namespace

void LeaderFitness::BeginTerm(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  last_logged_ = now;
  unapplied_.clear();
}

void LeaderFitness::TickLogged(int64_t offset, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  last_logged_ = std::max(last_logged_, now);
  // Confirmations come in offset order from one producer; one that does not (a tick of
  // an earlier term, confirmed late) is not needed: a later tick proves as much.
  if (unapplied_.empty() || unapplied_.back().offset < offset) unapplied_.push_back({offset, now});
}

std::optional<Unfitness> LeaderFitness::Verdict(int64_t applied_next, Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mu_);
  while (!unapplied_.empty() && unapplied_.front().offset < applied_next) unapplied_.pop_front();
  if (!unapplied_.empty() && now - unapplied_.front().at >= grace_) {
    const int64_t unapplied_offset = unapplied_.front().offset;
    return Unfitness{"log_not_applied",
                     "the input log took this leader's tick at offset " +
                         std::to_string(unapplied_.front().offset) + " " +
                         Seconds(now - unapplied_.front().at) +
                         " ago, and this instance has not applied it (it is at offset " +
                         std::to_string(applied_next) + ")",
                     unapplied_offset};
  }
  if (now - last_logged_ >= grace_) {
    return Unfitness{"ticks_not_logged", "the input log has taken no tick of this leader for " +
                                             Seconds(now - last_logged_)};
  }
  return std::nullopt;
}

}  // namespace stayaway::daemon
