// Core (core_state.h): the Merkle log over inputs and events, its signed checkpoints, and
// evidence bundles cut from it.
#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "daemon/core_state.h"
#include "evidence/bundle.h"
#include "evidence/key_rotation.h"
#include "evidence/leaves.h"

namespace stayaway::daemon {

void Core::State::BookEvent(uint64_t seq, const v1::Event& event) {
  const AlertBook::Change change = alerts.Record(seq, event);
  board.RecordEvent(event);
  metrics.CountEvent(event);
  if (change.entered_violation) metrics.CountViolationEntered(event.certainty());
  if (change.answered_after_ms) {
    metrics.ObserveAckLatency(event.kind(),
                              static_cast<double>(*change.answered_after_ms) / 1000.0);
  }
}

void Core::State::Commit(const v1::Input& input, std::vector<v1::Event>* events) {
  CommitLeaf(evidence::InputLeafData(input), events);
}

void Core::State::CommitLeaf(std::string_view input_leaf_data, std::vector<v1::Event>* events) {
  ++journal_records;
  tree.Append(input_leaf_data);
  if (events->empty()) return;
  // Made into leaves where they are; a leaf is the record's bytes after its prefix, which
  // is what the log keeps: an event is serialized once. Then booked, once the log holds
  // them (the alert book reads an alert's newest reading from it). This thread is the
  // log's only appender.
  const uint64_t first = log.NextSeq();
  v1::EventRecord record;
  std::vector<std::string> leaves;
  leaves.reserve(events->size());
  for (size_t i = 0; i < events->size(); ++i) {
    record.set_seq(first + i);
    record.mutable_event()->Swap(&(*events)[i]);
    leaves.push_back(evidence::EventLeafData(record));
    record.mutable_event()->Swap(&(*events)[i]);
    tree.Append(leaves.back());
  }
  std::vector<std::string_view> records(leaves.begin(), leaves.end());
  for (std::string_view& r : records) r.remove_prefix(evidence::kLeafPrefixBytes);
  log.AppendEncoded(records);
  for (size_t i = 0; i < events->size(); ++i) BookEvent(first + i, (*events)[i]);
  events->clear();
  metrics.SetOpenAlerts(alerts.OpenByKind());
  log.NotifyListeners();
}

// Signs "the first N leaves have this root" every checkpoint interval (and when forced, at
// shutdown) when the log grew, and appends it to the checkpoints file, durably.
void Core::State::MaybeCheckpoint(TimeMs now, bool force) {
  if (!signer || tree.size() == checkpointed_size) return;
  if (uncheckpointed_since == 0) {
    uncheckpointed_since = now;
    metrics.SetUncheckpointedSince(now);
  }
  if (!force && now < next_checkpoint) return;
  SignCheckpoint(now);
  next_checkpoint = now + options.checkpoint_interval_ms;
}

void Core::State::SignCheckpoint(TimeMs now) {
  const v1::SignedCheckpoint signed_checkpoint = signer->Sign(tree.size(), tree.Root(), now);
  google::protobuf::util::JsonPrintOptions json;
  json.preserve_proto_field_names = true;
  std::string line;
  (void)google::protobuf::util::MessageToJsonString(signed_checkpoint, &line, json);
  line += '\n';
  if (checkpoints_fd >= 0 &&
      ::write(checkpoints_fd, line.data(), line.size()) == static_cast<ssize_t>(line.size()) &&
      ::fdatasync(checkpoints_fd) == 0) {
    checkpointed_size = tree.size();
    uncheckpointed_since = 0;
    metrics.SetUncheckpointedSince(0);
  } else {
    Log(LogLevel::kError, "cannot write a checkpoint", {{"path", options.checkpoints_path}});
  }
}

// The old key signs everything so far, the key directory turns over, and the new key
// signs the same tree at once: every leaf is covered by a checkpoint of the key that was
// current when it was written, and the next bundle already carries the new key.
StatusOr<std::vector<v1::PublicKey>> Core::State::RotateKey(TimeMs now) {
  if (!signer) return FailedPrecondition("this daemon signs nothing: it has no key directory");
  MaybeCheckpoint(now, /*force=*/true);
  const std::string old_key_id = signer->key_id();
  StatusOr<evidence::RotatedKey> rotated = evidence::RotateSigningKey(options.key_dir, now);
  if (!rotated.ok()) return rotated.status();
  std::vector<v1::PublicKey> history(rotated->history.keys().begin(),
                                     rotated->history.keys().end());
  {
    std::lock_guard<std::mutex> lock(mu);
    *signer = std::move(rotated->signer);
    key_history = std::move(rotated->history);
  }
  if (tree.size() > 0) SignCheckpoint(now);
  Log(LogLevel::kInfo, "rotated the signing key",
      {{"old_key_id", old_key_id}, {"new_key_id", signer->key_id()}});
  return history;
}

Status Core::State::AwaitFreshCheckpoint() {
  CheckpointWork work;
  std::future<void> signed_now = work.done.get_future();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) return FailedPrecondition("the daemon is stopping");
    queue.emplace_back(std::move(work));
  }
  work_ready.notify_one();
  signed_now.wait();
  return Status::Ok();
}

StatusOr<std::map<std::string, std::string>> Core::EvidenceBundle(std::string_view alert_id) {
  if (state_->options.data_dir.empty() || !state_->signer) {
    return FailedPrecondition("evidence needs the journal and signing keys");
  }
  // A checkpoint that covers the alert's newest event, signed before the bundle is cut.
  if (Status s = state_->AwaitFreshCheckpoint(); !s.ok()) return s;

  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path out = std::filesystem::path(state_->options.data_dir) / "tmp" /
                                    ("bundle-" + std::to_string(++counter));
  std::error_code ec;
  std::filesystem::remove_all(out, ec);
  std::lock_guard<std::mutex> hold(state_->retention_mu);  // no segment vanishes meanwhile
  evidence::BundleRequest request;
  request.data_dir = state_->options.data_dir;
  request.alert_id = std::string(alert_id);
  request.out_dir = out.string();
  Status written = evidence::WriteBundle(request);
  std::map<std::string, std::string> files;
  if (written.ok()) {
    for (const auto& entry : std::filesystem::directory_iterator(out, ec)) {
      std::ifstream in(entry.path(), std::ios::binary);
      files[entry.path().filename().string()].assign(std::istreambuf_iterator<char>(in), {});
    }
  }
  std::filesystem::remove_all(out, ec);
  if (!written.ok()) return written;
  return files;
}

std::vector<v1::PublicKey> Core::PublicKeys() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return {state_->key_history.keys().begin(), state_->key_history.keys().end()};
}

StatusOr<std::vector<v1::PublicKey>> Core::RotateSigningKey() {
  if (!state_->signer)
    return FailedPrecondition("this daemon signs nothing: it has no key directory");
  KeyRotationWork work;
  auto rotated = work.done.get_future();
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running || state_->stopping) return FailedPrecondition("the daemon is stopping");
    state_->queue.emplace_back(std::move(work));
  }
  state_->work_ready.notify_one();
  return rotated.get();
}

}  // namespace stayaway::daemon
