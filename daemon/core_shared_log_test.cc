// Core on a shared input log (Kafka mode, core.h and shared_input_log.h), against an
// ordered log kept in memory: what callers submit goes to the log and is applied only as
// the log gives it back (Core::ApplyLogged), the log's offsets and the journal's records
// stay one to one, ticks come only through the log, and cores fed the same log keep the
// same event log.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/time.h"
#include "daemon/core.h"
#include "daemon/core_test_support.h"
#include "daemon/shared_input_log.h"
#include "engine/replay_window.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {
namespace {

using namespace core_testing;  // NOLINT: the shared fixtures

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr TimeMs kElevenMinutes = 11 * 60'000;

// A fix the journal cannot record as it is: a field the schema does not know
// (ingest/recordable_input.h).
v1::Fix UnrecordableFix(const std::string& device, uint64_t seq, TimeMs t) {
  v1::Fix fix = Fix(device, seq, t, 42.87, 74.59);
  fix.GetReflection()->MutableUnknownFields(&fix)->AddVarint(999, 1);
  return fix;
}

v1::Input FixInput(v1::Fix fix) {
  v1::Input input;
  *input.mutable_fix() = std::move(fix);
  // Fixes in the log carry the receive stamp the appending instance gave them.
  if (!input.fix().has_received()) *input.mutable_fix()->mutable_received() = input.fix().time();
  return input;
}

v1::Input OrderInput(const v1::Order& order) {
  v1::Input input;
  *input.mutable_order() = order;
  return input;
}

v1::Input TickInput(TimeMs t) {
  v1::Input input;
  MsToTimestamp(t, input.mutable_tick()->mutable_tick());
  return input;
}

// A clock the test moves by hand.
// A real ordered log in memory: Append gives consecutive offsets from 0, keeps each
// input's bytes (what a Kafka record would hold) and answers on a thread of its own, as
// the Kafka log answers on librdkafka's.
class MemoryLog final : public SharedInputLog {
 public:
  MemoryLog() {
    answerer_ = std::thread([this] { Answer(); });
  }
  ~MemoryLog() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    wake_.notify_all();
    answerer_.join();
  }

  void Append(std::vector<v1::Input> inputs, AppendDone done) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      std::vector<AppendResult> results;
      for (const v1::Input& input : inputs) {
        AppendResult result;
        result.status = Status::Ok();
        result.offset = static_cast<int64_t>(records_.size());
        records_.push_back(input.SerializeAsString());
        results.push_back(std::move(result));
      }
      answers_.emplace_back(std::move(done), std::move(results));
    }
    wake_.notify_all();
  }

  // The records from `offset` on, parsed back, as a follower reads them.
  std::vector<v1::Input> ReadFrom(int64_t offset) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<v1::Input> inputs;
    for (size_t i = static_cast<size_t>(offset); i < records_.size(); ++i) {
      EXPECT_TRUE(inputs.emplace_back().ParseFromString(records_[i])) << "record " << i;
    }
    return inputs;
  }

  int64_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int64_t>(records_.size());
  }

 private:
  void Answer() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return closing_ || !answers_.empty(); });
      if (answers_.empty()) return;
      auto [done, results] = std::move(answers_.front());
      answers_.pop_front();
      lock.unlock();
      if (done) done(std::move(results));
      lock.lock();
    }
  }

  mutable std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::string> records_;                                      // guarded by mu_
  std::deque<std::pair<AppendDone, std::vector<AppendResult>>> answers_;  // guarded by mu_
  bool closing_ = false;                                                  // guarded by mu_
  std::thread answerer_;
};

// Hands `core` whatever the log holds past the core's LoggedPosition, as
// daemon/kafka_follower.cc does.
Status PumpOnce(const MemoryLog& log, Core& core) {
  const int64_t from = core.LoggedPosition();
  std::vector<v1::Input> inputs = log.ReadFrom(from);
  if (inputs.empty()) return Status::Ok();
  return core.ApplyLogged(from, std::move(inputs));
}

// PumpOnce every 2 ms on a thread of its own while it lives.
class BackgroundPump {
 public:
  BackgroundPump(const MemoryLog& log, Core& core) {
    thread_ = std::thread([this, &log, &core] {
      while (!stop_.load()) {
        (void)PumpOnce(log, core);
        std::this_thread::sleep_for(milliseconds(2));
      }
    });
  }
  ~BackgroundPump() {
    stop_.store(true);
    thread_.join();
  }
  BackgroundPump(const BackgroundPump&) = delete;
  BackgroundPump& operator=(const BackgroundPump&) = delete;

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Waits (up to 10 s) until the core applied every log offset before `offset`.
bool WaitApplied(Core& core, int64_t offset) {
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (core.AppliedLogPosition() < offset) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(milliseconds(1));
  }
  return true;
}

CoreOptions Options(ManualClock& clock, std::shared_ptr<SharedInputLog> log,
                    TimeMs tick_interval_ms = 1000) {
  CoreOptions options;
  options.clock = clock.fn();
  options.tick_interval_ms = tick_interval_ms;
  options.shared_log = std::move(log);
  return options;
}

std::vector<std::string> EventLog(Core& core) {
  std::vector<v1::EventRecord> records;
  core.ReadEvents(1, 1'000'000, &records);
  std::vector<std::string> out;
  for (const v1::EventRecord& record : records) out.push_back(record.SerializeAsString());
  return out;
}

bool HasAlert(Core& core, v1::Event::Kind kind) {
  for (const v1::AlertView& alert : core.ListAlerts({})) {
    if (alert.kind() == kind) return true;
  }
  return false;
}

bool HasMetric(Core& core, const std::string& line) {
  return core.MetricsText().find(line + "\n") != std::string::npos;
}

TEST(CoreSharedLog, SubmittedFixesAreAcceptedOnceLoggedAndAppliedOnlyFromTheLog) {
  ManualClock clock;
  auto log = std::make_shared<MemoryLog>();
  Core core(Options(clock, log));
  ASSERT_TRUE(core.Start().ok());
  {
    BackgroundPump pump(*log, core);
    ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  }
  ASSERT_EQ(log->size(), 1);
  clock.now = kStart + 5'000;
  const auto outcomes = SubmitAndWait(
      core, {Fix("tag-1", 1, kStart, 42.87, 74.5905), UnrecordableFix("tag-1", 2, kStart)});
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_TRUE(outcomes[0].accepted) << outcomes[0].code << ": " << outcomes[0].reason;
  EXPECT_FALSE(outcomes[0].duplicate);
  EXPECT_FALSE(outcomes[1].accepted);
  EXPECT_EQ(outcomes[1].code, "unknown_field") << outcomes[1].reason;
  EXPECT_TRUE(
      HasMetric(core, "stayaway_fixes_rejected_total{source=\"test\",reason=\"unknown_field\"} 1"))
      << core.MetricsText();

  // The log holds the accepted fix alone, stamped with this core's receive time.
  ASSERT_EQ(log->size(), 2);
  const std::vector<v1::Input> logged = log->ReadFrom(1);
  ASSERT_EQ(logged.size(), 1u);
  ASSERT_TRUE(logged[0].has_fix());
  EXPECT_EQ(logged[0].fix().device(), "tag-1");
  EXPECT_EQ(logged[0].fix().seq(), 1u);
  EXPECT_EQ(TimestampToMs(logged[0].fix().received()), kStart + 5'000);

  // Accepted is not applied: the core has not been given the log's record yet.
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(core.LoggedPosition(), 1);
  EXPECT_EQ(core.AppliedLogPosition(), 1);
  StatusOr<v1::DeviceStatus> before = core.GetDevice("tag-1");
  ASSERT_TRUE(before.ok()) << before.status().message();  // the order names it
  EXPECT_FALSE(before->has_last_fix());

  ASSERT_TRUE(PumpOnce(*log, core).ok());
  EXPECT_EQ(core.LoggedPosition(), 2);
  ASSERT_TRUE(WaitApplied(core, 2));
  StatusOr<v1::DeviceStatus> after = core.GetDevice("tag-1");
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->has_last_fix());
  EXPECT_TRUE(HasMetric(core, "stayaway_fixes_total{source=\"kafka\",outcome=\"new\"} 1"))
      << core.MetricsText();
  core.Stop();
}

TEST(CoreSharedLog, PutOrderReturnsTheEnginesAnswerOnlyOnceAppliedFromTheLog) {
  // Without a log: the engine's answer to a second order of the same version.
  ManualClock plain_clock;
  CoreOptions plain_options;
  plain_options.clock = plain_clock.fn();
  Core plain(plain_options);
  ASSERT_TRUE(plain.Start().ok());
  ASSERT_TRUE(plain.PutOrder(PairOrder(1)).ok());
  const Status plain_stale = plain.PutOrder(PairOrder(1));
  ASSERT_FALSE(plain_stale.ok());
  plain.Stop();

  ManualClock clock;
  auto log = std::make_shared<MemoryLog>();
  Core core(Options(clock, log));
  ASSERT_TRUE(core.Start().ok());
  auto put = std::async(std::launch::async, [&] { return core.PutOrder(PairOrder(1)); });
  const auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (log->size() < 1 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  ASSERT_EQ(log->size(), 1) << "the order never reached the log";
  EXPECT_EQ(put.wait_for(milliseconds(100)), std::future_status::timeout)
      << "PutOrder returned before the core applied the order from the log";
  EXPECT_EQ(core.GetOrder("KG-1").status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(PumpOnce(*log, core).ok());
  ASSERT_EQ(put.wait_for(seconds(10)), std::future_status::ready);
  const Status first = put.get();
  EXPECT_TRUE(first.ok()) << first.message();
  // Returned once applied: the catalogue has it without waiting.
  EXPECT_TRUE(core.GetOrder("KG-1").ok());
  // AppliedLogPosition moves once the engine's whole batch is applied: soon after.
  EXPECT_TRUE(WaitApplied(core, 1));

  BackgroundPump pump(*log, core);
  const Status stale = core.PutOrder(PairOrder(1));
  EXPECT_EQ(stale.code(), plain_stale.code())
      << stale.message() << " against " << plain_stale.message();
  EXPECT_EQ(log->size(), 2) << "refused by the engine, yet logged: every instance refuses it";
  ASSERT_TRUE(core.PutOrder(PairOrder(2)).ok());
  StatusOr<v1::Order> newest = core.GetOrder("KG-1");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->version(), 2u);
  // An order the journal could not record never reaches the log.
  v1::Order unrecordable = PairOrder(3);
  unrecordable.GetReflection()->MutableUnknownFields(&unrecordable)->AddVarint(999, 1);
  EXPECT_EQ(core.PutOrder(unrecordable).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(log->size(), 3);
  core.Stop();
}

TEST(CoreSharedLog, ApplyLoggedTakesOnlyTheNextOffset) {
  ManualClock clock;
  auto log = std::make_shared<MemoryLog>();
  Core core(Options(clock, log));
  std::vector<v1::Input> early;
  early.push_back(OrderInput(PairOrder()));
  EXPECT_EQ(core.ApplyLogged(0, std::move(early)).code(), StatusCode::kFailedPrecondition)
      << "a core that is not running takes nothing";
  ASSERT_TRUE(core.Start().ok());
  EXPECT_EQ(core.LoggedPosition(), 0);
  EXPECT_EQ(core.AppliedLogPosition(), 0);

  auto inputs = [] {
    std::vector<v1::Input> in;
    in.push_back(OrderInput(PairOrder()));
    in.push_back(FixInput(Fix("phone-2", 1, kStart, 42.87, 74.59)));
    in.push_back(FixInput(Fix("tag-1", 1, kStart, 42.87, 74.5905)));
    return in;
  };
  const Status gap = core.ApplyLogged(1, inputs());
  EXPECT_EQ(gap.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(gap.message().find("offset 0"), std::string::npos) << gap.message();
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(core.LoggedPosition(), 0);
  EXPECT_EQ(core.AppliedLogPosition(), 0);
  EXPECT_EQ(core.GetOrder("KG-1").status().code(), StatusCode::kNotFound) << "applied anyway";

  ASSERT_TRUE(core.ApplyLogged(0, inputs()).ok());
  EXPECT_EQ(core.LoggedPosition(), 3);
  ASSERT_TRUE(WaitApplied(core, 3));
  EXPECT_EQ(core.AppliedLogPosition(), 3);
  EXPECT_TRUE(core.GetOrder("KG-1").ok());
  ASSERT_TRUE(core.GetDevice("tag-1")->has_last_fix());
  const uint64_t next_event = core.NextEventSeq();

  // Again from 0 (a follower that read the log twice), or past the end: refused, nothing
  // applied twice.
  EXPECT_EQ(core.ApplyLogged(0, inputs()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(core.ApplyLogged(2, inputs()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(core.ApplyLogged(4, inputs()).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(core.LoggedPosition(), 3);

  std::vector<v1::Input> next;
  next.push_back(FixInput(Fix("tag-1", 2, kStart + 10'000, 42.87, 74.5905)));
  next.push_back(TickInput(kStart + 10'000));
  ASSERT_TRUE(core.ApplyLogged(3, std::move(next)).ok());
  EXPECT_EQ(core.LoggedPosition(), 5);
  ASSERT_TRUE(WaitApplied(core, 5));
  EXPECT_EQ(core.AppliedLogPosition(), 5);
  EXPECT_EQ(core.GetDevice("tag-1")->last_fix().seq(), 2u);
  EXPECT_GT(core.NextEventSeq(), next_event) << "the second close fix confirms a violation";
  core.Stop();

  // A core without a shared log takes nothing from one.
  CoreOptions plain_options;
  plain_options.clock = clock.fn();
  Core plain(plain_options);
  ASSERT_TRUE(plain.Start().ok());
  EXPECT_EQ(plain.ApplyLogged(0, inputs()).code(), StatusCode::kFailedPrecondition);
  plain.Stop();
}

class CoreSharedLogOnDisk : public ::testing::Test {
 protected:
  CoreSharedLogOnDisk() {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("core-shared-log-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~CoreSharedLogOnDisk() override { std::filesystem::remove_all(dir_); }

  CoreOptions DiskOptions(ManualClock& clock, std::shared_ptr<SharedInputLog> log) const {
    // Fast ticks: a core that made ticks of its own would journal them.
    CoreOptions options = Options(clock, std::move(log), /*tick_interval_ms=*/5);
    options.data_dir = dir_.string();
    options.journal_dir = (dir_ / "journal").string();
    return options;
  }

  std::vector<v1::Input> Journaled() const {
    std::vector<v1::Input> inputs;
    journal::ReadOptions read;
    read.mode = journal::ReadMode::kReadOnly;
    auto report = journal::ReadAllRecords(
        (dir_ / "journal").string(), read,
        [&](const v1::Input& input, std::string_view) { inputs.push_back(input); });
    EXPECT_TRUE(report.ok()) << report.status().message();
    return inputs;
  }

  std::filesystem::path dir_;
};

TEST_F(CoreSharedLogOnDisk, AnUnrecordableLogRecordIsJournaledEmptySoRecordsMatchOffsets) {
  ManualClock clock;
  auto log = std::make_shared<MemoryLog>();
  std::vector<v1::Input> inputs;
  inputs.push_back(OrderInput(PairOrder()));
  inputs.push_back(FixInput(Fix("phone-2", 1, kStart, 42.87, 74.59)));
  inputs.push_back(FixInput(UnrecordableFix("tag-1", 7, kStart)));  // another instance's bug
  inputs.push_back(FixInput(Fix("tag-1", 1, kStart, 42.87, 74.5905)));
  inputs.push_back(FixInput(Fix("tag-1", 2, kStart + 10'000, 42.87, 74.5905)));
  inputs.push_back(TickInput(kStart + 20'000));
  const int64_t n = static_cast<int64_t>(inputs.size());
  std::vector<std::string> events;
  {
    Core core(DiskOptions(clock, log));
    ASSERT_TRUE(core.Start().ok());
    EXPECT_EQ(core.LoggedPosition(), 0);
    ASSERT_TRUE(core.ApplyLogged(0, std::move(inputs)).ok());
    ASSERT_TRUE(WaitApplied(core, n));
    clock.now = kStart + 60'000;
    std::this_thread::sleep_for(milliseconds(50));  // ten tick intervals
    EXPECT_TRUE(HasMetric(
        core, "stayaway_fixes_rejected_total{source=\"kafka\",reason=\"unrecordable\"} 1"))
        << core.MetricsText();
    EXPECT_EQ(core.GetDevice("tag-1")->last_fix().seq(), 2u) << "the fixes after it applied";
    events = EventLog(core);
    EXPECT_FALSE(events.empty());
    core.Stop();
  }
  const std::vector<v1::Input> journaled = Journaled();
  ASSERT_EQ(static_cast<int64_t>(journaled.size()), n) << "one journal record per log offset";
  EXPECT_TRUE(journaled[1].has_fix());
  EXPECT_EQ(journaled[2].ByteSizeLong(), 0u) << journaled[2].ShortDebugString();
  EXPECT_TRUE(journaled[3].has_fix());
  EXPECT_TRUE(journaled[5].has_tick());

  // Restarted on the same journal: it goes on at the log offset after the last one.
  Core restarted(DiskOptions(clock, log));
  ASSERT_TRUE(restarted.Start().ok());
  EXPECT_EQ(restarted.LoggedPosition(), n);
  EXPECT_EQ(restarted.AppliedLogPosition(), n);
  EXPECT_EQ(EventLog(restarted), events);
  std::vector<v1::Input> replayed;
  replayed.push_back(FixInput(Fix("tag-1", 1, kStart, 42.87, 74.5905)));
  EXPECT_EQ(restarted.ApplyLogged(0, std::move(replayed)).code(), StatusCode::kFailedPrecondition);
  std::vector<v1::Input> next;
  next.push_back(FixInput(Fix("tag-1", 3, kStart + 30'000, 42.87, 74.5905)));
  ASSERT_TRUE(restarted.ApplyLogged(n, std::move(next)).ok());
  ASSERT_TRUE(WaitApplied(restarted, n + 1));
  EXPECT_EQ(restarted.GetDevice("tag-1")->last_fix().seq(), 3u);
  restarted.Stop();
}

TEST(CoreSharedLog, MakesNoTicksOfItsOwnTicksComeThroughTheLog) {
  auto scenario = [] {
    std::vector<v1::Input> inputs;
    inputs.push_back(OrderInput(PairOrder()));
    inputs.push_back(FixInput(Fix("tag-1", 1, kStart, 42.87, 74.5905)));
    inputs.push_back(FixInput(Fix("phone-2", 1, kStart, 42.87, 74.70)));
    return inputs;
  };
  // Without a log the core's own ticks raise comms_lost once both devices are silent for
  // 11 minutes of its clock.
  {
    ManualClock clock;
    CoreOptions options;
    options.clock = clock.fn();
    options.tick_interval_ms = 5;
    Core plain(options);
    ASSERT_TRUE(plain.Start().ok());
    ASSERT_TRUE(plain.PutOrder(PairOrder()).ok());
    std::promise<void> applied;
    ASSERT_TRUE(plain.SubmitFixes(
        {Fix("tag-1", 1, kStart, 42.87, 74.5905), Fix("phone-2", 1, kStart, 42.87, 74.70)}, "test",
        [&](std::vector<ingest::FixOutcome>) { applied.set_value(); }));
    applied.get_future().wait();
    clock.now = kStart + kElevenMinutes;
    bool lost = false;
    for (int i = 0; i < 1000 && !lost; ++i) {
      std::this_thread::sleep_for(milliseconds(10));
      lost = HasAlert(plain, v1::Event::comms_lost);
    }
    ASSERT_TRUE(lost) << "the plain core's ticks never raised comms_lost";
    plain.Stop();
  }

  ManualClock clock;
  auto log = std::make_shared<MemoryLog>();
  Core core(Options(clock, log, /*tick_interval_ms=*/5));
  ASSERT_TRUE(core.Start().ok());
  ASSERT_TRUE(core.ApplyLogged(0, scenario()).ok());
  ASSERT_TRUE(WaitApplied(core, 3));
  const uint64_t next_event = core.NextEventSeq();
  clock.now = kStart + kElevenMinutes;
  std::this_thread::sleep_for(milliseconds(300));  // sixty tick intervals of its own
  EXPECT_FALSE(HasAlert(core, v1::Event::comms_lost)) << "the core ticked by itself";
  EXPECT_EQ(core.NextEventSeq(), next_event);
  EXPECT_EQ(core.LoggedPosition(), 3);
  EXPECT_EQ(core.AppliedLogPosition(), 3);
  EXPECT_EQ(core.CentreNow(), kStart + kElevenMinutes) << "what a leader stamps on its ticks";

  // The leader's tick, through the log, moves the engine's time.
  std::vector<v1::Input> tick;
  tick.push_back(TickInput(core.CentreNow()));
  ASSERT_TRUE(core.ApplyLogged(3, std::move(tick)).ok());
  ASSERT_TRUE(WaitApplied(core, 4));
  EXPECT_TRUE(HasAlert(core, v1::Event::comms_lost));
  core.Stop();
}

// The replicated-state promise: two instances on one log, each submitting to it with its
// own clock, hold the same event log, alert for alert.
TEST(CoreSharedLog, TwoCoresOnOneLogKeepTheSameEventLog) {
  auto log = std::make_shared<MemoryLog>();
  ManualClock clock_a;
  ManualClock clock_b;
  clock_b.now = kStart + 3'000;  // another machine's clock
  CoreOptions options_a = Options(clock_a, log);
  CoreOptions options_b = Options(clock_b, log);
  options_b.engine_lanes = 3;
  Core a(options_a);
  Core b(options_b);
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  {
    BackgroundPump pump_a(*log, a);
    BackgroundPump pump_b(*log, b);
    ASSERT_TRUE(a.PutOrder(PairOrder()).ok());
    auto phone = SubmitAndWait(b, {Fix("phone-2", 1, kStart, 42.87, 74.59)});
    ASSERT_EQ(phone.size(), 1u);
    EXPECT_TRUE(phone[0].accepted);
    auto tag = SubmitAndWait(a, {Fix("tag-1", 1, kStart, 42.87, 74.5905),
                                 Fix("tag-1", 2, kStart + 10'000, 42.87, 74.5905)});
    ASSERT_EQ(tag.size(), 2u);
    EXPECT_TRUE(tag[1].accepted);
    // Fixes are answered once logged: wait until b applied everything to see the alert.
    ASSERT_TRUE(WaitApplied(b, log->size()));
    const std::vector<v1::AlertView> open = b.ListAlerts({});
    ASSERT_EQ(open.size(), 1u);
    v1::AlertAck ack;
    ack.set_alert_id(open[0].alert_id());
    ack.set_by("operator-7");
    ASSERT_TRUE(b.AckAlert(ack).ok());
    // The leader's tick, 11 minutes on: comms_lost for both.
    log->Append({TickInput(kStart + kElevenMinutes)}, nullptr);
    ASSERT_TRUE(WaitApplied(a, log->size()));
    ASSERT_TRUE(WaitApplied(b, log->size()));
  }
  const std::vector<std::string> events_a = EventLog(a);
  const std::vector<std::string> events_b = EventLog(b);
  EXPECT_GE(events_a.size(), 3u) << "a violation, its acknowledgement, comms_lost";
  EXPECT_TRUE(events_a == events_b) << events_a.size() << " events against " << events_b.size();
  EXPECT_TRUE(HasAlert(a, v1::Event::comms_lost));
  EXPECT_EQ(a.ListAlerts({}).size(), b.ListAlerts({}).size());
  a.Stop();
  b.Stop();
}

// An old signed capture (engine/replay_window.h): the instance that takes it refuses it
// before the log, from the newest seq its engine applied for the device. One that reaches
// the log anyway (taken by an instance whose engine had not yet applied the newest) is
// refused as stale by every core as it applies the log, the core without the device's key
// alike, so their states stay one.
TEST(CoreSharedLog, AnOldSignedCaptureIsRefusedBeforeTheLogAndByEveryCoreWhenLogged) {
  auto log = std::make_shared<MemoryLog>();
  ManualClock clock_a;
  ManualClock clock_b;
  const std::string keys = ::testing::TempDir() + "/shared-log-keys-" + std::to_string(::getpid());
  CoreOptions options_a = Options(clock_a, log);
  options_a.device_keys_path = keys + ".json";
  Core a(options_a);
  Core b(Options(clock_b, log));
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  {
    BackgroundPump pump_a(*log, a);
    BackgroundPump pump_b(*log, b);
    ASSERT_TRUE(a.PutOrder(PairOrder()).ok());
    const access::DeviceKey key = KeyOf(0x3c);
    ASSERT_TRUE(a.PutDeviceKey("tag-1", access::DeviceKeyToHex(key)).ok());
    const uint64_t newest = 10'000;
    const auto tag = [&](uint64_t seq) {
      return Signed(Fix("tag-1", seq, kStart, 42.87, 74.70), key);
    };
    ASSERT_TRUE(SubmitAndWait(a, {tag(newest)})[0].accepted);
    ASSERT_TRUE(WaitApplied(a, log->size()));
    const size_t logged = log->size();
    const auto captured = SubmitAndWait(a, {tag(newest - engine::kReplayWindowSeqs - 1)});
    ASSERT_EQ(captured.size(), 1u);
    EXPECT_FALSE(captured[0].accepted);
    EXPECT_EQ(captured[0].code, "stale_sequence");
    EXPECT_NE(captured[0].reason.find("more than 4096 behind"), std::string::npos)
        << captured[0].reason;
    EXPECT_EQ(log->size(), logged) << "refused before the log";

    v1::Input logged_capture;
    *logged_capture.mutable_fix() = tag(newest - engine::kReplayWindowSeqs - 2);
    MsToTimestamp(kStart, logged_capture.mutable_fix()->mutable_received());
    log->Append({logged_capture}, nullptr);
    ASSERT_TRUE(WaitApplied(a, log->size()));
    ASSERT_TRUE(WaitApplied(b, log->size()));
  }
  for (Core* core : {&a, &b}) {
    EXPECT_TRUE(HasMetric(
        *core, "stayaway_fixes_rejected_total{source=\"kafka\",reason=\"stale_sequence\"} 1"))
        << core->MetricsText();
    EXPECT_TRUE(HasMetric(*core, "stayaway_fixes_total{source=\"kafka\",outcome=\"new\"} 1"))
        << core->MetricsText();
  }
  EXPECT_TRUE(EventLog(a) == EventLog(b));
  a.Stop();
  b.Stop();
  std::remove((keys + ".json").c_str());
}

}  // namespace
}  // namespace stayaway::daemon
