#include "daemon/core.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <limits>
#include <mutex>
#include <thread>

#include "access/device_key_store.h"
#include "access/fix_mac.h"
#include "base/time.h"
#include "daemon/core_test_support.h"
#include "engine/replay_window.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {
namespace {

using namespace core_testing;  // NOLINT: the shared fixtures

// A clock the test moves by hand.
CoreOptions Options(ManualClock& clock, size_t queue_capacity = 65536,
                    TimeMs tick_interval_ms = 1000) {
  CoreOptions options;
  options.clock = clock.fn();
  options.queue_capacity = queue_capacity;
  options.tick_interval_ms = tick_interval_ms;
  return options;
}

ingest::AlertQuery ForOrder(const std::string& order_id) {
  ingest::AlertQuery query;
  query.order_id = order_id;
  return query;
}

TEST(Core, AcknowledgesFixesAfterTheEngineAppliedThem) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  const auto outcomes = SubmitAndWait(core, {Fix("phone-2", 1, kStart, 42.87, 74.59),
                                             Fix("tag-1", 1, kStart, 42.87, 74.5905),
                                             Fix("tag-1", 1, kStart, 42.87, 74.5905),
                                             Fix("tag-9", 1, kStart, 42.87, 74.59),
                                             Fix("tag-1", 2, kStart, 91, 74.59)});
  ASSERT_EQ(outcomes.size(), 5u);
  EXPECT_TRUE(outcomes[0].accepted);
  EXPECT_TRUE(outcomes[1].accepted);
  EXPECT_TRUE(outcomes[2].accepted);
  EXPECT_TRUE(outcomes[2].duplicate);
  EXPECT_FALSE(outcomes[3].accepted);
  EXPECT_EQ(outcomes[3].code, "not_found");
  EXPECT_FALSE(outcomes[4].accepted);
  EXPECT_EQ(outcomes[4].code, "invalid_argument");
  EXPECT_NE(outcomes[4].reason.find("91"), std::string::npos) << outcomes[4].reason;
  const std::string metrics = core.MetricsText();
  EXPECT_NE(metrics.find("stayaway_fixes_rejected_total{source=\"test\",reason=\"not_found\"} 1"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("stayaway_fixes_total{source=\"test\",outcome=\"duplicate\"} 1"),
            std::string::npos)
      << metrics;
  core.Stop();
}

// Lanes (engine.h) change speed, never a result: the same batches through a core with one
// engine lane and one with three give the same outcomes and the same event log.
TEST(Core, EngineLanesGiveTheSameOutcomesAndEvents) {
  struct Result {
    std::vector<std::string> outcomes;
    std::vector<std::string> events;
  };
  auto run = [](unsigned lanes) {
    ManualClock clock;
    CoreOptions options = Options(clock);
    options.engine_lanes = lanes;
    Core core(options);
    EXPECT_TRUE(core.Start().ok());
    // 40 separate cases: supervised s<i> and protected v<i>, some walking into range.
    for (int i = 0; i < 40; ++i) {
      v1::Order order;
      order.set_id("case-" + std::to_string(i));
      order.set_version(1);
      order.mutable_supervised()->set_id("s" + std::to_string(i));
      order.mutable_supervised()->add_devices("tag-" + std::to_string(i));
      auto* victim = order.add_protected_();
      victim->set_id("v" + std::to_string(i));
      victim->add_devices("phone-" + std::to_string(i));
      order.set_violation_distance_m(300);
      order.set_warning_distance_m(800);
      EXPECT_TRUE(core.PutOrder(order).ok());
    }
    Result result;
    for (int round = 0; round < 4; ++round) {
      std::vector<v1::Fix> batch;
      for (int k = 0; k < 5; ++k) {
        const uint64_t seq = static_cast<uint64_t>(round * 5 + k + 1);
        const TimeMs t = kStart + static_cast<TimeMs>(seq) * 10'000;
        for (int i = 0; i < 40; ++i) {
          const double base = 42.80 + 0.01 * i;
          // Odd cases close in on their victim; even ones keep 2 km away.
          const double gap = i % 2 ? 0.01 - 0.0005 * static_cast<double>(seq) : 0.02;
          batch.push_back(Fix("phone-" + std::to_string(i), seq, t, base, 74.59));
          batch.push_back(Fix("tag-" + std::to_string(i), seq, t, base, 74.59 + gap));
        }
      }
      batch.push_back(batch[3]);                                   // a duplicate
      batch.push_back(Fix("tag-unknown", 1, kStart, 42.8, 74.5));  // no order names it
      batch.push_back(Fix("tag-1", 999, kStart, 95, 74.5));        // refused
      for (const ingest::FixOutcome& o : SubmitAndWait(core, batch)) {
        result.outcomes.push_back(std::to_string(o.accepted) + std::to_string(o.duplicate) +
                                  o.code);
      }
    }
    std::vector<v1::EventRecord> records;
    core.ReadEvents(1, 100'000, &records);
    for (const v1::EventRecord& r : records) result.events.push_back(r.SerializeAsString());
    core.Stop();
    return result;
  };
  const Result one = run(1);
  const Result three = run(3);
  EXPECT_GT(one.events.size(), 40u);  // warnings and violations of the odd cases
  EXPECT_EQ(one.outcomes, three.outcomes);
  EXPECT_TRUE(one.events == three.events)
      << one.events.size() << " events against " << three.events.size();
}

TEST(Core, EventsAreLoggedNumberedAndListedAsAlerts) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  SubmitAndWait(core, {Fix("phone-2", 1, kStart, 42.87, 74.59),
                       Fix("tag-1", 1, kStart, 42.87, 74.5905),
                       Fix("tag-1", 2, kStart + 10'000, 42.87, 74.5905)});
  std::vector<v1::EventRecord> records;
  const uint64_t next = core.ReadEvents(1, 100, &records);
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records[0].seq(), 1u);
  EXPECT_EQ(next, records.size() + 1);
  EXPECT_EQ(core.NextEventSeq(), next);
  const auto open = core.ListAlerts({});
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].kind(), v1::Event::proximity_violation);
  EXPECT_TRUE(open[0].open());

  v1::AlertAck ack;
  ack.set_alert_id(open[0].alert_id());
  ack.set_by("operator-7");
  ack.set_note("police dispatched");
  ASSERT_TRUE(core.AckAlert(ack).ok());
  const auto acked = core.ListAlerts(ForOrder("KG-1"));
  ASSERT_EQ(acked.size(), 1u);
  ASSERT_EQ(acked[0].acks_size(), 1);
  EXPECT_EQ(acked[0].acks(0).by(), "operator-7");
  EXPECT_EQ(TimestampToMs(acked[0].acks(0).time()), kStart);
  ack.set_alert_id("nope");
  EXPECT_EQ(core.AckAlert(ack).code(), StatusCode::kNotFound);
  core.Stop();
}

TEST(Core, ClockTicksDriveTimeoutsAndListenersHearEvents) {
  ManualClock clock;
  Core core(Options(clock, 65536, 10));
  std::mutex mu;
  std::condition_variable cv;
  int notified = 0;
  const uint64_t listener = core.AddEventListener([&] {
    std::lock_guard<std::mutex> lock(mu);
    ++notified;
    cv.notify_all();
  });
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.5905),
                       Fix("phone-2", 1, kStart, 42.87, 74.70)});
  clock.now = kStart + 11 * 60'000;  // both devices silent for 11 minutes
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] {
    for (const auto& alert : core.ListAlerts({})) {
      if (alert.kind() == v1::Event::comms_lost) return true;
    }
    return false;
  }));
  EXPECT_GT(notified, 0);
  lock.unlock();
  core.RemoveEventListener(listener);
  core.Stop();
}

TEST(Core, AWallClockStepBackDoesNotStopTimeoutsOrRunStampsBackwards) {
  ManualClock clock;
  std::atomic<TimeMs> steady{0};
  CoreOptions options = Options(clock, 65536, 10);
  options.steady_clock = [&] { return steady.load(); };
  Core core(options);
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.5905),
                       Fix("phone-2", 1, kStart, 42.87, 74.70)});
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // a few ticks at kStart
  clock.now = kStart - 3'600'000;  // NTP steps the wall clock back an hour
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  steady = 22 * 60'000;  // 22 real minutes on: the centre's time moved 11, past comms_lost
  bool lost = false;
  for (int i = 0; i < 500 && !lost; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (const auto& alert : core.ListAlerts({})) lost |= alert.kind() == v1::Event::comms_lost;
  }
  EXPECT_TRUE(lost) << "ticks stopped after the clock stepped back";
  const std::string metrics = core.MetricsText();
  EXPECT_NE(metrics.find("stayaway_clock_jumps_total{direction=\"backward\"} 1"), std::string::npos)
      << metrics;
  // Acknowledgement times never run backwards either.
  std::vector<v1::EventRecord> events;
  core.ReadEvents(1, SIZE_MAX, &events);
  for (const v1::EventRecord& r : events) {
    EXPECT_GE(TimestampToMs(r.event().detected_at()), kStart) << r.ShortDebugString();
  }
  core.Stop();
}

TEST(Core, FullQueuePushesBackInsteadOfDropping) {
  ManualClock clock;
  Core core(Options(clock, /*queue_capacity=*/4));
  EXPECT_FALSE(core.SubmitFixes({Fix("tag-1", 1, kStart, 42.87, 74.59)}, "test", nullptr))
      << "a core that is not running takes nothing";
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());

  // Hold the engine thread inside the first batch's callback, so later batches queue up.
  std::promise<void> entered, release;
  auto release_future = release.get_future().share();
  ASSERT_TRUE(core.SubmitFixes({Fix("tag-1", 1, kStart, 42.87, 74.59)}, "test",
                               [&](std::vector<ingest::FixOutcome>) {
                                 entered.set_value();
                                 release_future.wait();
                               }));
  entered.get_future().wait();
  std::promise<std::vector<ingest::FixOutcome>> queued;
  ASSERT_TRUE(core.SubmitFixes({Fix("tag-1", 2, kStart, 42.87, 74.59),
                                Fix("tag-1", 3, kStart, 42.87, 74.59),
                                Fix("tag-1", 4, kStart, 42.87, 74.59),
                                Fix("tag-1", 5, kStart, 42.87, 74.59)},
                               "test", [&](std::vector<ingest::FixOutcome> o) { queued.set_value(o); }));
  // Refused, the batch is left exactly as given (not stamped, not moved from): the caller
  // offers the same vector again. Its NaN keeps the bits the device sent.
  std::vector<v1::Fix> refused = {Fix("tag-1", 6, kStart, 42.87, 74.59)};
  refused[0].set_speed_mps(std::numeric_limits<double>::quiet_NaN());
  const std::string as_given = refused[0].SerializeAsString();
  EXPECT_FALSE(core.SubmitFixes(std::move(refused), "test", nullptr))
      << "the fifth queued fix exceeds the capacity of 4";
  ASSERT_EQ(refused.size(), 1u);
  EXPECT_EQ(refused[0].SerializeAsString(), as_given);
  EXPECT_FALSE(refused[0].has_received());
  EXPECT_NE(core.MetricsText().find("stayaway_backpressure_total{source=\"test\"} 1"),
            std::string::npos);
  release.set_value();
  const auto outcomes = queued.get_future().get();
  ASSERT_EQ(outcomes.size(), 4u);
  for (const auto& o : outcomes) EXPECT_TRUE(o.accepted) << o.reason;
  // Once drained, the refused fix is welcome again: pushed back, never lost.
  const auto retried = SubmitAndWait(core, {Fix("tag-1", 6, kStart, 42.87, 74.59)});
  EXPECT_TRUE(retried[0].accepted);
  EXPECT_FALSE(retried[0].duplicate);
  core.Stop();
  EXPECT_FALSE(core.Healthy());
}

TEST(Core, RevokeKeepsHistoryAndBumpsTheVersion) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  ASSERT_TRUE(core.RevokeOrder("KG-1").ok());
  auto order = core.GetOrder("KG-1");
  ASSERT_TRUE(order.ok());
  EXPECT_EQ(order->state(), v1::Order::revoked);
  EXPECT_EQ(order->version(), 2u);
  EXPECT_EQ(core.GetOrder("nope").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(core.PutOrder(PairOrder(1)).code(), StatusCode::kAlreadyExists);
  core.Stop();
}

// ---------------------------------------------------------------------------------------
// Device keys: a keyed device's fixes must carry a valid MAC and a seq that is not stale.
// ---------------------------------------------------------------------------------------

bool HasMetric(Core& core, const std::string& line) {
  return core.MetricsText().find(line) != std::string::npos;
}

TEST(CoreDeviceKeys, AKeyedDeviceMustSignEachFixWhileTheRestOfTheBatchIsApplied) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  const access::DeviceKey key = KeyOf(0x5a);
  ASSERT_TRUE(core.PutDeviceKey("tag-1", access::DeviceKeyToHex(key)).ok());
  EXPECT_EQ(core.KeyedDevices(), std::vector<std::string>{"tag-1"});

  v1::Fix tampered = Signed(Fix("tag-1", 4, kStart, 42.87, 74.5905), key);
  tampered.set_lat(42.8701);  // moved after signing: a gateway rewriting positions
  const auto outcomes = SubmitAndWait(
      core, {Fix("phone-2", 1, kStart, 42.87, 74.59),                        // no key
             Signed(Fix("tag-1", 1, kStart, 42.87, 74.5905), key),           // valid
             Fix("tag-1", 2, kStart, 42.87, 74.5905),                        // unsigned
             Signed(Fix("tag-1", 3, kStart, 42.87, 74.5905), KeyOf(0x5b)),   // wrong key
             tampered,
             Signed(Fix("tag-1", 5, kStart + 1000, 42.87, 74.5905), key),   // valid
             Signed(Fix("phone-2", 2, kStart + 1000, 42.87, 74.59), key)});  // mac ignored
  ASSERT_EQ(outcomes.size(), 7u);
  for (size_t i : {0, 1, 5, 6}) {
    EXPECT_TRUE(outcomes[i].accepted) << i << ": " << outcomes[i].reason;
    EXPECT_FALSE(outcomes[i].duplicate) << i;
  }
  for (size_t i : {2, 3, 4}) {
    EXPECT_FALSE(outcomes[i].accepted) << i;
    EXPECT_EQ(outcomes[i].code, "unauthenticated") << i;
  }
  EXPECT_NE(outcomes[2].reason.find("device tag-1 signs its fixes: the fix has no mac"),
            std::string::npos)
      << outcomes[2].reason;
  EXPECT_NE(outcomes[3].reason.find("does not match"), std::string::npos) << outcomes[3].reason;
  EXPECT_NE(outcomes[4].reason.find("does not match"), std::string::npos) << outcomes[4].reason;
  EXPECT_TRUE(HasMetric(
      core, "stayaway_fixes_rejected_total{source=\"test\",reason=\"unauthenticated\"} 3"))
      << core.MetricsText();
  EXPECT_TRUE(HasMetric(core, "stayaway_fixes_total{source=\"test\",outcome=\"new\"} 4"))
      << core.MetricsText();
  // The tag's valid fixes, 40 m from the phone, were evaluated: the violation opened.
  EXPECT_FALSE(core.ListAlerts(ForOrder("KG-1")).empty());

  // A refused fix was never applied: its seq is free for the real one.
  const auto retried = SubmitAndWait(core, {Signed(Fix("tag-1", 2, kStart, 42.87, 74.5905), key)});
  EXPECT_TRUE(retried[0].accepted) << retried[0].reason;
  EXPECT_FALSE(retried[0].duplicate);
  core.Stop();
}

// Kafka mode's channel for device keys, as the core uses it: what was told, and a switch
// for a cluster that does not answer.
class RecordingKeyBroadcast : public DeviceKeyBroadcast {
 public:
  Status Announce(std::string_view device, const access::DeviceKey& key) override {
    if (failing) return FailedPrecondition("the cluster did not answer");
    announced.emplace_back(std::string(device), key);
    return Status::Ok();
  }
  Status Withdraw(std::string_view device) override {
    if (failing) return FailedPrecondition("the cluster did not answer");
    withdrawn.emplace_back(device);
    return Status::Ok();
  }
  bool failing = false;
  std::vector<std::pair<std::string, access::DeviceKey>> announced;
  std::vector<std::string> withdrawn;
};

TEST(CoreDeviceKeys, WithAClusterKeysAreToldFirstAndNoFixIsTakenBeforeItsKeysAreRead) {
  ManualClock clock;
  CoreOptions options = Options(clock);
  auto cluster = std::make_shared<RecordingKeyBroadcast>();
  options.device_key_broadcast = cluster;
  Core core(options);
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  // The cluster's keys not read yet: no fix is taken, and the device is told to resend.
  const auto early = SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.59)});
  EXPECT_FALSE(early[0].accepted);
  EXPECT_EQ(early[0].code, "unavailable");
  EXPECT_NE(early[0].reason.find("device keys"), std::string::npos) << early[0].reason;
  core.device_key_store().SetSharedReady(true);
  EXPECT_TRUE(SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.59)})[0].accepted);

  // A key the cluster does not take is not set here either.
  const access::DeviceKey key = KeyOf(0x5a);
  cluster->failing = true;
  const Status refused = core.PutDeviceKey("tag-1", access::DeviceKeyToHex(key));
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.message().find("not set"), std::string::npos) << refused.message();
  EXPECT_TRUE(core.KeyedDevices().empty());
  EXPECT_TRUE(SubmitAndWait(core, {Fix("tag-1", 2, kStart + 1000, 42.87, 74.59)})[0].accepted);

  // Told, then held here: the device's fixes must be signed.
  cluster->failing = false;
  ASSERT_TRUE(core.PutDeviceKey("tag-1", access::DeviceKeyToHex(key)).ok());
  ASSERT_EQ(cluster->announced.size(), 1u);
  EXPECT_EQ(cluster->announced[0].first, "tag-1");
  EXPECT_EQ(cluster->announced[0].second, key);
  EXPECT_EQ(core.KeyedDevices(), std::vector<std::string>{"tag-1"});
  EXPECT_EQ(SubmitAndWait(core, {Fix("tag-1", 3, kStart + 2000, 42.87, 74.59)})[0].code,
            "unauthenticated");
  EXPECT_TRUE(
      SubmitAndWait(core, {Signed(Fix("tag-1", 4, kStart + 3000, 42.87, 74.59), key)})[0].accepted);

  // A removal the cluster does not take leaves the key; one it takes drops it.
  cluster->failing = true;
  EXPECT_EQ(core.RemoveDeviceKey("tag-1").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(core.KeyedDevices(), std::vector<std::string>{"tag-1"});
  cluster->failing = false;
  ASSERT_TRUE(core.RemoveDeviceKey("tag-1").ok());
  EXPECT_EQ(cluster->withdrawn, std::vector<std::string>{"tag-1"});
  EXPECT_TRUE(core.KeyedDevices().empty());
  EXPECT_TRUE(SubmitAndWait(core, {Fix("tag-1", 5, kStart + 4000, 42.87, 74.59)})[0].accepted);
  EXPECT_EQ(core.RemoveDeviceKey("tag-1").code(), StatusCode::kNotFound);
  EXPECT_EQ(cluster->withdrawn.size(), 1u);  // nothing to tell
  core.Stop();
}

TEST(CoreDeviceKeys, KeysAreCheckedAsHexAndRemovingOneTakesUnsignedFixesAgain) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  const std::string bad = std::string(63, 'a');
  const Status refused = core.PutDeviceKey("tag-1", bad);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.message().find(bad), std::string::npos) << refused.message();
  EXPECT_EQ(core.PutDeviceKey("", access::DeviceKeyToHex(KeyOf(1))).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(core.KeyedDevices().empty());

  ASSERT_TRUE(core.PutDeviceKey("tag-1", access::DeviceKeyToHex(KeyOf(1))).ok());
  EXPECT_EQ(SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.59)})[0].code,
            "unauthenticated");
  ASSERT_TRUE(core.RemoveDeviceKey("tag-1").ok());
  EXPECT_EQ(core.RemoveDeviceKey("tag-1").code(), StatusCode::kNotFound);
  EXPECT_TRUE(core.KeyedDevices().empty());
  EXPECT_TRUE(SubmitAndWait(core, {Fix("tag-1", 1, kStart, 42.87, 74.59)})[0].accepted);
  core.Stop();
}

TEST(CoreDeviceKeys, AKeyedDevicesOldSequenceNumbersAreRefusedAndRepeatsStayDuplicates) {
  ManualClock clock;
  Core core(Options(clock));
  core.Start();
  ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
  const access::DeviceKey key = KeyOf(7);
  ASSERT_TRUE(core.PutDeviceKey("tag-1", access::DeviceKeyToHex(key)).ok());
  auto tag = [&](uint64_t seq) { return Signed(Fix("tag-1", seq, kStart, 42.87, 74.70), key); };
  const uint64_t newest = 10'000;
  ASSERT_TRUE(SubmitAndWait(core, {tag(newest)})[0].accepted);

  const auto outcomes = SubmitAndWait(
      core, {tag(newest - engine::kReplayWindowSeqs - 1),  // captured long ago: refused
             tag(newest - engine::kReplayWindowSeqs),      // a late upload at the edge: applied
             tag(newest),                                  // an exact repeat: a duplicate
             tag(newest + 10'000),                         // jumps ahead ...
             tag(newest + 1),  // ... so this is stale, in the same batch
             Fix("phone-2", 1, kStart, 42.87, 74.59), Fix("phone-2", 100'000, kStart, 42.87, 74.59),
             Fix("phone-2", 2, kStart, 42.87, 74.59)});  // no key: no window
  ASSERT_EQ(outcomes.size(), 8u);
  EXPECT_FALSE(outcomes[0].accepted);
  EXPECT_EQ(outcomes[0].code, "stale_sequence");
  EXPECT_NE(outcomes[0].reason.find("device tag-1: seq 5903 is more than 4096 behind"),
            std::string::npos)
      << outcomes[0].reason;
  EXPECT_TRUE(outcomes[1].accepted);
  EXPECT_FALSE(outcomes[1].duplicate);
  EXPECT_TRUE(outcomes[2].accepted);
  EXPECT_TRUE(outcomes[2].duplicate);
  EXPECT_TRUE(outcomes[3].accepted);
  EXPECT_EQ(outcomes[4].code, "stale_sequence");
  for (size_t i : {5, 6, 7}) EXPECT_TRUE(outcomes[i].accepted) << i << ": " << outcomes[i].reason;
  EXPECT_TRUE(
      HasMetric(core, "stayaway_fixes_rejected_total{source=\"test\",reason=\"stale_sequence\"} 2"))
      << core.MetricsText();
  core.Stop();
}

class CoreDeviceKeysOnDisk : public ::testing::Test {
 protected:
  CoreDeviceKeysOnDisk() {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("core-keys-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~CoreDeviceKeysOnDisk() override { std::filesystem::remove_all(dir_); }

  CoreOptions DiskOptions(ManualClock& clock) const {
    CoreOptions options = Options(clock);
    options.data_dir = dir_.string();
    options.journal_dir = (dir_ / "journal").string();
    options.device_keys_path = (dir_ / "device_keys.json").string();
    return options;
  }
  // The fixes the journal holds, by (device, seq).
  std::vector<std::pair<std::string, uint64_t>> JournaledFixes() const {
    std::vector<std::pair<std::string, uint64_t>> fixes;
    journal::ReadOptions read;
    read.mode = journal::ReadMode::kReadOnly;
    auto report = journal::ReadAllRecords(
        (dir_ / "journal").string(), read, [&](const v1::Input& input, std::string_view) {
          if (input.has_fix()) fixes.emplace_back(input.fix().device(), input.fix().seq());
        });
    EXPECT_TRUE(report.ok());
    return fixes;
  }

  std::filesystem::path dir_;
};

TEST_F(CoreDeviceKeysOnDisk, KeysAndTheNewestSeqSurviveARestartAndRefusalsAreNotJournaled) {
  ManualClock clock;
  const access::DeviceKey key = KeyOf(0x42);
  auto tag = [&](uint64_t seq) { return Signed(Fix("tag-1", seq, kStart, 42.87, 74.70), key); };
  {
    Core core(DiskOptions(clock));
    ASSERT_TRUE(core.Start().ok());
    ASSERT_TRUE(core.PutOrder(PairOrder()).ok());
    ASSERT_TRUE(core.PutDeviceKey("tag-1", access::DeviceKeyToHex(key)).ok());
    const auto outcomes = SubmitAndWait(
        core, {tag(1), tag(9'000), Fix("tag-1", 9'001, kStart, 42.87, 74.70), tag(2)});
    EXPECT_TRUE(outcomes[0].accepted);
    EXPECT_TRUE(outcomes[1].accepted);
    EXPECT_EQ(outcomes[2].code, "unauthenticated");
    EXPECT_EQ(outcomes[3].code, "stale_sequence");
    core.Stop();
  }
  struct stat info{};
  ASSERT_EQ(::stat((dir_ / "device_keys.json").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(JournaledFixes(),
            (std::vector<std::pair<std::string, uint64_t>>{{"tag-1", 1}, {"tag-1", 9'000}}))
      << "refused fixes were journaled";

  // Recovery replays the journal: the engine knows seq 9000 again, the key file is read.
  Core restarted(DiskOptions(clock));
  ASSERT_TRUE(restarted.Start().ok());
  EXPECT_EQ(restarted.KeyedDevices(), std::vector<std::string>{"tag-1"});
  const auto outcomes = SubmitAndWait(
      restarted, {tag(9'000), tag(3), Fix("tag-1", 9'001, kStart, 42.87, 74.70), tag(9'001)});
  EXPECT_TRUE(outcomes[0].accepted);
  EXPECT_TRUE(outcomes[0].duplicate) << "seq 9000 was applied before the restart";
  EXPECT_EQ(outcomes[1].code, "stale_sequence") << outcomes[1].reason;
  EXPECT_EQ(outcomes[2].code, "unauthenticated");
  EXPECT_TRUE(outcomes[3].accepted);
  EXPECT_FALSE(outcomes[3].duplicate);
  restarted.Stop();
}

TEST_F(CoreDeviceKeysOnDisk, ADamagedKeyFileStopsStartUp) {
  std::ofstream(dir_ / "device_keys.json") << "{\"tag-1\": \"not hex\"}";
  ManualClock clock;
  Core core(DiskOptions(clock));
  const Status started = core.Start();
  EXPECT_FALSE(started.ok());
  EXPECT_NE(started.message().find("device_keys.json"), std::string::npos) << started.message();
  EXPECT_FALSE(core.Healthy());
}

}  // namespace
}  // namespace stayaway::daemon
