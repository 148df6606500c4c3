#include "daemon/metrics.h"

#include <sstream>

namespace stayaway::daemon {
namespace {

// Label values are ours or come from clients (subscriber names): escape per the format.
std::string Escape(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

}  // namespace

void Metrics::FixBatch::ObserveEvaluation(std::chrono::nanoseconds took) {
  const double seconds = std::chrono::duration<double>(took).count();
  size_t bucket = 0;
  while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;
  ++latency_counts[bucket];
  latency_sum_seconds += seconds;
}

void Metrics::AddFixBatch(std::string_view source, const FixBatch& batch) {
  static_assert(std::tuple_size_v<decltype(batch.latency_counts)> == kBuckets.size() + 1);
  std::lock_guard<std::mutex> lock(mu_);
  const std::string name(source);
  if (batch.applied > 0) fixes_[{name, "new"}] += batch.applied;
  if (batch.duplicates > 0) fixes_[{name, "duplicate"}] += batch.duplicates;
  for (const auto& [reason, n] : batch.rejected) rejected_[{name, reason}] += n;
  for (size_t i = 0; i < latency_counts_.size(); ++i) latency_counts_[i] += batch.latency_counts[i];
  latency_sum_seconds_ += batch.latency_sum_seconds;
}

void Metrics::CountRejected(std::string_view source, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++rejected_[{std::string(source), std::string(reason)}];
}

void Metrics::CountBackpressure(std::string_view source) {
  std::lock_guard<std::mutex> lock(mu_);
  ++backpressure_[std::string(source)];
}

void Metrics::CountEvent(const v1::Event& event) {
  std::lock_guard<std::mutex> lock(mu_);
  ++events_[{v1::Event::Kind_Name(event.kind()), v1::Event::Transition_Name(event.transition())}];
}

void Metrics::SetOpenAlerts(std::map<std::string, uint64_t> open_by_kind) {
  std::lock_guard<std::mutex> lock(mu_);
  open_alerts_ = std::move(open_by_kind);
}

void Metrics::SetSubscriberLag(std::string_view subscriber, uint64_t lag) {
  std::lock_guard<std::mutex> lock(mu_);
  subscriber_lag_[std::string(subscriber)] = lag;
}

void Metrics::ForgetSubscriber(std::string_view subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = subscriber_lag_.find(subscriber);
  if (it != subscriber_lag_.end()) subscriber_lag_.erase(it);
}

void Metrics::CountClockJump(std::string_view direction) {
  std::lock_guard<std::mutex> lock(mu_);
  ++clock_jumps_[std::string(direction)];
}

void Metrics::CountVictimMessage(std::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++victim_messages_[std::string(result)];
}

void Metrics::CountRetention(std::string_view outcome, uint64_t segments_deleted,
                             uint64_t bytes_freed) {
  std::lock_guard<std::mutex> lock(mu_);
  ++retention_runs_[std::string(outcome)];
  retention_segments_deleted_ += segments_deleted;
  retention_bytes_freed_ += bytes_freed;
}

std::string Metrics::Render() const {
  std::ostringstream out;
  std::lock_guard<std::mutex> lock(mu_);
  out << "# HELP stayaway_fixes_total Fixes applied by the engine.\n"
         "# TYPE stayaway_fixes_total counter\n";
  for (const auto& [key, n] : fixes_) {
    out << "stayaway_fixes_total{source=\"" << Escape(key.first) << "\",outcome=\""
        << key.second << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_fixes_rejected_total Fixes and requests refused, by reason.\n"
         "# TYPE stayaway_fixes_rejected_total counter\n";
  for (const auto& [key, n] : rejected_) {
    out << "stayaway_fixes_rejected_total{source=\"" << Escape(key.first) << "\",reason=\""
        << Escape(key.second) << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_clock_jumps_total Steps of the wall clock, by direction.\n"
         "# TYPE stayaway_clock_jumps_total counter\n";
  for (const auto& [direction, n] : clock_jumps_) {
    out << "stayaway_clock_jumps_total{direction=\"" << Escape(direction) << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_victim_messages_total Messages to victim SMS or voice gateways.\n"
         "# TYPE stayaway_victim_messages_total counter\n";
  for (const auto& [result, n] : victim_messages_) {
    out << "stayaway_victim_messages_total{result=\"" << Escape(result) << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_retention_runs_total Journal retention runs by outcome.\n"
         "# TYPE stayaway_retention_runs_total counter\n";
  for (const auto& [outcome, n] : retention_runs_) {
    out << "stayaway_retention_runs_total{outcome=\"" << Escape(outcome) << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_retention_segments_deleted_total Journal segments deleted by retention.\n"
         "# TYPE stayaway_retention_segments_deleted_total counter\n"
         "stayaway_retention_segments_deleted_total " << retention_segments_deleted_ << '\n'
      << "# HELP stayaway_retention_bytes_freed_total Bytes of the segments retention deleted.\n"
         "# TYPE stayaway_retention_bytes_freed_total counter\n"
         "stayaway_retention_bytes_freed_total " << retention_bytes_freed_ << '\n';
  out << "# HELP stayaway_backpressure_total Submissions pushed back because the queue was full.\n"
         "# TYPE stayaway_backpressure_total counter\n";
  for (const auto& [source, n] : backpressure_) {
    out << "stayaway_backpressure_total{source=\"" << Escape(source) << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_queue_depth Fixes waiting for the engine.\n"
         "# TYPE stayaway_queue_depth gauge\n"
      << "stayaway_queue_depth " << queue_depth_.load(std::memory_order_relaxed) << '\n';
  out << "# HELP stayaway_evaluation_seconds Engine time per fix.\n"
         "# TYPE stayaway_evaluation_seconds histogram\n";
  uint64_t cumulative = 0;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    cumulative += latency_counts_[i];
    out << "stayaway_evaluation_seconds_bucket{le=\"" << kBuckets[i] << "\"} " << cumulative
        << '\n';
  }
  cumulative += latency_counts_.back();
  out << "stayaway_evaluation_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
      << "stayaway_evaluation_seconds_sum " << latency_sum_seconds_ << '\n'
      << "stayaway_evaluation_seconds_count " << cumulative << '\n';
  out << "# HELP stayaway_events_total Alert transitions emitted.\n"
         "# TYPE stayaway_events_total counter\n";
  for (const auto& [key, n] : events_) {
    out << "stayaway_events_total{kind=\"" << key.first << "\",transition=\"" << key.second
        << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_alerts_open Alerts open now.\n"
         "# TYPE stayaway_alerts_open gauge\n";
  for (const auto& [kind, n] : open_alerts_) {
    out << "stayaway_alerts_open{kind=\"" << kind << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_subscriber_lag_events Events a subscriber has not received yet.\n"
         "# TYPE stayaway_subscriber_lag_events gauge\n";
  for (const auto& [name, lag] : subscriber_lag_) {
    out << "stayaway_subscriber_lag_events{subscriber=\"" << Escape(name) << "\"} " << lag
        << '\n';
  }
  out << "# HELP stayaway_subscribers Subscribers connected.\n"
         "# TYPE stayaway_subscribers gauge\n"
      << "stayaway_subscribers " << subscriber_lag_.size() << '\n';
  return std::move(out).str();
}

}  // namespace stayaway::daemon
