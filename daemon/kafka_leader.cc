#include "daemon/kafka_leader.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/log.h"
#include "ingest/event_json_writer.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

constexpr size_t kMaxOutstanding = 20000;  // events sent and not yet confirmed
constexpr std::string_view kEventsCursor = "next_event_seq";

// "NAME=N;NAME=N" (names hold no '=' or ';': file-name characters) and back; what does
// not parse is left out.
std::map<std::string, uint64_t> ParseCursors(std::string_view text) {
  std::map<std::string, uint64_t> cursors;
  while (!text.empty()) {
    const size_t end = std::min(text.find(';'), text.size());
    const std::string_view item = text.substr(0, end);
    const size_t eq = item.find('=');
    if (eq != std::string_view::npos && eq > 0) {
      cursors[std::string(item.substr(0, eq))] =
          std::strtoull(std::string(item.substr(eq + 1)).c_str(), nullptr, 10);
    }
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return cursors;
}

std::string FormatCursors(const std::map<std::string, uint64_t>& cursors) {
  std::string text;
  for (const auto& [name, seq] : cursors) {
    if (!text.empty()) text += ';';
    text += name + "=" + std::to_string(seq);
  }
  return text;
}
constexpr auto kCommitEvery = std::chrono::milliseconds(200);
// max.poll.interval.ms at least (librdkafka's default, 5 minutes, would let a hung leader
// keep the lead that long).
constexpr int kMinMaxPollIntervalMs = 10'000;
// How far behind the log's end an instance that handed over may be when it joins again
// (as the follower's CaughtUp: a run).
constexpr int64_t kMaxBehindToJoin = 2000;

}  // namespace

StatusOr<std::unique_ptr<kafka::GroupConsumer>> KafkaLeader::MakeConsumer() {
  return kafka::GroupConsumer::Create(
      options_.consumer,
      [this](kafka::RebalanceKind kind, const std::vector<kafka::TopicPartition>& partitions) {
        const bool ours = std::any_of(partitions.begin(), partitions.end(), [this](const auto& p) {
          return p.topic == options_.leader_topic && p.partition == 0;
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
}

Status KafkaLeader::Start() {
  // A leader whose thread hangs stops polling: librdkafka then leaves the group for it
  // after this long (it may not be below the session timeout).
  options_.consumer.extra.Set(
      "max.poll.interval.ms",
      std::to_string(std::max(options_.consumer.session_timeout_ms, kMinMaxPollIntervalMs)));
  StatusOr<std::unique_ptr<kafka::Producer>> producer = kafka::Producer::Create(
      options_.producer, [this](const kafka::DeliveryReport& report) { OnDelivery(report); });
  if (!producer.ok()) return producer.status();
  producer_ = std::move(*producer);
  StatusOr<std::unique_ptr<kafka::GroupConsumer>> consumer = MakeConsumer();
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
  for (std::optional<Unfitness> handed_over; !stopping_.load();) {
    if (!WaitToJoin(handed_over)) break;
    if (consumer_ == nullptr) {  // left after a handover: a member anew
      StatusOr<std::unique_ptr<kafka::GroupConsumer>> consumer = MakeConsumer();
      if (!consumer.ok()) {
        Log(LogLevel::kError, "cannot make a leadership group member; trying again",
            {{"error", consumer.status().message()}});
        continue;
      }
      consumer_ = std::move(*consumer);
    }
    handed_over = Serve();
    if (leading_) EndLeading();
    (void)producer_->Flush(std::chrono::seconds(5));
    (void)consumer_->Close();  // leaves the group: another instance leads at once
    consumer_.reset();
  }
}

bool KafkaLeader::WaitToJoin(const std::optional<Unfitness>& handed_over) {
  // A member that is behind never leads: wait for the follower to catch up first. One
  // that handed over waits the grace too, so that an instance unfit for a while does
  // not take the lead back and forth, and, when its core had stopped applying the log,
  // until the core has applied what it could not.
  const auto not_before =
      std::chrono::steady_clock::now() +
      (handed_over.has_value() ? options_.stall_grace : std::chrono::milliseconds(0));
  const auto ready = [&] {
    if (std::chrono::steady_clock::now() < not_before || !follower_.CaughtUp()) return false;
    if (!handed_over.has_value()) return true;
    if (core_.AppliedLogPosition() <= handed_over->unapplied_offset) return false;
    const std::optional<int64_t> behind = follower_.Behind();
    return behind.has_value() && *behind <= kMaxBehindToJoin;
  };
  while (!stopping_.load() && !ready()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return !stopping_.load();
}

std::optional<Unfitness> KafkaLeader::Serve() {
  for (Status s = consumer_->Subscribe({options_.leader_topic}); !s.ok();
       s = consumer_->Subscribe({options_.leader_topic})) {
    Log(LogLevel::kError, "cannot join the leadership group; trying again",
        {{"error", s.message()}});
    for (int i = 0; i < 20 && !stopping_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (stopping_.load()) return std::nullopt;
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
    if (std::optional<Unfitness> unfit = fitness_->Verdict(core_.AppliedLogPosition(), now)) {
      Log(LogLevel::kError, "handing over the lead: this instance cannot do the leader's work",
          {{"reason", unfit->reason}, {"detail", unfit->detail}});
      core_.metrics().CountKafkaHandover(unfit->reason);
      EndLeading();
      return unfit;
    }
    if (now >= next_tick_) WriteTick(now);
    Publish();
    if (now >= next_commit_) {
      next_commit_ = now + kCommitEvery;
      CommitCursor();
    }
  }
  return std::nullopt;
}

void KafkaLeader::WriteTick(std::chrono::steady_clock::time_point now) {
  next_tick_ = now + std::chrono::milliseconds(options_.tick_interval_ms);
  std::vector<v1::Input> tick(1);
  MsToTimestamp(core_.CentreNow(), tick[0].mutable_tick()->mutable_tick());
  // A tick the log did not take is followed by the next one; each such is counted
  // (stayaway_fixes_rejected_total{source="kafka",reason="tick_not_logged"}), and a
  // leader whose ticks stop reaching the log hands over (leader_fitness.h).
  log_.Append(std::move(tick),
              [core = &core_, fitness = fitness_](std::vector<AppendResult> results) {
                for (const AppendResult& result : results) {
                  if (result.status.ok()) {
                    fitness->TickLogged(result.offset, std::chrono::steady_clock::now());
                  } else {
                    core->CountRejected("kafka", "tick_not_logged");
                  }
                }
              });
}

void KafkaLeader::BeginLeading() {
  StatusOr<std::string> committed =
      consumer_->CommittedMetadata({options_.leader_topic, 0}, std::chrono::seconds(5));
  if (!committed.ok()) {
    Log(LogLevel::kWarning, "cannot read the published events cursor; trying again",
        {{"error", committed.status().message()}});
    return;
  }
  // "next_event_seq=N;NAME=M;...": the events cursor, then the dispatchers'. None yet:
  // events from the first one, and so the dispatchers.
  DispatchStart start;
  start.committed = ParseCursors(*committed);
  const auto events = start.committed.find(std::string(kEventsCursor));
  next_to_send_ = events == start.committed.end() ? 1 : std::max<uint64_t>(1, events->second);
  if (events != start.committed.end()) start.committed.erase(events);
  start.uncommitted_from = next_to_send_;
  committed_ = next_to_send_;
  committed_metadata_ = *committed;
  outstanding_.clear();
  leading_ = true;
  lead_started_ = std::chrono::steady_clock::now();
  takeover_target_ = std::max<uint64_t>(core_.NextEventSeq(), next_to_send_);
  fitness_->BeginTerm(lead_started_);
  next_tick_ = lead_started_;
  next_commit_ = lead_started_ + kCommitEvery;
  core_.metrics().SetKafkaLeader(true);
  Log(LogLevel::kInfo, "leading: writing ticks and publishing events",
      {{"from_seq", std::to_string(next_to_send_)},
       {"log_offset", std::to_string(core_.AppliedLogPosition())}});
  if (options_.on_lead) options_.on_lead(start);
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
        producer_->Produce(options_.events_topic, record.event().alert_id(), json, record.seq(),
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
  std::map<std::string, uint64_t> cursors;
  if (options_.dispatcher_cursors) cursors = options_.dispatcher_cursors();
  cursors[std::string(kEventsCursor)] = std::max(confirmed, committed_);
  const std::string metadata = FormatCursors(cursors);
  if (metadata == committed_metadata_) return;
  // Offset 0, the partition's end (nothing is written there): the cursors are the metadata.
  const Status s = consumer_->CommitWithMetadata({options_.leader_topic, 0}, 0, metadata);
  if (!s.ok()) {
    Log(LogLevel::kWarning, "cannot commit the published events cursor", {{"error", s.message()}});
    return;
  }
  committed_ = cursors[std::string(kEventsCursor)];
  committed_metadata_ = metadata;
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
