#include "daemon/kafka_follower.h"

#include <pthread.h>

#include <algorithm>
#include <chrono>
#include <utility>
#include <vector>

#include "daemon/log.h"
#include "kafka/topics.h"

namespace stayaway::daemon {
namespace {

constexpr size_t kMaxRun = 2000;  // inputs handed to the core at once
// How long a read waits for the first input of a run; the rest of a run is what has
// arrived already, so an input waits for no other.
constexpr auto kReadWait = std::chrono::milliseconds(20);
// How long to wait before reading again after the core refused a run, doubling while it
// keeps refusing.
constexpr auto kFirstRefusedWait = std::chrono::milliseconds(200);
constexpr auto kLastRefusedWait = std::chrono::milliseconds(5000);

}  // namespace

Status KafkaFollower::Start() {
  StatusOr<std::unique_ptr<kafka::PartitionReader>> reader =
      kafka::PartitionReader::Open(options_, {topic_, 0}, core_.LoggedPosition());
  if (!reader.ok()) return reader.status();
  stopping_.store(false);
  thread_ = std::thread([this, r = std::move(*reader)]() mutable {
    ::pthread_setname_np(::pthread_self(), "sa-kafka-follow");
    Run(std::move(r));
  });
  return Status::Ok();
}

void KafkaFollower::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

std::optional<int64_t> KafkaFollower::Behind() const {
  const int64_t end = log_end_.load();
  if (end < 0) return std::nullopt;
  return std::max<int64_t>(0, end - core_.AppliedLogPosition());
}

void KafkaFollower::Run(std::unique_ptr<kafka::PartitionReader> reader) {
  std::vector<v1::Input> run;
  int64_t run_first = reader->position();
  auto next_watermarks = std::chrono::steady_clock::now();
  auto next_complaint = std::chrono::steady_clock::time_point();
  const auto complain = [&](std::string_view what, const std::string& detail) {
    const auto now = std::chrono::steady_clock::now();
    if (now < next_complaint) return;
    next_complaint = now + std::chrono::seconds(10);
    Log(LogLevel::kError, what, {{"detail", detail}});
  };
  auto refused_wait = kFirstRefusedWait;
  auto next_refusal_said = std::chrono::steady_clock::time_point();
  const auto hand_over = [&] {
    if (run.empty()) return;
    if (Status s = core_.ApplyLogged(run_first, std::move(run)); !s.ok()) {
      if (stopping_.load()) return;
      // The core did not take it (a journal write failed, or a run before it): read the
      // log again from where the core is, after a wait that grows while it refuses.
      const auto now = std::chrono::steady_clock::now();
      if (now >= next_refusal_said) {
        next_refusal_said = now + std::chrono::seconds(10);
        Log(LogLevel::kWarning, "reading the input log again",
            {{"why", s.message()},
             {"retry_ms",
              std::to_string(
                  std::chrono::duration_cast<std::chrono::milliseconds>(refused_wait).count())}});
      }
      for (auto waited = std::chrono::milliseconds(0); waited < refused_wait && !stopping_.load();
           waited += std::chrono::milliseconds(50)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      refused_wait = std::min(refused_wait * 2, kLastRefusedWait);
      (void)reader->Seek(core_.LoggedPosition());
    } else {
      refused_wait = kFirstRefusedWait;
    }
    run.clear();
    run_first = reader->position();
  };
  while (!stopping_.load()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_watermarks) {
      next_watermarks = now + std::chrono::seconds(1);
      // As the last fetch gave them: asking would block while the cluster is unreachable.
      std::optional<std::pair<int64_t, int64_t>> marks = reader->LastWatermarks();
      if (marks.has_value()) {
        const auto [low, high] = *marks;
        log_end_.store(high);
        const int64_t applied = core_.AppliedLogPosition();
        core_.metrics().SetKafkaLag(topic_, 0, high - applied);
        if (high < core_.LoggedPosition()) {
          complain(
              "the input log ends before this instance's journal does: another cluster "
              "or a recreated topic? Nothing more is applied",
              "log end " + std::to_string(high) + ", journal " +
                  std::to_string(core_.LoggedPosition()));
        } else if (low > reader->position()) {
          complain("the input log no longer holds what this instance needs next (retention)",
                   "first held " + std::to_string(low) + ", needed " +
                       std::to_string(reader->position()));
        } else if (high - applied <= static_cast<int64_t>(kMaxRun)) {
          // Within a run of the end: under steady input the end moves on as it is read.
          caught_up_.store(true);
        }
      }
    }
    StatusOr<std::optional<kafka::ConsumedMessage>> message =
        reader->Read(run.empty() ? kReadWait : std::chrono::milliseconds(0));
    if (!message.ok()) {
      complain("cannot read the input log", message.status().message());
      continue;
    }
    if (!message->has_value()) {
      hand_over();  // nothing more for now: apply what came
      continue;
    }
    const kafka::ConsumedMessage& record = **message;
    // Offsets a cluster skips become empty inputs, so records and offsets stay one to one.
    // This topic has no transactions and no compaction: a hole means the cluster lost
    // records (an unclean leader election), which every instance then misses alike. Said.
    const int64_t expected = run_first + static_cast<int64_t>(run.size());
    if (record.offset != expected) {
      Log(LogLevel::kError, "the input log skips offsets: records were lost in the cluster",
          {{"expected", std::to_string(expected)}, {"got", std::to_string(record.offset)}});
      core_.CountRejected("kafka", "input_log_hole");
    }
    if (record.offset < expected) continue;  // read twice: already taken
    for (int64_t hole = expected; hole < record.offset; ++hole) run.emplace_back();
    v1::Input& input = run.emplace_back();
    if (!input.ParseFromString(record.value)) {
      input.Clear();
      core_.CountRejected("kafka", "unreadable_input");
    }
    if (run.size() >= kMaxRun) hand_over();
  }
}

}  // namespace stayaway::daemon
