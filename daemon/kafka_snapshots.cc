#include "daemon/kafka_snapshots.h"

#include <filesystem>
#include <utility>
#include <vector>

#include "base/private_files.h"
#include "daemon/device_board.h"
#include "daemon/log.h"
#include "engine/engine.h"
#include "evidence/base_at_segment.h"
#include "evidence/retention_base.h"
#include "journal/journal.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

// Reads of the topic's newest version that may fail in a row (a broker out of reach)
// before the publisher takes the snapshot there as unreadable and replaces it.
constexpr int kTopicReadAttempts = 3;

}  // namespace

StatusOr<std::optional<int64_t>> StartFromClusterSnapshot(const kafka::BlobTopicOptions& topic,
                                                          const std::string& journal_dir,
                                                          const engine::EngineSettings& engine) {
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
  // The core would refuse it at every start: refused here, nothing is saved.
  if (auto loaded = engine::Engine::FromSnapshotBytes(base->state.engine_bytes, engine);
      !loaded.ok()) {
    return InvalidArgument("the cluster's snapshot: its engine: " + loaded.status().message());
  }
  if (Status s = MakePrivateDirectories(journal_dir); !s.ok()) return s;
  // A publisher's base stands for the journal it was made from, which is gone.
  std::error_code ec;
  std::filesystem::remove_all(std::filesystem::path(journal_dir) / kPublisherDir, ec);
  if (Status s = evidence::SaveRetentionBase(journal_dir, *base); !s.ok()) return s;
  return std::optional<int64_t>(static_cast<int64_t>(base->state.records));
}

Status KafkaSnapshotPublisher::Start() {
  StatusOr<std::unique_ptr<kafka::BlobTopicWriter>> writer =
      kafka::BlobTopicWriter::Create(options_.topic);
  if (!writer.ok()) return writer.status();
  writer_ = std::move(*writer);
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
  {
    std::lock_guard<std::mutex> lock(mu_);
    check_now_ = true;
  }
  wake_.notify_all();
}

void KafkaSnapshotPublisher::Follow() { leading_ = false; }

void KafkaSnapshotPublisher::Run() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      wake_.wait_for(lock, options_.check_interval, [&] { return stopping_ || check_now_; });
      if (stopping_) return;
      check_now_ = false;
    }
    if (!leading_) continue;
    if (Status s = PublishDue(); !s.ok() && !stopping_) {
      metrics_.CountKafkaSnapshot("failed");
      Log(LogLevel::kWarning, "cannot publish a snapshot", {{"error", s.message()}});
    }
  }
}

std::optional<uint64_t> KafkaSnapshotPublisher::TopicVersion() {
  if (reread_topic_.exchange(false)) {
    topic_version_.reset();
    topic_read_failures_ = 0;
  }
  if (topic_version_) return topic_version_;
  // Megabytes, once per leadership: whether another leader published further already.
  StatusOr<std::optional<kafka::Blob>> newest =
      kafka::ReadNewestBlob(options_.topic, kafka::kSnapshotBlob);
  if (newest.ok()) {
    topic_version_ = newest->has_value() ? (*newest)->version : 0;
  } else if (++topic_read_failures_ >= kTopicReadAttempts) {
    // Read again at every check, it still fails: a snapshot that does not hold together
    // (instances cannot start from it) is replaced by this leader's.
    Log(LogLevel::kWarning, "the snapshot topic's newest snapshot is unreadable; replacing it",
        {{"error", newest.status().message()}});
    topic_version_ = 0;
  }
  return topic_version_;
}

Status KafkaSnapshotPublisher::PublishDue() {
  const std::vector<uint32_t> at_start = journal::ListSegments(options_.journal_dir);
  if (reread_topic_) settled_at_segment_.reset();  // led again: the topic may be behind
  if (settled_at_segment_ && !at_start.empty() && at_start.back() == *settled_at_segment_) {
    return Status::Ok();
  }
  StatusOr<std::optional<evidence::RetentionBase>> own =
      evidence::LoadRetentionBase(options_.journal_dir);
  if (!own.ok()) return own.status();
  StatusOr<std::optional<evidence::RetentionBase>> made_last =
      evidence::LoadRetentionBase(made_dir_);
  if (!made_last.ok()) return made_last.status();
  // Start from the newer of the two whose segments the journal still holds.
  std::vector<uint32_t> segments = journal::ListSegments(options_.journal_dir);
  std::optional<evidence::RetentionBase> from = std::move(*own);
  if (made_last->has_value() && !segments.empty() &&
      (*made_last)->first_segment >= segments.front() &&
      (!from || (*made_last)->first_segment > from->first_segment)) {
    from = std::move(*made_last);
  }
  // A base made before bases carried the devices board: while the journal is still whole,
  // start again from its start, once, so that the snapshots carry the board from now on.
  if (from && !from->state.with_board && !segments.empty() && segments.front() == 1) {
    from.reset();
  }
  // One segment at a time, each base the next one's start (in memory), while this
  // instance leads.
  bool made = false;
  Status failed = Status::Ok();
  for (;;) {
    segments = journal::ListSegments(options_.journal_dir);
    if (segments.size() < 2) break;  // no segment completed: the last is being written
    const uint32_t next = from ? from->first_segment + 1 : segments.front() + 1;
    if (next > segments.back() || !leading_ || stopping_) break;
    DeviceBoard board;  // the base carries it: a new instance's console shows every device
    StatusOr<evidence::BaseAtSegment> cut = evidence::MakeBaseAtSegment(
        options_.engine, options_.journal_dir, from ? &*from : nullptr, next, &stopping_, &board);
    if (!cut.ok()) {
      failed = cut.status();
      break;
    }
    from = std::move(cut->base);
    made = true;
  }
  if (made) {
    if (Status s = MakePrivateDirectories(made_dir_); !s.ok()) return s;
    if (Status s = evidence::SaveRetentionBase(made_dir_, *from); !s.ok()) return s;
  }
  if (!failed.ok()) return failed;
  // The newest base there is, made now or before (its own, or an earlier check's that was
  // not published then): published unless the topic has one as new.
  if (!from || !leading_) return Status::Ok();
  const std::optional<uint64_t> on_topic = TopicVersion();
  if (!on_topic) return FailedPrecondition("cannot read the snapshot topic");
  const uint64_t version = from->state.records;
  // Lost the lead meanwhile, or led again (the topic's version may be newer now): the
  // next check decides.
  if (!leading_ || reread_topic_) return Status::Ok();
  const bool all_made = segments.empty() || from->first_segment >= segments.back();
  if (version <= *on_topic) {
    if (all_made) settled_at_segment_ = segments.empty() ? 0 : segments.back();
    return Status::Ok();
  }
  from->first_segment = 1;  // as the journal of the instance that starts from it
  if (Status s = writer_->Put(kafka::kSnapshotBlob, version, from->Encode()); !s.ok()) return s;
  topic_version_ = version;
  if (all_made) settled_at_segment_ = segments.empty() ? 0 : segments.back();
  metrics_.CountKafkaSnapshot("published");
  metrics_.SetKafkaSnapshotOffset(static_cast<int64_t>(version));
  Log(LogLevel::kInfo, "published a snapshot", {{"log_offset", std::to_string(version)}});
  return Status::Ok();
}

}  // namespace stayaway::daemon
