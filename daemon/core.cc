#include "daemon/core.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <future>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core_state.h"
#include "evidence/leaves.h"
#include "ingest/recordable_input.h"

namespace stayaway::daemon {

Core::Core(CoreOptions options) : state_(std::make_unique<State>(std::move(options))) {}

Core::~Core() {
  Stop();
  if (state_->checkpoints_fd >= 0) ::close(state_->checkpoints_fd);
}

Status Core::Start() {
  std::lock_guard<std::mutex> lock(state_->mu);
  if (state_->running) return Status::Ok();
  if (Status s = state_->device_keys.Load(); !s.ok()) return s;
  // Kafka mode: no fix is taken before the cluster's keys are read (kafka_device_keys.h).
  if (state_->options.device_key_broadcast != nullptr) state_->device_keys.SetSharedReady(false);
  if (!state_->options.device_keys_path.empty()) {
    Log(LogLevel::kInfo, "device keys loaded",
        {{"path", state_->options.device_keys_path},
         {"devices", std::to_string(state_->device_keys.Snapshot()->size())}});
  }
  if (!state_->options.journal_dir.empty()) {
    if (Status s = state_->Recover(); !s.ok()) return s;
  }
  // Kafka mode: the journal holds exactly the shared log, so it says where to go on.
  state_->log_queued_next = static_cast<int64_t>(state_->journal_records);
  state_->log_applied_next.store(state_->log_queued_next);
  state_->running = true;
  state_->stopping = false;
  state_->thread = std::thread([s = state_.get()] {
    ::pthread_setname_np(::pthread_self(), "sa-engine");  // for top -H and perf
    s->Run();
  });
  if (state_->options.retention_keep_ms > 0 && !state_->options.data_dir.empty()) {
    state_->retention_thread = std::thread([s = state_.get()] {
      ::pthread_setname_np(::pthread_self(), "sa-retention");
      s->RunRetention();
    });
  }
  return Status::Ok();
}

void Core::Stop() {
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running) return;
    state_->stopping = true;
  }
  state_->work_ready.notify_all();
  state_->queue_taken.notify_all();
  state_->retention_wake.notify_all();
  state_->thread.join();
  if (state_->retention_thread.joinable()) state_->retention_thread.join();
  // Kafka mode: the fixes appended to the shared log are answered through this core, on
  // the log's thread; it must not outlive their answers (the log answers every one, failed
  // at worst, within its message timeout).
  for (int waited_ms = 0; state_->log_unanswered_fixes.load() > 0; waited_ms += 10) {
    if (waited_ms == 60'000) {
      Log(LogLevel::kError, "the shared input log has not answered for appended fixes",
          {{"fixes", std::to_string(state_->log_unanswered_fixes.load())}});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->running = false;
  // Callers still waiting for the engine to apply their logged input: it will not here.
  for (auto& [offset, waiter] : state_->log_waiters) {
    waiter.set_value(FailedPrecondition("the daemon stopped before it applied log offset " +
                                        std::to_string(offset)));
  }
  state_->log_waiters.clear();
}

void Core::State::Run() {
  TimeMs next_tick = clock.Now();
  std::vector<v1::Event> events;
  for (;;) {
    std::deque<Work> batch;
    {
      std::unique_lock<std::mutex> lock(mu);
      const auto wait = std::chrono::milliseconds(std::max<TimeMs>(0, next_tick - clock.Now()));
      work_ready.wait_for(lock, wait, [&] { return stopping || !queue.empty(); });
      if (queue.empty() && stopping) {
        MaybeCheckpoint(clock.Now(), /*force=*/true);
        MaybeSnapshot(/*force=*/true);
        return;
      }
      // A commit window trades latency for fewer syncs: let more input gather.
      if (options.journal_commit_window_ms > 0 && !queue.empty() && !stopping) {
        work_ready.wait_for(lock, std::chrono::milliseconds(options.journal_commit_window_ms),
                            [&] { return stopping; });
      }
      batch.swap(queue);
      queued_fixes = 0;
    }
    queue_taken.notify_all();
    metrics.SetQueueDepth(0);
    if (options.shared_log) DropOutOfOrderLogWork(batch);
    AdmitFixes(batch);
    // Group commit: one sync for everything that queued up while the last batch ran.
    const bool durable = Journal(batch);
    for (Work& work : batch) {
      if (!durable) {
        Refuse(work, Status(StatusCode::kFailedPrecondition,
                            "the journal cannot store input now; retry later"));
        continue;
      }
      events.clear();
      Apply(work, &events);
    }
    if (options.shared_log) {
      if (durable) {
        log_applied_next.store(static_cast<int64_t>(journal_records));
      } else {
        // Nothing of the batch was applied: the follower reads the log again from here.
        std::lock_guard<std::mutex> lock(mu);
        log_queued_next = static_cast<int64_t>(journal_records);
      }
    }
    const TimeMs now = clock.Now();
    if (now >= next_tick) {
      // On a shared log the ticks are in the log (the leader writes them); the timer
      // still wakes the loop for checkpoints.
      if (!options.shared_log) {
        events.clear();
        ApplyTick(now, &events);
      }
      next_tick = now + options.tick_interval_ms;
    }
    MaybeCheckpoint(now, /*force=*/false);
    MaybeSnapshot(/*force=*/false);
  }
}

void Core::State::Apply(Work& work, std::vector<v1::Event>* events) {
  if (auto* fixes = std::get_if<FixesWork>(&work)) {
    // Refusals made before the journal are in place already; the engine's go around them.
    std::vector<ingest::FixOutcome> outcomes = std::move(fixes->outcomes);
    if (outcomes.empty()) outcomes.resize(fixes->fixes.size());
    Metrics::FixBatch stats;
    for (size_t place = 0; place < fixes->admission.size(); ++place) {
      if (fixes->admission[place] == Admission::kRefused) ++stats.rejected[outcomes[place].code];
    }
    if (fixes->leaf_data.size() != fixes->fixes.size()) {  // no journal: not made yet
      fixes->leaf_data.Clear();
      fixes->leaf_data.Reserve(fixes->fixes.size());
      for (const v1::Fix& fix : fixes->fixes) fixes->leaf_data.Add(fix);
    }
    // The batch goes through the engine in one call, which fetches the state of the fixes
    // ahead while it evaluates one; counters are gathered here and handed over once.
    auto started = std::chrono::steady_clock::now();
    engine->ApplyFixes(fixes->fixes, events, [&](size_t i, const Status& status,
                                                 std::vector<v1::Event>* fix_events) {
      const auto now = std::chrono::steady_clock::now();
      stats.ObserveEvaluation(now - started);
      // Events go to the log before the sender hears back: what is acknowledged is applied.
      CommitLeaf(fixes->leaf_data[i], fix_events);
      ingest::FixOutcome& out = outcomes[fixes->places.empty() ? i : fixes->places[i]];
      if (status.ok()) board.RecordFix(fixes->fixes[i]);
      // Read only before the shared log (Kafka mode); a daemon of its own checks on the
      // engine thread instead (AdmitFixes).
      if (status.ok() && options.shared_log && !fixes->fixes[i].mac().empty()) {
        newest_signed.Record(fixes->fixes[i].device(), fixes->fixes[i].seq());
      }
      if (status.ok() || status.code() == StatusCode::kAlreadyExists) {
        out.accepted = true;
        out.duplicate = !status.ok();
        ++(out.duplicate ? stats.duplicates : stats.applied);
      } else {
        // The engine's only FailedPrecondition for a fix: a seq its duplicate memory closed.
        out.code = status.code() == StatusCode::kFailedPrecondition
                       ? std::string(kStaleSequence)
                       : std::string(StatusCodeName(status.code()));
        out.reason = status.message();
        ++stats.rejected[out.code];
      }
      started = std::chrono::steady_clock::now();
    });
    metrics.AddFixBatch(fixes->source, stats);
    if (fixes->done) fixes->done(std::move(outcomes));
    used_fixes.Give(std::move(fixes->fixes));
    return;
  }
  if (auto* checkpoint = std::get_if<CheckpointWork>(&work)) {
    MaybeCheckpoint(clock.Now(), /*force=*/true);
    checkpoint->done.set_value();
    return;
  }
  if (auto* rotation = std::get_if<KeyRotationWork>(&work)) {
    rotation->done.set_value(RotateKey(clock.Now()));
    return;
  }
  auto& admin = std::get<AdminWork>(work);
  const Status status = engine->Apply(admin.input, events);
  if (status.ok()) RecordCatalogue(admin.input);
  Commit(admin.input, events);
  if (admin.log_offset >= 0) AnswerLogged(admin.log_offset, status);
  admin.result.set_value(status);
}

void Core::State::ApplyTick(TimeMs now, std::vector<v1::Event>* events) {
  v1::Input tick;
  MsToTimestamp(now, tick.mutable_tick()->mutable_tick());
  if (journal) {
    journal->Append(tick);
    if (!journal->Sync().ok()) return;  // an unjournaled tick would break replay
  }
  engine->ApplyTick(now, events);
  Commit(tick, events);
}

void Core::State::RecordCatalogue(const v1::Input& input) {
  if (input.has_order()) board.RecordOrder(input.order());
  std::lock_guard<std::mutex> lock(catalogue_mu);
  if (input.has_order())
    orders[input.order().id()] = std::make_shared<const v1::Order>(input.order());
  if (input.has_global_zone()) zones[input.global_zone().id()] = input.global_zone();
}

Status Core::State::SubmitAdmin(v1::Input input) {
  if (options.shared_log) {  // AppendAdmin makes the same checks
    std::vector<v1::Input> one;
    one.push_back(std::move(input));
    return AppendAdmin(std::move(one)).front();
  }
  // Orders, zones and acknowledgements are journaled too: the same rule as for fixes.
  if (std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordableInput(input)) {
    return InvalidArgument(std::move(refusal->reason));
  }
  ingest::CanonicalizeNaNs(&input);
  AdminWork work;
  work.input = std::move(input);
  std::future<Status> result = work.result.get_future();
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) return FailedPrecondition("the daemon is not running");
    queue.emplace_back(std::move(work));
  }
  work_ready.notify_one();
  return result.get();
}

std::vector<Status> Core::State::SubmitAdminBatch(std::vector<v1::Input> inputs) {
  if (options.shared_log) return AppendAdmin(std::move(inputs));
  std::vector<Status> results(inputs.size());
  std::vector<std::optional<std::future<Status>>> pending(inputs.size());
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) {
      for (Status& result : results) result = FailedPrecondition("the daemon is not running");
      return results;
    }
    // Queued together under one lock hold: the engine thread takes them as one batch, so
    // they are journaled with one sync (group commit), then applied in order.
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordableInput(inputs[i])) {
        results[i] = InvalidArgument(std::move(refusal->reason));
        continue;
      }
      ingest::CanonicalizeNaNs(&inputs[i]);
      AdminWork work;
      work.input = std::move(inputs[i]);
      pending[i] = work.result.get_future();
      queue.emplace_back(std::move(work));
    }
  }
  work_ready.notify_one();
  for (size_t i = 0; i < pending.size(); ++i) {
    if (pending[i]) results[i] = pending[i]->get();
  }
  return results;
}

bool Core::SubmitFixes(std::vector<v1::Fix>&& fixes, std::string_view source, FixesDone done) {
  // Refused for a full queue before anything touches the fixes, so that the caller offers
  // the very same vector again (the MACs below are over the bits the device sent).
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running || state_->stopping) return false;
    const size_t waiting =
        state_->options.shared_log ? state_->log_unanswered_fixes.load() : state_->queued_fixes;
    if (waiting > 0 && waiting + fixes.size() > state_->options.queue_capacity) {
      state_->metrics.CountBackpressure(source);
      return false;
    }
    // Counted before the lock is let go, so that Stop waits for their answers.
    if (state_->options.shared_log) state_->log_unanswered_fixes += fixes.size();
  }
  FixesWork work = state_->AdmitOnCallersThread(std::move(fixes), source, std::move(done));
  if (state_->options.shared_log) {
    state_->AppendFixes(std::move(work));
    return true;
  }
  size_t depth;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->running || state_->stopping) return false;
    // Taken even when other batches filled the queue since the check above: a refusal now
    // could not give the fixes back as they were. The capacity bounds the queue to within
    // a batch per submitting thread; an empty queue always takes a batch, so one
    // oversized batch cannot wedge a client.
    state_->queued_fixes += work.fixes.size();
    depth = state_->queued_fixes;
    state_->queue.emplace_back(std::move(work));
  }
  state_->metrics.SetQueueDepth(depth);
  state_->work_ready.notify_one();
  return true;
}

FixesWork Core::State::AdmitOnCallersThread(std::vector<v1::Fix>&& fixes, std::string_view source,
                                            ingest::MonitoringService::FixesDone done) {
  const TimeMs received = clock.Now();
  for (v1::Fix& fix : fixes) MsToTimestamp(received, fix.mutable_received());
  FixesWork work{std::move(fixes), std::string(source), std::move(done), {}, {}, {}, {}, -1};
  // What is journaled is exactly what the evidence shows and replays: checked first, as
  // the fix will be journaled (received stamped), before any arithmetic on its times.
  RefuseUnrecordable(work);
  // MACs are checked here, on the caller's thread: they are the costly part. Until the
  // cluster's device keys are known (Kafka mode), a keyed device's forged fix cannot be
  // told from a genuine one: none is taken, and the device sends again.
  if (!device_keys.SharedReady()) {
    RefuseOpenFixes(work, "unavailable",
                    "this instance has not yet read the cluster's device keys; send again");
  } else if (const auto keys = device_keys.Snapshot(); !keys->empty()) {
    CheckMacs(*keys, work);
    // Kafka mode: an old capture is answered here rather than logged (the engine thread
    // does it otherwise, before the journal: AdmitFixes).
    if (options.shared_log) RefuseOldSignedFixes(work);
  }
  // After the MAC (made over the bits the device sent): NaN as JSON gives it back.
  for (v1::Fix& fix : work.fixes) ingest::CanonicalizeNaNs(&fix);
  return work;
}

}  // namespace stayaway::daemon
