#include "daemon/metrics.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "daemon/process_metrics.h"

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
  evaluation_.Add(batch.latency_counts.data(), batch.latency_sum_seconds);
}

void Metrics::CountViolationEntered(v1::Event::Certainty certainty) {
  std::lock_guard<std::mutex> lock(mu_);
  ++violations_entered_[v1::Event::Certainty_Name(certainty)];
}

void Metrics::ObserveAckLatency(v1::Event::Kind kind, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, added] = ack_latency_.try_emplace(
      v1::Event::Kind_Name(kind), Histogram{1, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600});
  it->second.Observe(seconds);
}

void Metrics::ObserveJournalSync(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  journal_sync_.Observe(seconds);
}

void Metrics::CountWebhookDelivery(std::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  ++webhook_deliveries_[std::string(result)];
}

void Metrics::SetKafkaLeader(bool leading) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.leading = leading;
}

void Metrics::CountKafkaRebalance(std::string_view kind) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  ++kafka_.rebalances[std::string(kind)];
}

void Metrics::CountKafkaHandover(std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  ++kafka_.handovers[std::string(reason)];
}

void Metrics::CountKafkaSnapshot(std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  ++kafka_.snapshots[std::string(outcome)];
}

void Metrics::SetKafkaSnapshotOffset(int64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.snapshot_offset = offset;
}

void Metrics::SetKafkaTakeoverSeconds(double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.takeover_seconds = seconds;
}

void Metrics::SetKafkaLag(std::string_view topic, int32_t partition, int64_t lag) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.lag[{std::string(topic), partition}] = lag;
}

void Metrics::ReplaceKafkaLags(std::string_view topic, const std::map<int32_t, int64_t>& lags) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  for (auto it = kafka_.lag.begin(); it != kafka_.lag.end();) {
    it = it->first.first == topic ? kafka_.lag.erase(it) : std::next(it);
  }
  for (const auto& [partition, lag] : lags) kafka_.lag[{std::string(topic), partition}] = lag;
}

void Metrics::CountKafkaPublished(uint64_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.published += events;
}

void Metrics::CountKafkaPublishFailures(uint64_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  kafka_.used = true;
  kafka_.publish_failures += events;
}

void Metrics::SetMqttConnected(bool connected) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  mqtt_.connected = connected;
}

void Metrics::CountMqttConnect(std::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  ++mqtt_.connects[std::string(result)];
}

void Metrics::CountMqttMessage(std::string_view format, std::string_view outcome) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  ++mqtt_.messages[{std::string(format), std::string(outcome)}];
}

void Metrics::CountMqttIgnored(std::string_view type) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  ++mqtt_.ignored[std::string(type)];
}

void Metrics::CountMqttPublished(uint64_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  mqtt_.published += events;
}

void Metrics::CountMqttPublishFailures(uint64_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  mqtt_.publish_failures += events;
}

void Metrics::SetMqttBacklog(uint64_t events) {
  std::lock_guard<std::mutex> lock(mu_);
  mqtt_.used = true;
  mqtt_.backlog = events;
}

void Metrics::CountWebhookFailure(std::string_view to, std::string_view reason) {
  std::lock_guard<std::mutex> lock(mu_);
  ++webhook_failures_[{std::string(to), std::string(reason)}];
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

std::string Metrics::Render(TimeMs now_ms) const {
  std::ostringstream out;
  RenderProcessMetrics(&out);
  if (!version_.empty()) {
    // "VERSION (commit HASH)": the two labels.
    const size_t space = version_.find(' ');
    const std::string version = version_.substr(0, space);
    std::string commit = "unknown";
    if (const size_t at = version_.find("(commit "); at != std::string::npos) {
      commit = version_.substr(at + 8, version_.find(')', at) - at - 8);
    }
    out << "# HELP stayaway_build_info The build: its version and the commit it came from.\n"
           "# TYPE stayaway_build_info gauge\n"
           "stayaway_build_info{version=\""
        << Escape(version) << "\",commit=\"" << Escape(commit) << "\"} 1\n";
  }
  const TimeMs waiting_since = uncheckpointed_ms_.load(std::memory_order_relaxed);
  out << "# HELP stayaway_checkpoint_age_seconds How long signed log leaves have waited for a "
         "signed checkpoint (0: the newest covers them all).\n"
         "# TYPE stayaway_checkpoint_age_seconds gauge\n"
         "stayaway_checkpoint_age_seconds "
      << (waiting_since == 0
              ? 0.0
              : static_cast<double>(std::max<TimeMs>(0, now_ms - waiting_since)) / 1000.0)
      << '\n';
  std::lock_guard<std::mutex> lock(mu_);
  out << "# HELP stayaway_violations_entered_total Proximity alerts that became violations "
         "(opened as one or escalated from a warning).\n"
         "# TYPE stayaway_violations_entered_total counter\n";
  for (const auto& [certainty, n] : violations_entered_) {
    out << "stayaway_violations_entered_total{certainty=\"" << certainty << "\"} " << n << '\n';
  }
  out << "# HELP stayaway_ack_latency_seconds From the detection of the level an "
         "acknowledgement answers to the acknowledgement.\n"
         "# TYPE stayaway_ack_latency_seconds histogram\n";
  for (const auto& [kind, histogram] : ack_latency_) {
    histogram.Render("stayaway_ack_latency_seconds", "kind=\"" + kind + "\"", &out);
  }
  out << "# HELP stayaway_journal_fsync_seconds Time of each journal sync.\n"
         "# TYPE stayaway_journal_fsync_seconds histogram\n";
  journal_sync_.Render("stayaway_journal_fsync_seconds", "", &out);
  out << "# HELP stayaway_webhook_deliveries_total Event webhook POSTs, by result.\n"
         "# TYPE stayaway_webhook_deliveries_total counter\n";
  for (const auto& [result, n] : webhook_deliveries_) {
    out << "stayaway_webhook_deliveries_total{result=\"" << Escape(result) << "\"} " << n << '\n';
  }
  if (mqtt_.used) {
    out << "# HELP stayaway_mqtt_connected Whether the MQTT bridge has a broker session.\n"
           "# TYPE stayaway_mqtt_connected gauge\n"
           "stayaway_mqtt_connected "
        << (mqtt_.connected ? 1 : 0) << '\n';
    out << "# HELP stayaway_mqtt_connects_total MQTT connection attempts, by result.\n"
           "# TYPE stayaway_mqtt_connects_total counter\n";
    for (const auto& [result, n] : mqtt_.connects) {
      out << "stayaway_mqtt_connects_total{result=\"" << Escape(result) << "\"} " << n << '\n';
    }
    out << "# HELP stayaway_mqtt_messages_total MQTT messages received, by format and outcome.\n"
           "# TYPE stayaway_mqtt_messages_total counter\n";
    for (const auto& [key, n] : mqtt_.messages) {
      out << "stayaway_mqtt_messages_total{format=\"" << Escape(key.first) << "\",outcome=\""
          << Escape(key.second) << "\"} " << n << '\n';
    }
    out << "# HELP stayaway_mqtt_ignored_total OwnTracks messages of other types, by type.\n"
           "# TYPE stayaway_mqtt_ignored_total counter\n";
    for (const auto& [type, n] : mqtt_.ignored) {
      out << "stayaway_mqtt_ignored_total{type=\"" << Escape(type) << "\"} " << n << '\n';
    }
    out << "# HELP stayaway_mqtt_events_published_total Events the broker acknowledged.\n"
           "# TYPE stayaway_mqtt_events_published_total counter\n"
           "stayaway_mqtt_events_published_total "
        << mqtt_.published << '\n';
    out << "# HELP stayaway_mqtt_publish_failures_total Event publishes failed or cut off "
           "(published again).\n"
           "# TYPE stayaway_mqtt_publish_failures_total counter\n"
           "stayaway_mqtt_publish_failures_total "
        << mqtt_.publish_failures << '\n';
    out << "# HELP stayaway_mqtt_backlog_events Events not yet acknowledged by the broker.\n"
           "# TYPE stayaway_mqtt_backlog_events gauge\n"
           "stayaway_mqtt_backlog_events "
        << mqtt_.backlog << '\n';
  }
  if (kafka_.used) {
    out << "# HELP stayaway_kafka_leader Whether this instance leads (writes ticks, publishes "
           "events).\n"
           "# TYPE stayaway_kafka_leader gauge\n"
           "stayaway_kafka_leader "
        << (kafka_.leading ? 1 : 0) << '\n';
    out << "# HELP stayaway_kafka_rebalances_total Leadership group rebalances, by kind.\n"
           "# TYPE stayaway_kafka_rebalances_total counter\n";
    for (const auto& [kind, n] : kafka_.rebalances) {
      out << "stayaway_kafka_rebalances_total{kind=\"" << Escape(kind) << "\"} " << n << '\n';
    }
    out << "# HELP stayaway_kafka_takeover_seconds The last takeover, from being made leader to "
           "the backlog published.\n"
           "# TYPE stayaway_kafka_takeover_seconds gauge\n"
           "stayaway_kafka_takeover_seconds "
        << kafka_.takeover_seconds << '\n';
    out << "# HELP stayaway_kafka_lag Records held by the cluster not yet applied or routed.\n"
           "# TYPE stayaway_kafka_lag gauge\n";
    for (const auto& [key, lag] : kafka_.lag) {
      out << "stayaway_kafka_lag{topic=\"" << Escape(key.first) << "\",partition=\"" << key.second
          << "\"} " << lag << '\n';
    }
    out << "# HELP stayaway_kafka_events_published_total Events the cluster took.\n"
           "# TYPE stayaway_kafka_events_published_total counter\n"
           "stayaway_kafka_events_published_total "
        << kafka_.published << '\n';
    out << "# HELP stayaway_kafka_publish_failures_total Event publishes refused (sent again).\n"
           "# TYPE stayaway_kafka_publish_failures_total counter\n"
           "stayaway_kafka_publish_failures_total "
        << kafka_.publish_failures << '\n';
    out << "# HELP stayaway_kafka_handovers_total Times this instance gave up the lead, unfit "
           "for it, by reason.\n"
           "# TYPE stayaway_kafka_handovers_total counter\n";
    for (const auto& [reason, n] : kafka_.handovers) {
      out << "stayaway_kafka_handovers_total{reason=\"" << Escape(reason) << "\"} " << n << '\n';
    }
    out << "# HELP stayaway_kafka_snapshots_total Snapshots put on the snapshot topic, by "
           "outcome.\n"
           "# TYPE stayaway_kafka_snapshots_total counter\n";
    for (const auto& [outcome, n] : kafka_.snapshots) {
      out << "stayaway_kafka_snapshots_total{outcome=\"" << Escape(outcome) << "\"} " << n << '\n';
    }
    if (kafka_.snapshot_offset >= 0) {
      out << "# HELP stayaway_kafka_snapshot_offset The log offset of the newest snapshot "
             "published or started from.\n"
             "# TYPE stayaway_kafka_snapshot_offset gauge\n"
             "stayaway_kafka_snapshot_offset "
          << kafka_.snapshot_offset << '\n';
    }
  }
  out << "# HELP stayaway_webhook_failures_total Failed webhook and victim gateway POSTs, by "
         "reason.\n"
         "# TYPE stayaway_webhook_failures_total counter\n";
  for (const auto& [key, n] : webhook_failures_) {
    out << "stayaway_webhook_failures_total{to=\"" << Escape(key.first) << "\",reason=\""
        << Escape(key.second) << "\"} " << n << '\n';
  }
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
  evaluation_.Render("stayaway_evaluation_seconds", "", &out);
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
