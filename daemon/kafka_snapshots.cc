#include "daemon/kafka_snapshots.h"

#include <utility>
#include <vector>

#include "base/private_files.h"
#include "daemon/log.h"
#include "evidence/base_at_segment.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "kafka/topics.h"

namespace stayaway::daemon {

StatusOr<std::optional<int64_t>> StartFromClusterSnapshot(const kafka::BlobTopicOptions& topic,
                                                          const std::string& journal_dir) {
  StatusOr<std::optional<evidence::RetentionBase>> own = evidence::LoadRetentionBase(journal_dir);
  if (!own.ok()) return own.status();
  if (own->has_value() || !journal::ListSegments(journal_dir).empty()) {
    return std::optional<int64_t>();  // the journal holds this instance's own state
  }
  StatusOr<std::optional<kafka::Blob>> blob = kafka::ReadNewestBlob(topic, kafka::kSnapshotBlob);
  if (!blob.ok()) return blob.status();
  if (!blob->has_value()) return std::optional<int64_t>();
  StatusOr<evidence::RetentionBase> base = evidence::RetentionBase::Decode((*blob)->bytes);
  if (!base.ok()) return InvalidArgument("the cluster's snapshot: " + base.status().message());
  if (base->state.records != (*blob)->version || base->first_segment != 1) {
    return InvalidArgument("the cluster's snapshot at version " + std::to_string((*blob)->version) +
                           " holds the state at " + std::to_string(base->state.records) +
                           ", from segment " + std::to_string(base->first_segment));
  }
  if (StatusOr<evidence::MerkleTree> tree = base->Tree(); !tree.ok()) {
    return InvalidArgument("the cluster's snapshot: " + tree.status().message());
  }
  if (Status s = MakePrivateDirectories(journal_dir); !s.ok()) return s;
  if (Status s = evidence::SaveRetentionBase(journal_dir, *base); !s.ok()) return s;
  return std::optional<int64_t>(static_cast<int64_t>(base->state.records));
}

Status KafkaSnapshotPublisher::Start() {
  StatusOr<std::unique_ptr<kafka::BlobTopicWriter>> writer =
      kafka::BlobTopicWriter::Create(options_.topic);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(*writer);
  if (Status s = MakePrivateDirectories(options_.published_dir); !s.ok()) return s;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void KafkaSnapshotPublisher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void KafkaSnapshotPublisher::Lead() {
  reread_topic_ = true;
  leading_ = true;
  wake_.notify_all();
}

void KafkaSnapshotPublisher::Follow() { leading_ = false; }

void KafkaSnapshotPublisher::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, options_.check_interval, [&] { return stopping_; });
      if (stopping_) return;
    }
    if (!leading_) continue;
    if (Status s = PublishDue(); !s.ok()) {
      metrics_.CountKafkaSnapshot("failed");
      Log(LogLevel::kWarning, "cannot publish a snapshot", {{"error", s.message()}});
    }
  }
}

Status KafkaSnapshotPublisher::PublishDue() {
  if (reread_topic_.exchange(false)) topic_version_.reset();
  if (!topic_version_) {
    // Megabytes, once per leadership: whether another leader published further already.
    StatusOr<std::optional<kafka::Blob>> newest =
        kafka::ReadNewestBlob(options_.topic, kafka::kSnapshotBlob);
    if (newest.ok()) {
      topic_version_ = newest->has_value() ? (*newest)->version : 0;
    } else {
      // A snapshot that does not hold together is replaced by the next one.
      Log(LogLevel::kWarning, "the snapshot topic's newest snapshot is unreadable",
          {{"error", newest.status().message()}});
      topic_version_ = 0;
    }
  }
  std::optional<evidence::RetentionBase> newest;  // the newest base made
  for (;;) {
    const std::vector<uint32_t> segments = journal::ListSegments(options_.journal_dir);
    if (segments.size() < 2) break;  // no segment completed: the last is being written
    StatusOr<std::optional<evidence::RetentionBase>> own =
        evidence::LoadRetentionBase(options_.journal_dir);
    if (!own.ok()) return own.status();
    StatusOr<std::optional<evidence::RetentionBase>> made_last =
        evidence::LoadRetentionBase(options_.published_dir);
    if (!made_last.ok()) return made_last.status();
    // The newer of the two that the journal still holds the segments after.
    const evidence::RetentionBase* from = own->has_value() ? &**own : nullptr;
    if (made_last->has_value() && (*made_last)->first_segment >= segments.front() &&
        (from == nullptr || (*made_last)->first_segment > from->first_segment)) {
      from = &**made_last;
    }
    const uint32_t next = from == nullptr ? segments.front() + 1 : from->first_segment + 1;
    if (next > segments.back()) break;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) break;
    }
    StatusOr<evidence::BaseAtSegment> made =
        evidence::MakeBaseAtSegment(options_.engine, options_.journal_dir, from, next);
    if (!made.ok()) return made.status();
    if (Status s = evidence::SaveRetentionBase(options_.published_dir, made->base); !s.ok()) {
      return s;
    }
    newest = std::move(made->base);
  }
  if (!newest) {
    // Made by an earlier check, while another instance led or the topic was out of reach.
    StatusOr<std::optional<evidence::RetentionBase>> made_last =
        evidence::LoadRetentionBase(options_.published_dir);
    if (!made_last.ok()) return made_last.status();
    newest = std::move(*made_last);
  }
  if (!newest || !leading_) return Status::Ok();
  const uint64_t version = newest->state.records;
  if (version <= *topic_version_) return Status::Ok();
  newest->first_segment = 1;  // as the journal of the instance that starts from it
  if (Status s = writer_->Put(kafka::kSnapshotBlob, version, newest->Encode()); !s.ok()) return s;
  topic_version_ = version;
  metrics_.CountKafkaSnapshot("published");
  metrics_.SetKafkaSnapshotOffset(static_cast<int64_t>(version));
  Log(LogLevel::kInfo, "published a snapshot", {{"log_offset", std::to_string(version)}});
  return Status::Ok();
}

}  // namespace stayaway::daemon
