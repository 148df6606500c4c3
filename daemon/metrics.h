// Metrics: the daemon's counters, gauges and the evaluation latency histogram, rendered in
// the Prometheus text exposition format (version 0.0.4) for GET /metrics.
//
//   stayaway_fixes_total{source,outcome}          fixes applied (outcome: new, duplicate)
//   stayaway_fixes_rejected_total{source,reason}   fixes and requests refused, by reason
//   stayaway_backpressure_total{source}            submissions pushed back (queue full)
//   stayaway_queue_depth                           fixes waiting for the engine
//   stayaway_evaluation_seconds                    engine time per fix (histogram)
//   stayaway_events_total{kind,transition}         alert transitions emitted
//   stayaway_alerts_open{kind}                     alerts open now
//   stayaway_subscriber_lag_events{subscriber}     events a subscriber is behind
//   stayaway_subscribers                           subscribers connected
//   stayaway_clock_jumps_total{direction}          wall clock steps (backward, forward)
//   stayaway_retention_runs_total{outcome}         retention runs (cut, kept, failed)
//   stayaway_victim_messages_total{result}         messages to victim gateways (delivered,
//                                                  refused, failed)
//   stayaway_retention_segments_deleted_total      journal segments retention deleted
//   stayaway_retention_bytes_freed_total           bytes those segments held
//   stayaway_violations_entered_total{certainty}   proximity alerts that became violations,
//                                                  opened as one or escalated from a warning
//   stayaway_ack_latency_seconds{kind}             from the detection of the level an
//                                                  acknowledgement answers to it (histogram)
//   stayaway_journal_fsync_seconds                 each journal sync (histogram)
//   stayaway_checkpoint_age_seconds                how long signed log leaves have waited
//                                                  for a checkpoint (0: all are covered)
//   stayaway_webhook_deliveries_total{result}      event webhook POSTs (delivered, failed)
//   stayaway_mqtt_connected                        1 while the MQTT bridge has a session with
//                                                  its broker, else 0 (only with --mqtt-broker)
//   stayaway_mqtt_connects_total{result}           connection attempts (connected, failed)
//   stayaway_mqtt_messages_total{format,outcome}   MQTT messages received (format owntracks,
//                                                  stayaway; outcome accepted, duplicate,
//                                                  ignored, refused: the reason is in
//                                                  stayaway_fixes_rejected_total{source="mqtt"})
//   stayaway_mqtt_ignored_total{type}              OwnTracks messages of other _types
//   stayaway_mqtt_events_published_total           events the broker acknowledged (PUBACK)
//   stayaway_mqtt_publish_failures_total           publishes that failed or were cut off by a
//                                                  lost connection (they are published again)
//   stayaway_mqtt_backlog_events                   events not yet acknowledged by the broker
//   stayaway_kafka_leader                          1 while this instance leads (Kafka mode:
//                                                  it writes the ticks and publishes events)
//   stayaway_kafka_rebalances_total{kind}          leadership group rebalances this
//                                                  instance saw (assigned, revoked)
//   stayaway_kafka_takeover_seconds                the last takeover: from being made leader
//                                                  to every event before it published
//   stayaway_kafka_lag{topic,partition}            records the cluster holds that this
//                                                  instance has not yet applied or routed
//   stayaway_kafka_events_published_total          events the cluster took on stayaway.events
//   stayaway_kafka_publish_failures_total          event publishes the cluster refused (sent
//                                                  again)
//   stayaway_kafka_handovers_total{reason}         times this instance gave up the lead, unfit
//                                                  for it (ticks_not_logged, log_not_applied)
//   stayaway_kafka_snapshots_total{outcome}        snapshots this instance put on the snapshot
//                                                  topic (published) or failed to (failed)
//   stayaway_kafka_snapshot_offset                 the log offset of the newest snapshot this
//                                                  instance published or started from
//   stayaway_webhook_failures_total{to,reason}     failed POSTs (to: webhook, victim_gateway)
//                                                  by reason (webhook_post.h: tls_untrusted,
//                                                  tls_hostname, connect, status_5xx, ...)
//   stayaway_build_info{version,commit}            1, labelled with the build
//   process_*                                      CPU, memory, descriptors, start time
//                                                  (process_metrics.h)
//
// Thread-safe.
#ifndef STAYAWAY_DAEMON_METRICS_H_
#define STAYAWAY_DAEMON_METRICS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "base/time.h"
#include "daemon/histogram.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

class Metrics {
 public:
  // `version`: the build's version text (base/version.h), "VERSION (commit HASH)"; empty:
  // no stayaway_build_info.
  explicit Metrics(std::string version = "") : version_(std::move(version)) {}

  // What the engine thread gathers over one batch of fixes and hands over with one lock.
  struct FixBatch {
    uint64_t applied = 0;
    uint64_t duplicates = 0;
    std::map<std::string, uint64_t> rejected;  // by reason
    std::array<uint64_t, 11> latency_counts{};  // kBuckets + the +Inf bucket
    double latency_sum_seconds = 0;
    void ObserveEvaluation(std::chrono::nanoseconds took);
  };
  void AddFixBatch(std::string_view source, const FixBatch& batch);

  void CountRejected(std::string_view source, std::string_view reason);
  void CountBackpressure(std::string_view source);
  void SetQueueDepth(uint64_t depth) { queue_depth_.store(depth, std::memory_order_relaxed); }
  void CountEvent(const v1::Event& event);
  void SetOpenAlerts(std::map<std::string, uint64_t> open_by_kind);
  void SetSubscriberLag(std::string_view subscriber, uint64_t lag);
  void ForgetSubscriber(std::string_view subscriber);
  void CountClockJump(std::string_view direction);
  // outcome: "cut", "kept" (nothing may go yet) or "failed".
  void CountRetention(std::string_view outcome, uint64_t segments_deleted, uint64_t bytes_freed);
  // result: "delivered", "refused" (a 4xx from the gateway) or "failed" (given up).
  void CountVictimMessage(std::string_view result);
  // A proximity alert that has just become a violation (opened or escalated into one).
  void CountViolationEntered(v1::Event::Certainty certainty);
  // An acknowledgement of a `kind` alert, `seconds` after the level it answers was detected.
  void ObserveAckLatency(v1::Event::Kind kind, double seconds);
  void ObserveJournalSync(double seconds);
  // Since when (ms since the epoch) the signed log has leaves no checkpoint covers; 0: none.
  void SetUncheckpointedSince(TimeMs time_ms) {
    uncheckpointed_ms_.store(time_ms, std::memory_order_relaxed);
  }
  // result: "delivered" or "failed" (the POST will be retried).
  void CountWebhookDelivery(std::string_view result);
  // A POST that failed: `to` "webhook" or "victim_gateway", `reason` WebhookAnswer::failure.
  void CountWebhookFailure(std::string_view to, std::string_view reason);

  // The MQTT bridge (mqtt_bridge.h). Its metrics are rendered once any of these is called.
  void SetMqttConnected(bool connected);
  void CountMqttConnect(std::string_view result);  // "connected" or "failed"
  void CountMqttMessage(std::string_view format, std::string_view outcome);
  void CountMqttIgnored(std::string_view type);
  void CountMqttPublished(uint64_t events);
  void CountMqttPublishFailures(uint64_t events);
  void SetMqttBacklog(uint64_t events);

  // Kafka mode (kafka_node.h). Its metrics are rendered once any of these is called.
  void SetKafkaLeader(bool leading);
  void CountKafkaRebalance(std::string_view kind);  // "assigned" or "revoked"
  void SetKafkaTakeoverSeconds(double seconds);
  void SetKafkaLag(std::string_view topic, int32_t partition, int64_t lag);
  // Every partition of `topic` this instance reads now, with its lag: the others it had
  // (they moved to another instance) are no longer shown.
  void ReplaceKafkaLags(std::string_view topic, const std::map<int32_t, int64_t>& lags);
  void CountKafkaPublished(uint64_t events);
  void CountKafkaPublishFailures(uint64_t events);
  void CountKafkaHandover(std::string_view reason);  // leader_fitness.h's reasons
  void CountKafkaSnapshot(std::string_view outcome);  // "published" or "failed"
  void SetKafkaSnapshotOffset(int64_t offset);

  // Everything, with the checkpoint age as of `now_ms` (the centre's clock).
  std::string Render(TimeMs now_ms) const;

 private:
  // Upper bounds of the latency buckets, in seconds.
  friend struct FixBatch;
  static constexpr std::array<double, 10> kBuckets = {1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6,
                                                      5e-6, 1e-5,   1e-4, 1e-3, 1e-2};
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, uint64_t, std::less<>> fixes_;
  std::map<std::pair<std::string, std::string>, uint64_t, std::less<>> rejected_;
  std::map<std::string, uint64_t, std::less<>> backpressure_;
  std::map<std::pair<std::string, std::string>, uint64_t> events_;
  std::map<std::string, uint64_t> open_alerts_;
  std::map<std::string, uint64_t, std::less<>> subscriber_lag_;
  Histogram evaluation_{std::span<const double>(kBuckets)};
  Histogram journal_sync_{1e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1};
  std::map<std::string, Histogram> ack_latency_;        // by kind
  std::map<std::string, uint64_t> violations_entered_;  // by certainty
  std::map<std::string, uint64_t, std::less<>> webhook_deliveries_;
  std::map<std::pair<std::string, std::string>, uint64_t> webhook_failures_;  // (to, reason)
  std::atomic<TimeMs> uncheckpointed_ms_{0};  // 0: every leaf is checkpointed
  const std::string version_;
  std::atomic<uint64_t> queue_depth_{0};
  std::map<std::string, uint64_t, std::less<>> retention_runs_;
  std::map<std::string, uint64_t, std::less<>> victim_messages_;
  std::map<std::string, uint64_t, std::less<>> clock_jumps_;
  struct Mqtt {
    bool used = false;
    bool connected = false;
    std::map<std::string, uint64_t, std::less<>> connects;
    std::map<std::pair<std::string, std::string>, uint64_t, std::less<>> messages;
    std::map<std::string, uint64_t, std::less<>> ignored;
    uint64_t published = 0;
    uint64_t publish_failures = 0;
    uint64_t backlog = 0;
  } mqtt_;  // guarded by mu_
  struct Kafka {
    bool used = false;
    bool leading = false;
    std::map<std::string, uint64_t, std::less<>> rebalances;
    double takeover_seconds = 0;
    std::map<std::pair<std::string, int32_t>, int64_t> lag;
    uint64_t published = 0;
    uint64_t publish_failures = 0;
    std::map<std::string, uint64_t, std::less<>> handovers;
    std::map<std::string, uint64_t, std::less<>> snapshots;
    int64_t snapshot_offset = -1;  // -1: none
  } kafka_;  // guarded by mu_
  uint64_t retention_segments_deleted_ = 0;
  uint64_t retention_bytes_freed_ = 0;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_METRICS_H_
