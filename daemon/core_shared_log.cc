// Core (core_state.h) on a shared input log, Kafka mode (shared_input_log.h): appending
// what the ports accept, and taking the log's inputs back in its order.
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "daemon/core_state.h"
#include "ingest/recordable_input.h"

namespace stayaway::daemon {
namespace {

// How long an API call waits for the log to take its input and for this core to apply
// it: past this, it answers "unavailable" (the input may still be applied later).
constexpr auto kLogAnswerTimeout = std::chrono::seconds(30);
// How many answers nobody waited for are kept for a caller that learns its offset late.
constexpr size_t kKeptLogAnswers = 4096;

}  // namespace

void Core::State::AppendFixes(FixesWork work) {
  // The refused fixes are answered as they are; the others go to the log.
  std::vector<v1::Input> inputs;
  std::vector<size_t> places;
  inputs.reserve(work.fixes.size());
  for (size_t i = 0; i < work.fixes.size(); ++i) {
    if (!work.admission.empty() && work.admission[i] == Admission::kRefused) continue;
    *inputs.emplace_back().mutable_fix() = std::move(work.fixes[i]);
    places.push_back(i);
  }
  std::vector<ingest::FixOutcome> outcomes = std::move(work.outcomes);
  outcomes.resize(work.fixes.size());
  Metrics::FixBatch refused;
  for (size_t place = 0; place < work.admission.size(); ++place) {
    if (work.admission[place] == Admission::kRefused) ++refused.rejected[outcomes[place].code];
  }
  if (!refused.rejected.empty()) metrics.AddFixBatch(work.source, refused);
  // SubmitFixes counted every fix as unanswered; the refused ones are answered now.
  const size_t appended = inputs.size();
  log_unanswered_fixes -= work.fixes.size() - appended;
  if (inputs.empty()) {
    if (work.done) work.done(std::move(outcomes));
    return;
  }
  options.shared_log->Append(
      std::move(inputs),
      [this, appended, places = std::move(places), outcomes = std::move(outcomes),
       done = std::move(work.done),
       source = std::move(work.source)](std::vector<AppendResult> results) mutable {
        Metrics::FixBatch stats;
        for (size_t i = 0; i < places.size(); ++i) {
          ingest::FixOutcome& out = outcomes[places[i]];
          if (i < results.size() && results[i].status.ok()) {
            // Held by the shared log: every instance applies it from there.
            out.accepted = true;
            continue;
          }
          out.code = "unavailable";
          out.reason = "the shared input log did not take the fix: " +
                       (i < results.size() ? results[i].status.message() : "no answer");
          ++stats.rejected[out.code];
        }
        if (!stats.rejected.empty()) metrics.AddFixBatch(source, stats);
        if (done) done(std::move(outcomes));
        // Last: Core::Stop waits for this count, and this state may go once it is 0.
        log_unanswered_fixes -= appended;
      });
}

std::vector<Status> Core::State::AppendAdmin(std::vector<v1::Input> inputs) {
  std::vector<Status> statuses(inputs.size());
  std::vector<v1::Input> appended;
  std::vector<size_t> places;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (std::optional<ingest::InputRefusal> refusal = ingest::CheckRecordableInput(inputs[i])) {
      statuses[i] = InvalidArgument(std::move(refusal->reason));
      continue;
    }
    ingest::CanonicalizeNaNs(&inputs[i]);
    appended.push_back(std::move(inputs[i]));
    places.push_back(i);
  }
  if (appended.empty()) return statuses;
  {
    std::lock_guard<std::mutex> lock(mu);
    if (!running || stopping) {
      for (size_t place : places) statuses[place] = FailedPrecondition("the daemon is not running");
      return statuses;
    }
  }
  auto answered = std::make_shared<std::promise<std::vector<AppendResult>>>();
  std::future<std::vector<AppendResult>> results_future = answered->get_future();
  options.shared_log->Append(std::move(appended), [answered](std::vector<AppendResult> results) {
    answered->set_value(std::move(results));
  });
  if (results_future.wait_for(kLogAnswerTimeout) != std::future_status::ready) {
    for (size_t place : places) {
      statuses[place] =
          Status(StatusCode::kFailedPrecondition, "the shared input log did not answer");
    }
    return statuses;
  }
  const std::vector<AppendResult> results = results_future.get();
  // Each input the log took: wait for this core to apply it, and give the engine's answer.
  std::vector<std::pair<size_t, std::future<Status>>> applied;
  {
    std::lock_guard<std::mutex> lock(mu);
    for (size_t i = 0; i < places.size(); ++i) {
      const size_t place = places[i];
      if (i >= results.size() || !results[i].status.ok()) {
        statuses[place] = Status(
            StatusCode::kFailedPrecondition,
            "the shared input log did not take it: " +
                (i < results.size() ? results[i].status.message() : std::string("no answer")));
        continue;
      }
      const int64_t offset = results[i].offset;
      if (auto answer = log_answers.find(offset); answer != log_answers.end()) {
        statuses[place] = answer->second;
        log_answers.erase(answer);
        continue;
      }
      applied.emplace_back(place, log_waiters[offset].get_future());
    }
  }
  const auto deadline = std::chrono::steady_clock::now() + kLogAnswerTimeout;
  for (auto& [place, answer] : applied) {
    if (answer.wait_until(deadline) != std::future_status::ready) {
      statuses[place] = Status(StatusCode::kFailedPrecondition,
                               "the shared input log took it, but this instance has not applied "
                               "it yet (it is catching up); it will be applied");
      continue;
    }
    statuses[place] = answer.get();
  }
  return statuses;
}

void Core::State::AnswerLogged(int64_t offset, const Status& status) {
  std::lock_guard<std::mutex> lock(mu);
  if (auto waiter = log_waiters.find(offset); waiter != log_waiters.end()) {
    waiter->second.set_value(status);
    log_waiters.erase(waiter);
    return;
  }
  log_answers[offset] = status;
  while (log_answers.size() > kKeptLogAnswers) log_answers.erase(log_answers.begin());
}

void Core::State::DropOutOfOrderLogWork(std::deque<Work>& batch) {
  int64_t next = static_cast<int64_t>(journal_records);
  for (auto work = batch.begin(); work != batch.end();) {
    int64_t offset = -1;
    size_t count = 1;
    if (const auto* fixes = std::get_if<FixesWork>(&*work)) {
      offset = fixes->log_offset;
      count = fixes->fixes.size();
    } else if (const auto* admin = std::get_if<AdminWork>(&*work)) {
      offset = admin->log_offset;
    }
    if (offset < 0) {  // checkpoints and key rotations: not inputs
      ++work;
      continue;
    }
    if (offset != next) {
      // Queued before a failed journal write; the follower sends it again in order.
      metrics.CountRejected("kafka", "out_of_order");
      work = batch.erase(work);
      continue;
    }
    next += static_cast<int64_t>(count);
    ++work;
  }
}

Status Core::ApplyLogged(int64_t first_offset, std::vector<v1::Input>&& inputs) {
  State& s = *state_;
  if (!s.options.shared_log) return FailedPrecondition("the core is not on a shared log");
  size_t depth;
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.queue_taken.wait(lock, [&] {
      return !s.running || s.stopping || s.queued_fixes < s.options.queue_capacity;
    });
    if (!s.running || s.stopping) return FailedPrecondition("the daemon is not running");
    if (first_offset != s.log_queued_next) {
      return FailedPrecondition("the shared log goes on at offset " +
                                std::to_string(s.log_queued_next) + ", not " +
                                std::to_string(first_offset));
    }
    int64_t offset = first_offset;
    for (v1::Input& input : inputs) {
      // What the journal cannot record as it is becomes an empty input: one record still.
      if (ingest::CheckRecordableInput(input).has_value()) {
        input.Clear();
        s.metrics.CountRejected("kafka", "unrecordable");
      }
      if (input.has_fix()) {
        FixesWork* run = s.queue.empty() ? nullptr : std::get_if<FixesWork>(&s.queue.back());
        if (run == nullptr || run->log_offset < 0 ||
            run->log_offset + static_cast<int64_t>(run->fixes.size()) != offset) {
          FixesWork fresh;
          fresh.source = "kafka";
          fresh.log_offset = offset;
          s.queue.emplace_back(std::move(fresh));
          run = &std::get<FixesWork>(s.queue.back());
        }
        run->fixes.push_back(std::move(*input.mutable_fix()));
        ++s.queued_fixes;
      } else {
        AdminWork admin;
        admin.input = std::move(input);
        admin.log_offset = offset;
        s.queue.emplace_back(std::move(admin));
      }
      ++offset;
    }
    s.log_queued_next = offset;
    depth = s.queued_fixes;
  }
  s.metrics.SetQueueDepth(depth);
  s.work_ready.notify_one();
  return Status::Ok();
}

int64_t Core::LoggedPosition() {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->log_queued_next;
}

int64_t Core::AppliedLogPosition() { return state_->log_applied_next.load(); }

TimeMs Core::CentreNow() { return state_->clock.Now(); }

}  // namespace stayaway::daemon
