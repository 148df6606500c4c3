#include "daemon/kafka_fixes_intake.h"

#include <pthread.h>

#include <chrono>
#include <future>
#include <map>
#include <utility>
#include <vector>

#include "daemon/log.h"
#include "ingest/json_codec.h"
#include "ingest/traccar_codec.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

constexpr size_t kMaxRun = 500;
constexpr auto kRunWindow = std::chrono::milliseconds(20);

// Whether `value` has "position" as a key: Traccar's PositionData always does, stayaway's
// fix lines never do (one may have it as a value: a device called "position").
bool HasPositionKey(std::string_view value) {
  constexpr std::string_view kKey = "\"position\"";
  for (size_t at = value.find(kKey); at != std::string_view::npos; at = value.find(kKey, at + 1)) {
    size_t next = at + kKey.size();
    while (next < value.size() && (value[next] == ' ' || value[next] == '\t' ||
                                   value[next] == '\n' || value[next] == '\r')) {
      ++next;
    }
    if (next < value.size() && value[next] == ':') return true;
  }
  return false;
}

}  // namespace

StatusOr<v1::Fix> ParseFixMessage(std::string_view value) {
  if (HasPositionKey(value)) return ingest::ParseTraccarForward(value);
  StatusOr<v1::Input> input = ingest::ParseReplayLine(value);
  if (!input.ok()) return input.status();
  if (!input->has_fix()) {
    return InvalidArgument("a stayaway.fixes message holds a fix; ticks come from the leader");
  }
  return std::move(*input->mutable_fix());
}

Status KafkaFixesIntake::Start() {
  StatusOr<std::unique_ptr<kafka::GroupConsumer>> consumer = kafka::GroupConsumer::Create(options_);
  if (!consumer.ok()) return consumer.status();
  consumer_ = std::move(*consumer);
  stopping_.store(false);
  thread_ = std::thread([this] {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-fixes");
    Run();
  });
  return Status::Ok();
}

void KafkaFixesIntake::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
  if (consumer_ != nullptr) (void)consumer_->Close();
  consumer_.reset();
}

void KafkaFixesIntake::Run() {
  // An instance behind the log does not take fixes from the topic yet (its checks would
  // judge them against old state).
  while (!stopping_.load() && ready_ && !ready_()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (stopping_.load()) return;
  for (Status s = consumer_->Subscribe({topic_}); !s.ok(); s = consumer_->Subscribe({topic_})) {
    Log(LogLevel::kWarning, "cannot subscribe to stayaway.fixes; trying again",
        {{"error", s.message()}});
    for (int i = 0; i < 20 && !stopping_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (stopping_.load()) return;
  }
  std::vector<v1::Fix> run;
  bool uncommitted = false;
  auto next_lag = std::chrono::steady_clock::now();
  auto next_complaint = std::chrono::steady_clock::time_point();
  while (!stopping_.load()) {
    const auto run_ends = std::chrono::steady_clock::now() + kRunWindow;
    while (run.size() < kMaxRun && !stopping_.load()) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          run_ends - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      StatusOr<std::optional<kafka::ConsumedMessage>> message = consumer_->Poll(left);
      if (!message.ok()) {
        const auto now = std::chrono::steady_clock::now();
        if (now >= next_complaint) {
          next_complaint = now + std::chrono::seconds(10);
          Log(LogLevel::kWarning, "cannot read stayaway.fixes",
              {{"error", message.status().message()}});
        }
        continue;
      }
      if (!message->has_value()) continue;
      uncommitted = true;
      StatusOr<v1::Fix> fix = ParseFixMessage((*message)->value);
      if (!fix.ok()) {
        core_.CountRejected("kafka", StatusCodeName(fix.status().code()));
        continue;
      }
      run.push_back(std::move(*fix));
    }
    // The run goes to the log until the log has taken every fix of it; only then are the
    // offsets committed. A fix the log did not take ("unavailable": the cluster slow or
    // away) sends the whole run again (the engine drops the repeats); a fix refused for
    // what it is stays refused.
    while (!run.empty()) {
      std::promise<bool> answered;
      std::future<bool> all_taken = answered.get_future();
      auto done = [this, &answered](std::vector<ingest::FixOutcome> outcomes) {
        bool taken = true;
        for (const ingest::FixOutcome& outcome : outcomes) {
          taken &= outcome.code != "unavailable";
          if (!outcome.accepted) core_.CountRejected("kafka", outcome.code);
        }
        answered.set_value(taken);
      };
      std::vector<v1::Fix> attempt = run;
      // A full log pushes back: the same run is offered again, the topic waits.
      while (!core_.SubmitFixes(std::move(attempt), "kafka", done)) {
        if (stopping_.load()) return;  // not committed: read again after a restart
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        (void)consumer_->Poll(std::chrono::milliseconds(0));  // stay in the group
      }
      if (all_taken.get()) {
        run.clear();
        break;
      }
      if (stopping_.load()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      (void)consumer_->Poll(std::chrono::milliseconds(0));
    }
    if (uncommitted) {
      if (Status s = consumer_->Commit(); s.ok()) uncommitted = false;
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_lag) {
      next_lag = now + std::chrono::seconds(1);
      if (auto lags = consumer_->Lag(std::chrono::milliseconds(500)); lags.ok()) {
        std::map<int32_t, int64_t> owned;
        for (const kafka::PartitionLag& lag : *lags) {
          if (lag.lag >= 0) owned[lag.partition] = lag.lag;
        }
        core_.metrics().ReplaceKafkaLags(topic_, owned);
      }
    }
  }
}

}  // namespace stayaway::daemon
