#include "daemon/metrics.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ctime>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/time.h"
#include "daemon/alert_book.h"
#include "daemon/histogram.h"
#include "daemon/process_metrics.h"

namespace stayaway::daemon {
namespace {

// The value of the sample line that starts with `series` ("name{labels}" or "name"), or
// -1 when there is none.
double Sample(const std::string& text, const std::string& series) {
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind(series + " ", 0) == 0) return std::stod(line.substr(series.size() + 1));
  }
  return -1;
}

TEST(Histogram, CountsCumulativelyWithSumAndCountAndLabels) {
  Histogram histogram({0.1, 1, 10});
  for (double v : {0.05, 0.1, 0.5, 2.0, 50.0}) histogram.Observe(v);
  EXPECT_EQ(histogram.BucketOf(0.1), 0u);  // upper bounds are inclusive, as Prometheus's
  EXPECT_EQ(histogram.BucketOf(10.5), 3u);
  std::ostringstream out;
  histogram.Render("x_seconds", "kind=\"sos\"", &out);
  EXPECT_EQ(out.str(),
            "x_seconds_bucket{kind=\"sos\",le=\"0.1\"} 2\n"
            "x_seconds_bucket{kind=\"sos\",le=\"1\"} 3\n"
            "x_seconds_bucket{kind=\"sos\",le=\"10\"} 4\n"
            "x_seconds_bucket{kind=\"sos\",le=\"+Inf\"} 5\n"
            "x_seconds_sum{kind=\"sos\"} 52.65\n"
            "x_seconds_count{kind=\"sos\"} 5\n");
  std::ostringstream plain;
  Histogram({1}).Render("y", "", &plain);
  EXPECT_EQ(plain.str(), "y_bucket{le=\"1\"} 0\ny_bucket{le=\"+Inf\"} 0\ny_sum 0\ny_count 0\n");
}

TEST(ProcessMetrics, ReadTheRunningProcess) {
  std::ostringstream before;
  RenderProcessMetrics(&before);
  const std::string text = before.str();
  EXPECT_GE(Sample(text, "process_cpu_seconds_total"), 0);
  EXPECT_GT(Sample(text, "process_resident_memory_bytes"), 1e6);  // a test binary's heap
  EXPECT_GT(Sample(text, "process_virtual_memory_bytes"), Sample(text, "process_resident_memory_bytes") - 1);
  const double start = Sample(text, "process_start_time_seconds");
  const double now = static_cast<double>(std::time(nullptr));
  EXPECT_GT(start, now - 3600);  // this test started it a moment ago
  EXPECT_LE(start, now + 1);
  rlimit limit{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  EXPECT_EQ(Sample(text, "process_max_fds"), static_cast<double>(limit.rlim_cur));
  // One more open descriptor is one more in the count.
  const double open = Sample(text, "process_open_fds");
  EXPECT_GE(open, 3);
  const int fd = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(fd, 0);
  std::ostringstream after;
  RenderProcessMetrics(&after);
  EXPECT_EQ(Sample(after.str(), "process_open_fds"), open + 1);
  ::close(fd);
}

TEST(Metrics, BuildInfoCheckpointAgeViolationsAcksSyncsAndWebhooks) {
  Metrics metrics("0.1.0 (commit 1a2b3c4d5e6f+changes)");
  std::string text = metrics.Render(10'000);
  EXPECT_NE(text.find("stayaway_build_info{version=\"0.1.0\",commit=\"1a2b3c4d5e6f+changes\"} 1\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(Sample(text, "stayaway_checkpoint_age_seconds"), 0);
  metrics.SetUncheckpointedSince(4'000);
  EXPECT_EQ(Sample(metrics.Render(10'500), "stayaway_checkpoint_age_seconds"), 6.5);
  metrics.SetUncheckpointedSince(0);
  EXPECT_EQ(Sample(metrics.Render(20'000), "stayaway_checkpoint_age_seconds"), 0);

  metrics.CountViolationEntered(v1::Event::confirmed);
  metrics.CountViolationEntered(v1::Event::confirmed);
  metrics.CountViolationEntered(v1::Event::possible);
  metrics.ObserveAckLatency(v1::Event::sos, 42);
  metrics.ObserveAckLatency(v1::Event::sos, 700);
  metrics.ObserveJournalSync(0.003);
  metrics.CountWebhookDelivery("failed");
  metrics.CountWebhookDelivery("delivered");
  metrics.CountWebhookDelivery("delivered");
  metrics.CountWebhookFailure("webhook", "tls_hostname");
  metrics.CountWebhookFailure("webhook", "tls_hostname");
  metrics.CountWebhookFailure("victim_gateway", "connect");
  text = metrics.Render(20'000);
  EXPECT_EQ(Sample(text, "stayaway_violations_entered_total{certainty=\"confirmed\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_violations_entered_total{certainty=\"possible\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_ack_latency_seconds_bucket{kind=\"sos\",le=\"60\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_ack_latency_seconds_bucket{kind=\"sos\",le=\"600\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_ack_latency_seconds_bucket{kind=\"sos\",le=\"1800\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_ack_latency_seconds_sum{kind=\"sos\"}"), 742);
  EXPECT_EQ(Sample(text, "stayaway_journal_fsync_seconds_bucket{le=\"0.0025\"}"), 0);
  EXPECT_EQ(Sample(text, "stayaway_journal_fsync_seconds_bucket{le=\"0.005\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_webhook_deliveries_total{result=\"delivered\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_webhook_deliveries_total{result=\"failed\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_webhook_failures_total{to=\"webhook\",reason=\"tls_hostname\"}"),
            2);
  EXPECT_EQ(
      Sample(text, "stayaway_webhook_failures_total{to=\"victim_gateway\",reason=\"connect\"}"), 1);
  // Every family is announced once, with its type.
  for (const char* family :
       {"stayaway_violations_entered_total counter", "stayaway_ack_latency_seconds histogram",
        "stayaway_journal_fsync_seconds histogram", "stayaway_checkpoint_age_seconds gauge",
        "stayaway_webhook_deliveries_total counter", "stayaway_build_info gauge",
        "process_cpu_seconds_total counter", "stayaway_evaluation_seconds histogram"}) {
    const std::string type = std::string("# TYPE ") + family + "\n";
    const size_t at = text.find(type);
    EXPECT_NE(at, std::string::npos) << type;
    EXPECT_EQ(text.find(type, at + 1), std::string::npos) << type;
  }
  // Without a version, no build_info.
  EXPECT_EQ(Metrics().Render(0).find("stayaway_build_info"), std::string::npos);
}

v1::Event AlertEvent(v1::Event::Kind kind, v1::Event::Transition transition,
                     v1::Event::Certainty certainty, TimeMs time_ms) {
  v1::Event event;
  event.set_alert_id("a1");
  event.set_order_id("o1");
  event.set_kind(kind);
  event.set_transition(transition);
  event.set_certainty(certainty);
  MsToTimestamp(time_ms, event.mutable_time());
  MsToTimestamp(time_ms, event.mutable_detected_at());
  return event;
}

// What the alert book tells the metrics: a violation is entered once per episode whether
// opened as one or escalated into from a warning, never by a certainty step inside it; an
// acknowledgement answers the newest raise, once.
TEST(AlertBookChange, ViolationsEnteredAndTimeToAcknowledge) {
  using E = v1::Event;
  EventLog log;
  AlertBook book(log);
  EXPECT_FALSE(book.Record(1, AlertEvent(E::proximity_warning, E::opened, E::possible, 1'000))
                   .entered_violation);
  auto ack = AlertEvent(E::proximity_warning, E::acknowledged, E::possible, 31'000);
  EXPECT_EQ(book.Record(2, ack).answered_after_ms, 30'000);
  EXPECT_FALSE(book.Record(3, ack).answered_after_ms.has_value());  // answered already
  EXPECT_TRUE(book.Record(4, AlertEvent(E::proximity_violation, E::escalated, E::possible, 40'000))
                  .entered_violation);
  EXPECT_FALSE(
      book.Record(5, AlertEvent(E::proximity_violation, E::escalated, E::confirmed, 45'000))
          .entered_violation);  // possible -> confirmed: still the same violation
  ack = AlertEvent(E::proximity_violation, E::acknowledged, E::confirmed, 50'000);
  EXPECT_EQ(book.Record(6, ack).answered_after_ms, 5'000);  // from the newest raise
  v1::Event other = AlertEvent(E::proximity_violation, E::opened, E::confirmed, 60'000);
  other.set_alert_id("a2");
  EXPECT_TRUE(book.Record(7, other).entered_violation);
  v1::Event sos = AlertEvent(E::sos, E::opened, E::confirmed, 61'000);
  sos.set_alert_id("a3");
  EXPECT_FALSE(book.Record(8, sos).entered_violation);
}

TEST(Metrics, MqttSeriesAppearOnceTheBridgeIsUsed) {
  Metrics metrics;
  EXPECT_EQ(metrics.Render(0).find("stayaway_mqtt_"), std::string::npos);  // no broker
  metrics.SetMqttConnected(true);
  metrics.CountMqttConnect("failed");
  metrics.CountMqttConnect("connected");
  metrics.CountMqttMessage("owntracks", "accepted");
  metrics.CountMqttMessage("owntracks", "accepted");
  metrics.CountMqttMessage("stayaway", "refused");
  metrics.CountMqttIgnored("transition");
  metrics.CountMqttPublished(5);
  metrics.CountMqttPublishFailures(2);
  metrics.SetMqttBacklog(3);
  const std::string text = metrics.Render(0);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_connected"), 1);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_connects_total{result=\"failed\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_connects_total{result=\"connected\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_messages_total{format=\"owntracks\",outcome=\"accepted\"}"),
            2);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_messages_total{format=\"stayaway\",outcome=\"refused\"}"),
            1);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_ignored_total{type=\"transition\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_events_published_total"), 5);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_publish_failures_total"), 2);
  EXPECT_EQ(Sample(text, "stayaway_mqtt_backlog_events"), 3);
  metrics.SetMqttConnected(false);
  EXPECT_EQ(Sample(metrics.Render(0), "stayaway_mqtt_connected"), 0);
}

TEST(Metrics, KafkaSeriesAppearOnceUsedWithTheirValues) {
  EXPECT_EQ(Metrics().Render(0).find("stayaway_kafka_"), std::string::npos);  // not Kafka mode
  // Any one of them shows the family.
  const std::vector<std::function<void(Metrics&)>> uses = {
      [](Metrics& m) { m.SetKafkaLeader(false); },
      [](Metrics& m) { m.CountKafkaRebalance("assigned"); },
      [](Metrics& m) { m.SetKafkaTakeoverSeconds(0); },
      [](Metrics& m) { m.SetKafkaLag("stayaway.input", 0, 0); },
      [](Metrics& m) { m.ReplaceKafkaLags("stayaway.fixes", {}); },
      [](Metrics& m) { m.CountKafkaPublished(0); },
      [](Metrics& m) { m.CountKafkaPublishFailures(0); },
      [](Metrics& m) { m.CountKafkaHandover("log_not_applied"); },
      [](Metrics& m) { m.CountKafkaSnapshot("failed"); },
      [](Metrics& m) { m.SetKafkaSnapshotOffset(0); },
  };
  for (size_t i = 0; i < uses.size(); ++i) {
    Metrics used;
    uses[i](used);
    const std::string text = used.Render(0);
    EXPECT_EQ(Sample(text, "stayaway_kafka_leader"), 0) << "use " << i << "\n" << text;
    EXPECT_EQ(Sample(text, "stayaway_kafka_events_published_total"), 0) << "use " << i;
  }

  Metrics metrics;
  metrics.SetKafkaLeader(true);
  metrics.CountKafkaRebalance("assigned");
  metrics.CountKafkaRebalance("assigned");
  metrics.CountKafkaRebalance("revoked");
  metrics.SetKafkaTakeoverSeconds(1.5);
  metrics.SetKafkaLag("stayaway.input", 0, 7);
  metrics.CountKafkaPublished(4);
  metrics.CountKafkaPublished(2);
  metrics.CountKafkaPublishFailures(1);
  metrics.CountKafkaHandover("log_not_applied");
  metrics.CountKafkaHandover("log_not_applied");
  metrics.CountKafkaHandover("ticks_not_logged");
  EXPECT_EQ(metrics.Render(0).find("stayaway_kafka_snapshot_offset"), std::string::npos)
      << "no snapshot yet: no offset";
  metrics.CountKafkaSnapshot("published");
  metrics.CountKafkaSnapshot("published");
  metrics.CountKafkaSnapshot("failed");
  metrics.SetKafkaSnapshotOffset(4096);
  const std::string text = metrics.Render(0);
  EXPECT_EQ(Sample(text, "stayaway_kafka_leader"), 1) << text;
  EXPECT_EQ(Sample(text, "stayaway_kafka_rebalances_total{kind=\"assigned\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_kafka_rebalances_total{kind=\"revoked\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_kafka_takeover_seconds"), 1.5);
  EXPECT_EQ(Sample(text, "stayaway_kafka_lag{topic=\"stayaway.input\",partition=\"0\"}"), 7);
  EXPECT_EQ(Sample(text, "stayaway_kafka_events_published_total"), 6);
  EXPECT_EQ(Sample(text, "stayaway_kafka_publish_failures_total"), 1);
  EXPECT_EQ(Sample(text, "stayaway_kafka_handovers_total{reason=\"log_not_applied\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_kafka_handovers_total{reason=\"ticks_not_logged\"}"), 1);
  EXPECT_NE(text.find("# TYPE stayaway_kafka_handovers_total counter\n"), std::string::npos);
  EXPECT_EQ(Sample(text, "stayaway_kafka_snapshots_total{outcome=\"published\"}"), 2);
  EXPECT_EQ(Sample(text, "stayaway_kafka_snapshots_total{outcome=\"failed\"}"), 1);
  EXPECT_EQ(Sample(text, "stayaway_kafka_snapshot_offset"), 4096);
  EXPECT_NE(text.find("# TYPE stayaway_kafka_snapshot_offset gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stayaway_kafka_lag gauge\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE stayaway_kafka_rebalances_total counter\n"), std::string::npos);
  metrics.SetKafkaLeader(false);
  EXPECT_EQ(Sample(metrics.Render(0), "stayaway_kafka_leader"), 0);
}

TEST(Metrics, ReplaceKafkaLagsKeepsOnlyThePartitionsStillReadOfThatTopic) {
  const auto lag = [](const Metrics& metrics, const std::string& topic, int partition) {
    return Sample(metrics.Render(0), "stayaway_kafka_lag{topic=\"" + topic + "\",partition=\"" +
                                         std::to_string(partition) + "\"}");
  };
  Metrics metrics;
  metrics.SetKafkaLag("stayaway.input", 0, 7);
  metrics.ReplaceKafkaLags("stayaway.fixes", {{0, 3}, {2, 5}});
  EXPECT_EQ(lag(metrics, "stayaway.fixes", 0), 3);
  EXPECT_EQ(lag(metrics, "stayaway.fixes", 2), 5);
  // A rebalance: partition 0 moved to another instance, 3 came here.
  metrics.ReplaceKafkaLags("stayaway.fixes", {{2, 1}, {3, 0}});
  EXPECT_EQ(lag(metrics, "stayaway.fixes", 0), -1) << "a partition no longer read is still shown";
  EXPECT_EQ(lag(metrics, "stayaway.fixes", 2), 1);
  EXPECT_EQ(lag(metrics, "stayaway.fixes", 3), 0);
  EXPECT_EQ(lag(metrics, "stayaway.input", 0), 7) << "another topic's series went";
  // Every partition gone: none of that topic's series is left, the other topic's stays.
  metrics.ReplaceKafkaLags("stayaway.fixes", {});
  const std::string text = metrics.Render(0);
  EXPECT_EQ(text.find("stayaway_kafka_lag{topic=\"stayaway.fixes\""), std::string::npos) << text;
  EXPECT_EQ(lag(metrics, "stayaway.input", 0), 7);
}

}  // namespace
}  // namespace stayaway::daemon
