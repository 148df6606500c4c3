#include "daemon/kafka_leader.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/log.h"
#include "ingest/event_json_writer.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

constexpr size_t kMaxOutstanding = 20000;  // events sent and not yet confirmed
constexpr auto kCommitEvery = std::chrono::milliseconds(200);

}  // namespace

Status KafkaLeader::Start() {
  StatusOr<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Create(
      options_.producer, [this](const kafka::DeliveryReport& report) { OnDelivery(report); });
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  StatusOr<std::unique_ptr<kafka::GroupConsumer>> consumer = kafka::GroupConsumer::Create(
      options_.consumer,
      [this](kafka::RebalanceKind kind, const std::vector<kafka::TopicPartition>& partitions) {
        const bool ours = std::any_of(partitions.begin(), partitions.end(), [](const auto& p) {
          return p.topic == kafka::kLeaderTopic && p.partition == 0;
        });
        core_.metrics().CountKafkaRebalance(kind == kafka::RebalanceKind::kAssigned ? "assigned"
                                                                                    : "revoked");
        if (!ours) return;
        if (kind == kafka::RebalanceKind::kAssigned) {
          assigned_ = true;  // leading begins after Poll returns (it asks the coordinator)
        } else {
          assigned_ = false;
          EndLeading();  // its last chance to commit
        }
      });
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  stopping_.store(false);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-lead");
    Run();
  });
  return Status::Ok();
}

void KafkaLeader::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  // Their last callbacks (delivery reports, a revocation) reach the core: done here,
  // while it is alive, not whenever this object goes.
  producer_.reset();
  consumer_.reset();
}

void KafkaLeader::Run() {
  // A member that is behind never leads: wait for the follower to catch up first.
  while (!stopping_.load() && !follower_.CaughtUp()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (stopping_.load()) return;
  if (Status s = consumer_->Subscribe({kafka::kLeaderTopic}); !s.ok()) {
    Log(LogLevel::kError, "cannot join the leadership group", {{"error", s.message()}});
    return;
  }
  Log(LogLevel::kInfo, "joined the leadership group",
      {{"group", options_.consumer.group_id},
       {"log_offset", std::to_string(core_.LoggedPosition())}});
  while (!stopping_.load()) {
    StatusOr<std::optional<kafka::ConsumedMessage>> polled =
        consumer_->Poll(std::chrono::milliseconds(leading_ ? 5 : 50));
    (void)polled;  // nothing is written to the leadership topic; errors are transient
    if (assigned_ && !leading_) BeginLeading();
    producer_->Poll(std::chrono::milliseconds(0));
    if (!leading_) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick_) {
      next_tick_ = now + std::chrono::milliseconds(options_.tick_interval_ms);
      std::vector<v1::Input> tick(1);
      MsToTimestamp(core_.CentreNow(), tick[0].mutable_tick()->mutable_tick());
      log_.Append(std::move(tick), [](std::vector<AppendResult>) {});  // the next one follows
    }
    Publish();
    if (now >= next_commit_) {
      next_commit_ = now + kCommitEvery;
      CommitCursor();
    }
  }
  if (leading_) EndLeading();
  (void)producer_->Flush(std::chrono::seconds(5));
  (void)consumer_->Close();  // leaves the group: another instance leads at once
}

void KafkaLeader::BeginLeading() {
  StatusOr<std::string> committed =
      consumer_->CommittedMetadata({kafka::kLeaderTopic, 0}, std::chrono::seconds(5));
  if (!committed.ok()) {
    Log(LogLevel::kWarning, "cannot read the published events cursor; trying again",
        {{"error", committed.status().message()}});
    return;
  }
  // "next_event_seq=N"; none yet: from the first event.
  next_to_send_ = 1;
  constexpr std::string_view kCursorKey = "next_event_seq=";
  if (committed->rfind(kCursorKey, 0) == 0) {
    next_to_send_ =
        std::max<uint64_t>(1, std::strtoull(committed->c_str() + kCursorKey.size(), nullptr, 10));
  }
  committed_ = next_to_send_;
  outstanding_.clear();
  leading_ = true;
  lead_started_ = std::chrono::steady_clock::now();
  takeover_target_ = std::max<uint64_t>(core_.NextEventSeq(), next_to_send_);
  next_tick_ = lead_started_;
  next_commit_ = lead_started_ + kCommitEvery;
  core_.metrics().SetKafkaLeader(true);
  Log(LogLevel::kInfo, "leading: writing ticks and publishing events",
      {{"from_seq", std::to_string(next_to_send_)},
       {"log_offset", std::to_string(core_.AppliedLogPosition())}});
  if (options_.on_lead) options_.on_lead(next_to_send_);
}

void KafkaLeader::EndLeading() {
  if (!leading_) return;
  // What the cluster confirmed so far is committed; what is in flight is published again
  // by the next leader.
  producer_->Poll(std::chrono::milliseconds(0));
  CommitCursor();
  leading_ = false;
  core_.metrics().SetKafkaLeader(false);
  Log(LogLevel::kInfo, "no longer leading", {{"cursor", std::to_string(committed_)}});
  if (options_.on_follow) options_.on_follow();
}

void KafkaLeader::Publish() {
  if (outstanding_.size() >= kMaxOutstanding) return;
  std::vector<v1::EventRecord> records;
  core_.ReadEvents(next_to_send_, std::min<size_t>(1000, kMaxOutstanding - outstanding_.size()),
                   &records);
  std::string json;
  for (const v1::EventRecord& record : records) {
    json.clear();
    ingest::AppendEventJson(record.event(), &json);
    const std::string seq = std::to_string(record.seq());
    const Status sent =
        producer_->Produce(kafka::kEventsTopic, record.event().alert_id(), json, record.seq(),
                           kafka::Producer::kAnyPartition, {{kafka::kEventSeqHeader, seq}});
    if (!sent.ok()) break;  // the producer's queue is full: the rest next round
    outstanding_.insert(record.seq());
    next_to_send_ = record.seq() + 1;
  }
  const uint64_t confirmed = outstanding_.empty() ? next_to_send_ : *outstanding_.begin();
  if (takeover_target_ != 0 && confirmed >= takeover_target_) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - lead_started_).count();
    core_.metrics().SetKafkaTakeoverSeconds(seconds);
    Log(LogLevel::kInfo, "took over: every event before leading is published",
        {{"seconds", std::to_string(seconds)}, {"up_to_seq", std::to_string(confirmed)}});
    takeover_target_ = 0;
  }
}

void KafkaLeader::CommitCursor() {
  const uint64_t confirmed = outstanding_.empty() ? next_to_send_ : *outstanding_.begin();
  if (confirmed <= committed_) return;
  // Offset 0, the partition's end (nothing is written there): the cursor is the metadata.
  const Status s = consumer_->CommitWithMetadata({kafka::kLeaderTopic, 0}, 0,
                                                 "next_event_seq=" + std::to_string(confirmed));
  if (!s.ok()) {
    Log(LogLevel::kWarning, "cannot commit the published events cursor", {{"error", s.message()}});
    return;
  }
  committed_ = confirmed;
}

void KafkaLeader::OnDelivery(const kafka::DeliveryReport& report) {
  if (outstanding_.erase(report.token) == 0) return;  // from an earlier time leading
  if (report.status.ok()) {
    core_.metrics().CountKafkaPublished(1);
    return;
  }
  // Published again from there: what followed it may come twice, with the same seq.
  core_.metrics().CountKafkaPublishFailures(1);
  next_to_send_ = std::min(next_to_send_, report.token);
  for (auto it = outstanding_.lower_bound(report.token); it != outstanding_.end();) {
    it = outstanding_.erase(it);
  }
}

}  // namespace stayaway::daemon
