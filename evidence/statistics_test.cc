// Tests of the statistics (statistics.h) and their formats (statistics_json.h,
// statistics_csv.h, statistics_html.h) on hand-built histories whose answers are worked out
// here: orders in force at the period's edges, alerts by kind and certainty, confirmed
// violations counted once, nearest-rank percentiles per kind and per credential,
// dispositions, overdue acknowledgements, silences and tampers per device, the checkpoint's
// cut, and a report that names the figure someone changed.
#include "evidence/statistics.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/engine_config.h"
#include "evidence/history.h"
#include "evidence/leaves.h"
#include "evidence/statistics_csv.h"
#include "evidence/statistics_html.h"
#include "evidence/statistics_json.h"
#include "evidence/statistics_report.h"

namespace stayaway::evidence {
namespace {

using v1::Event;

constexpr TimeMs kMinute = 60'000;
constexpr TimeMs kT0 = 1'772'323'200'000;  // 2026-03-01T00:00:00Z
constexpr TimeMs kFrom = kT0 + 60 * kMinute;
constexpr TimeMs kTo = kT0 + 180 * kMinute;
constexpr TimeMs kCommsLostMs = 10 * kMinute;

TimeMs At(TimeMs minutes) { return kT0 + minutes * kMinute; }

// A history grown as the replayer grows one: each input's leaf, then its events' leaves.
class HistoryBuilder {
 public:
  HistoryEntry& Add(const v1::Input& input, const std::vector<Event>& events = {},
                    bool accepted = true) {
    HistoryEntry& entry = history_.entries.emplace_back();
    entry.position = history_.entries.size() - 1;
    entry.input = input;
    entry.accepted = accepted;
    entry.input_leaf = history_.tree.Append(InputLeafData(input));
    for (const Event& e : events) {
      v1::EventRecord& record = entry.events.emplace_back();
      record.set_seq(seq_++);
      *record.mutable_event() = e;
      history_.tree.Append(EventLeafData(record));
    }
    return entry;
  }
  HistoryEntry& Tick(TimeMs t, const std::vector<Event>& events = {}) {
    v1::Input input;
    MsToTimestamp(t, input.mutable_tick()->mutable_tick());
    return Add(input, events);
  }
  void Order(const std::string& id, uint32_t version, const std::string& authority,
             v1::Order::State state = v1::Order::active, TimeMs valid_from = 0,
             TimeMs valid_until = 0, bool accepted = true) {
    v1::Input input;
    v1::Order& o = *input.mutable_order();
    o.set_id(id);
    o.set_version(version);
    o.set_issuing_authority(authority);
    o.set_state(state);
    if (valid_from != 0) MsToTimestamp(valid_from, o.mutable_valid_from());
    if (valid_until != 0) MsToTimestamp(valid_until, o.mutable_valid_until());
    Add(input, {}, accepted);
  }
  void Fix(const std::string& device, TimeMs received, const std::vector<Event>& events = {}) {
    v1::Input input;
    input.mutable_fix()->set_device(device);
    MsToTimestamp(received - 1000, input.mutable_fix()->mutable_time());
    MsToTimestamp(received, input.mutable_fix()->mutable_received());
    Add(input, events);
  }
  // An operator's acknowledgement or resolution at `t`, with the event the engine emits.
  void Ack(const std::string& alert, Event::Kind kind, TimeMs t, const std::string& credential) {
    v1::Input input;
    input.mutable_ack()->set_alert_id(alert);
    MsToTimestamp(t, input.mutable_ack()->mutable_time());
    Event e = Make(alert, kind, Event::acknowledged, t, t);
    if (!credential.empty()) e.set_ack_credential(credential);
    Add(input, {e});
  }
  void Resolve(const std::string& alert, Event::Kind kind, TimeMs t, const std::string& credential,
               v1::AlertResolve::Disposition disposition, bool closes = true) {
    v1::Input input;
    input.mutable_resolve()->set_alert_id(alert);
    MsToTimestamp(t, input.mutable_resolve()->mutable_time());
    Event e = Make(alert, kind, Event::resolved, t, t);
    e.set_ack_credential(credential);
    e.set_disposition(disposition);
    std::vector<Event> events = {e};
    if (closes) events.push_back(Make(alert, kind, Event::closed, t, t));
    Add(input, events);
  }

  static Event Make(const std::string& alert, Event::Kind kind, Event::Transition transition,
                    TimeMs time, TimeMs detected) {
    Event e;
    e.set_alert_id(alert);
    e.set_order_id("O1");
    e.set_kind(kind);
    e.set_transition(transition);
    MsToTimestamp(time, e.mutable_time());
    MsToTimestamp(detected, e.mutable_detected_at());
    return e;
  }
  static Event Graded(const std::string& alert, Event::Kind kind, Event::Transition transition,
                      Event::Certainty certainty, TimeMs detected) {
    Event e = Make(alert, kind, transition, detected, detected);
    e.set_certainty(certainty);
    return e;
  }
  static Event OfDevice(const std::string& alert, Event::Kind kind, Event::Transition transition,
                        const std::string& device, TimeMs time, TimeMs detected) {
    Event e = Make(alert, kind, transition, time, detected);
    e.set_device(device);
    return e;
  }

  const History& history() const { return history_; }

 private:
  History history_;
  uint64_t seq_ = 1;
};

StatisticsCheckpoint CheckpointOf(const History& history, uint64_t size = 0) {
  StatisticsCheckpoint c;
  c.tree_size = size == 0 ? history.tree.size() : size;
  c.root_hash_hex = HashToHex(*history.tree.RootHash(c.tree_size));
  c.time_ms = At(300);
  c.key_id = "0123456789abcdef";
  c.public_key_hex = std::string(64, 'a');
  c.signature_hex = std::string(128, 'b');
  return c;
}

Statistics Compute(const History& history, uint64_t size = 0) {
  StatusOr<Statistics> s =
      ComputeStatistics(history, CheckpointOf(history, size), kFrom, kTo, kCommsLostMs);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? *s : Statistics{};
}

TEST(NearestRank, IsTheValueAtRankCeilingOfPTimesN) {
  const std::vector<TimeMs> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_EQ(NearestRank(ten, 50), 5);
  EXPECT_EQ(NearestRank(ten, 90), 9);
  EXPECT_EQ(NearestRank(ten, 100), 10);
  const std::vector<TimeMs> three = {10, 20, 30};
  EXPECT_EQ(NearestRank(three, 50), 20);  // ceil(1.5) = 2
  EXPECT_EQ(NearestRank(three, 90), 30);  // ceil(2.7) = 3
  EXPECT_EQ(NearestRank({7}, 50), 7);
  EXPECT_EQ(NearestRank({7}, 90), 7);
  std::vector<TimeMs> twenty;
  for (TimeMs i = 1; i <= 20; ++i) twenty.push_back(100 * i);
  EXPECT_EQ(NearestRank(twenty, 90), 1800);  // rank 18 exactly
  EXPECT_EQ(NearestRank(twenty, 50), 1000);  // rank 10 exactly
}

TEST(Statistics, OrdersInForceAtTheEdgesOfThePeriodByAuthority) {
  HistoryBuilder b;
  b.Tick(At(10));
  b.Order("O1", 1, "Court A");                                  // in force throughout
  b.Order("O2", 1, "Court A");                                  // revoked before the period
  b.Order("O3", 1, "Court B", v1::Order::active, kTo);          // valid from the last instant
  b.Order("O4", 1, "Court B", v1::Order::active, 0, kFrom);     // valid until its first (exclusive)
  b.Order("O5", 1, "");                                         // no authority named
  b.Order("O6", 1, "Court C", v1::Order::active, 0, 0, false);  // refused by the engine
  b.Order("O7", 1, "Court D", v1::Order::suspended);            // suspended all along
  b.Tick(At(30));
  b.Order("O2", 2, "Court A", v1::Order::revoked);
  b.Order("O8", 1, "Court E");   // revoked at the period's first instant: never in force in it
  b.Order("O11", 1, "Court H");  // revoked a millisecond later: in force at that instant
  b.Tick(kFrom);
  b.Order("O8", 2, "Court E", v1::Order::revoked);
  b.Order("O9", 1, "Court F");  // suspended, then in force again within the period
  b.Order("O9", 2, "Court F", v1::Order::suspended);
  b.Tick(kFrom + 1);
  b.Order("O11", 2, "Court H", v1::Order::revoked);
  b.Tick(At(120));
  b.Order("O9", 3, "Court G");
  b.Tick(At(200));
  b.Order("O10", 1, "Court A");  // applied after the period
  const Statistics s = Compute(b.history());
  const std::map<std::string, uint64_t> want = {
      {"Court A", 1}, {"Court B", 1}, {"Court G", 1}, {"Court H", 1}, {kNotStated, 1}};
  EXPECT_EQ(s.orders_in_force, want);
  EXPECT_EQ(s.data_until_ms, At(200));
  EXPECT_EQ(s.inputs, b.history().entries.size());
}

// Alerts of the period and the operators' answers to them: the figures worked out by hand.
History AlertsHistory() {
  HistoryBuilder b;
  using H = HistoryBuilder;
  b.Tick(At(50),
         {H::Graded("A4", Event::proximity_violation, Event::opened, Event::confirmed, At(50))});
  b.Ack("A4", Event::proximity_violation, At(65), "cred-1");  // opened before: not timed
  b.Tick(At(70),
         {H::Graded("A1", Event::proximity_violation, Event::opened, Event::confirmed, At(70))});
  b.Ack("A1", Event::proximity_violation, At(72), "cred-1");  // 2 min
  b.Ack("A1", Event::proximity_violation, At(73), "cred-2");  // a second ack: not timed
  b.Resolve("A1", Event::proximity_violation, At(80), "cred-1",
            v1::AlertResolve::patrol_dispatched);  // 10 min
  b.Tick(At(80),
         {H::Graded("A2", Event::proximity_warning, Event::opened, Event::possible, At(80))});
  b.Tick(At(85),
         {H::Graded("A2", Event::proximity_violation, Event::escalated, Event::confirmed, At(85)),
          H::Graded("A2", Event::proximity_violation, Event::updated, Event::confirmed, At(85))});
  b.Ack("A2", Event::proximity_violation, At(84), "cred-2");  // 4 min
  b.Tick(At(90), {H::Make("A3", Event::sos, Event::opened, At(90), At(90))});
  b.Ack("A3", Event::sos, At(91), "cred-1");                                     // 1 min
  b.Resolve("A3", Event::sos, At(95), "cred-2", v1::AlertResolve::false_alarm);  // 5 min
  b.Resolve("A4", Event::proximity_violation, At(100), "cred-2",
            v1::AlertResolve::police_notified);  // in the period, the alert opened before
  b.Tick(At(100),
         {H::Graded("A5", Event::exclusion_zone, Event::opened, Event::possible, At(100))});
  b.Tick(At(110), {H::Make("A5", Event::exclusion_zone, Event::ack_overdue, At(108), At(110))});
  b.Tick(kTo, {H::Make("A6", Event::sos, Event::opened, kTo, kTo)});  // the last instant
  b.Ack("A6", Event::sos, kTo + 3 * kMinute, "");  // 3 min, no credential recorded
  b.Tick(kTo + 1, {H::Make("A7", Event::sos, Event::opened, kTo + 1, kTo + 1),
                   H::Make("A6", Event::sos, Event::ack_overdue, kTo, kTo + 1)});
  return b.history();
}

TEST(Statistics, AlertsByKindAndCertaintyAndConfirmedViolationsOnce) {
  const Statistics s = Compute(AlertsHistory());
  const std::map<std::string, std::map<std::string, uint64_t>> opened = {
      {"proximity_violation", {{"confirmed", 1}}},
      {"proximity_warning", {{"possible", 1}}},
      {"exclusion_zone", {{"possible", 1}}},
      {"sos", {{"none", 2}}}};  // A3, and A6 at the period's last instant; not A7 after it
  EXPECT_EQ(s.alerts_opened, opened);
  // A1 opened confirmed, A2 escalated (its update does not count again); A4 got there
  // before the period.
  EXPECT_EQ(s.confirmed_violations, (std::map<std::string, uint64_t>{{"proximity_violation", 2}}));
  EXPECT_EQ(s.overdue_acknowledgements, (std::map<std::string, uint64_t>{{"exclusion_zone", 1}}));
  EXPECT_EQ(s.resolutions,
            (std::map<std::string, uint64_t>{
                {"false_alarm", 1}, {"patrol_dispatched", 1}, {"police_notified", 1}}));
}

TEST(Statistics, TimeToAcknowledgeAndResolveByKindAndCredentialByNearestRank) {
  const Statistics s = Compute(AlertsHistory());
  const ResponseFigures& ack = s.time_to_acknowledge;
  EXPECT_EQ(ack.alerts, 5u);  // A1, A2, A3, A5, A6
  EXPECT_EQ(ack.answered, 4u);
  auto expect = [](const ResponseTimes& t, uint64_t count, TimeMs p50, TimeMs p90, TimeMs max) {
    EXPECT_EQ(t.count, count);
    EXPECT_EQ(t.p50_ms, p50);
    EXPECT_EQ(t.p90_ms, p90);
    EXPECT_EQ(t.max_ms, max);
  };
  ASSERT_EQ(ack.by_kind.size(), 3u);
  expect(ack.by_kind.at("proximity_violation"), 1, 2 * kMinute, 2 * kMinute, 2 * kMinute);
  // A2 opened as a warning: timed under the kind it opened with.
  expect(ack.by_kind.at("proximity_warning"), 1, 4 * kMinute, 4 * kMinute, 4 * kMinute);
  expect(ack.by_kind.at("sos"), 2, 1 * kMinute, 3 * kMinute, 3 * kMinute);
  ASSERT_EQ(ack.by_credential.size(), 3u);
  expect(ack.by_credential.at("cred-1"), 2, 1 * kMinute, 2 * kMinute, 2 * kMinute);
  expect(ack.by_credential.at("cred-2"), 1, 4 * kMinute, 4 * kMinute, 4 * kMinute);
  expect(ack.by_credential.at(kNoCredential), 1, 3 * kMinute, 3 * kMinute, 3 * kMinute);

  const ResponseFigures& resolve = s.time_to_resolve;
  EXPECT_EQ(resolve.alerts, 5u);
  EXPECT_EQ(resolve.answered, 2u);  // A4's resolution is of an alert opened before
  ASSERT_EQ(resolve.by_kind.size(), 2u);
  expect(resolve.by_kind.at("proximity_violation"), 1, 10 * kMinute, 10 * kMinute, 10 * kMinute);
  expect(resolve.by_kind.at("sos"), 1, 5 * kMinute, 5 * kMinute, 5 * kMinute);
  expect(resolve.by_credential.at("cred-1"), 1, 10 * kMinute, 10 * kMinute, 10 * kMinute);
  expect(resolve.by_credential.at("cred-2"), 1, 5 * kMinute, 5 * kMinute, 5 * kMinute);
}

TEST(Statistics, DeviceHealthCountsSilencesOncePerDeviceAndTampersOncePerTime) {
  HistoryBuilder b;
  using H = HistoryBuilder;
  // tag-3: silent from 30 (event at 40, comms_lost_ms 10 min) to its fix at 70: 10 min inside.
  b.Tick(At(40), {H::OfDevice("C4", Event::comms_lost, Event::opened, "tag-3", At(40), At(40))});
  b.Fix("tag-3", At(70),
        {H::OfDevice("C4", Event::comms_lost, Event::closed, "tag-3", At(70), At(70))});
  // tag-1, in two orders: silent from 120 to 150, one silence of 30 min.
  b.Tick(At(130), {H::OfDevice("C1", Event::comms_lost, Event::opened, "tag-1", At(130), At(130)),
                   H::OfDevice("C2", Event::comms_lost, Event::opened, "tag-1", At(130), At(130))});
  // The strap cut at 140, raised in both orders: one tamper; another at 150.
  b.Fix("tag-1", At(140),
        {H::OfDevice("S1", Event::strap_tamper, Event::opened, "tag-1", At(139), At(140)),
         H::OfDevice("S2", Event::strap_tamper, Event::opened, "tag-1", At(139), At(140))});
  b.Fix("tag-1", At(150),
        {H::OfDevice("C1", Event::comms_lost, Event::closed, "tag-1", At(150), At(150)),
         H::OfDevice("C2", Event::comms_lost, Event::closed, "tag-1", At(150), At(150)),
         H::OfDevice("S3", Event::strap_tamper, Event::opened, "tag-1", At(149), At(150))});
  b.Fix("tag-5", At(100),
        {H::OfDevice("K1", Event::case_tamper, Event::opened, "tag-5", At(100), At(100))});
  // tag-2: silent from 160; an operator resolves the alert at 175 (the engine closes it),
  // but the device speaks only at 200: 20 min inside the period.
  b.Tick(At(170), {H::OfDevice("C3", Event::comms_lost, Event::opened, "tag-2", At(170), At(170))});
  b.Resolve("C3", Event::comms_lost, At(175), "cred-3", v1::AlertResolve::device_fault);
  b.Fix("tag-2", At(200));
  // tag-6: silent from 170 and still silent when the records end (at 200): 10 min inside.
  b.Tick(At(180), {H::OfDevice("C6", Event::comms_lost, Event::opened, "tag-6", At(180), At(180))});
  // A strap cut after the period does not count.
  b.Fix("tag-4", At(190),
        {H::OfDevice("S4", Event::strap_tamper, Event::opened, "tag-4", At(190), At(190))});
  const Statistics s = Compute(b.history());
  ASSERT_EQ(s.devices.size(), 5u) << StatisticsJson(s);
  auto expect = [&](const std::string& device, uint64_t episodes, TimeMs silent, uint64_t straps,
                    uint64_t cases) {
    SCOPED_TRACE(device);
    const DeviceHealth& d = s.devices.at(device);
    EXPECT_EQ(d.comms_lost_episodes, episodes);
    EXPECT_EQ(d.without_comms_ms, silent);
    EXPECT_EQ(d.strap_tampers, straps);
    EXPECT_EQ(d.case_tampers, cases);
  };
  expect("tag-1", 1, 30 * kMinute, 2, 0);
  expect("tag-2", 1, 20 * kMinute, 0, 0);
  expect("tag-3", 1, 10 * kMinute, 0, 0);
  expect("tag-5", 0, 0, 0, 1);
  expect("tag-6", 1, 10 * kMinute, 0, 0);
  EXPECT_EQ(s.resolutions, (std::map<std::string, uint64_t>{{"device_fault", 1}}));
  const std::string json = StatisticsJson(s);
  EXPECT_NE(json.find("\"hours_without_comms\": 1.17,"), std::string::npos) << json;  // 70 min
  EXPECT_NE(json.find("\"hours_without_comms\": 0.50,"), std::string::npos) << json;  // tag-1
}

// The engine's own events, not hand-made ones: a tag silent from its fix at minute 1 until
// its fix at minute 31 (which also reports its strap cut) was without communications for
// 30 minutes, though comms_lost opened only at minute 11 (the engine's 10-minute limit).
TEST(Statistics, TheEnginesCommsLostEventsGiveTheSilenceFromLastContact) {
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(v1::EngineConfig());
  ASSERT_TRUE(settings.ok());
  ASSERT_EQ(settings->comms_lost_ms, kCommsLostMs);
  HistoryReplayer replayer(*settings);
  auto apply = [&](const std::string& json) {
    v1::Input input;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &input).ok()) << json;
    replayer.Apply(input);
  };
  auto fix = [&](const std::string& device, int seq, TimeMs t, double lat,
                 const std::string& flags) {
    apply(R"({"fix": {"device": ")" + device + R"(", "seq": )" + std::to_string(seq) +
          R"(, "time": ")" + FormatRfc3339(t) + R"(", "received": ")" + FormatRfc3339(t) +
          R"(", "lat": )" + std::to_string(lat) + R"(, "lon": 74.59, "accuracy_m": 5)" + flags +
          "}}");
  };
  apply(R"({"order": {"id": "KG-1", "version": 1, "issuing_authority": "Court A",
      "valid_from": "2020-01-01T00:00:00Z",
      "supervised": {"id": "p1", "devices": ["tag-1"]},
      "protected": [{"id": "p2", "devices": ["phone-2"]}], "violation_distance_m": 300}})");
  apply(R"({"tick": {"tick": ")" + FormatRfc3339(At(0)) + R"("}})");
  fix("tag-1", 1, At(1), 42.87, "");
  for (int minute = 1; minute <= 40; ++minute) {
    if (minute % 5 == 0) fix("phone-2", minute, At(minute), 42.97, "");
    if (minute == 31) fix("tag-1", 2, At(31), 42.87, R"(, "flags": ["strap_open"])");
    apply(R"({"tick": {"tick": ")" + FormatRfc3339(At(minute)) + R"("}})");
  }
  const History& history = replayer.history();
  StatisticsCheckpoint checkpoint = CheckpointOf(history);
  StatusOr<Statistics> s = ComputeStatistics(history, checkpoint, At(0), At(60), kCommsLostMs);
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->devices.size(), 1u) << StatisticsJson(*s);
  const DeviceHealth& tag = s->devices.at("tag-1");
  EXPECT_EQ(tag.comms_lost_episodes, 1u);
  EXPECT_EQ(tag.without_comms_ms, 30 * kMinute);
  EXPECT_EQ(tag.strap_tampers, 1u);
  EXPECT_EQ(s->orders_in_force, (std::map<std::string, uint64_t>{{"Court A", 1}}));
  EXPECT_EQ(s->alerts_opened.at("comms_lost").at("none"), 1u);
  EXPECT_EQ(s->data_until_ms, At(40));
}

TEST(Statistics, OnlyWhatTheCheckpointCoversCounts) {
  const History history = AlertsHistory();
  // Cut between A1's first acknowledgement and the event it caused.
  uint64_t cut = 0;
  for (const HistoryEntry& e : history.entries) {
    if (e.input.has_ack() && e.input.ack().alert_id() == "A1") {
      cut = e.input_leaf + 1;
      break;
    }
  }
  ASSERT_GT(cut, 0u);
  const Statistics s = Compute(history, cut);
  EXPECT_EQ(s.time_to_acknowledge.alerts, 1u);  // only A1 had opened
  EXPECT_EQ(s.time_to_acknowledge.answered, 0u);
  EXPECT_TRUE(s.resolutions.empty());
  EXPECT_EQ(s.inputs, 4u);  // A4's tick and ack, A1's tick, A1's ack
  EXPECT_EQ(s.events, 3u);  // A4 opened and acknowledged, A1 opened
  EXPECT_EQ(s.checkpoint.tree_size, cut);
  StatisticsCheckpoint too_big = CheckpointOf(history);
  ++too_big.tree_size;
  EXPECT_FALSE(ComputeStatistics(history, too_big, kFrom, kTo, kCommsLostMs).ok());
  EXPECT_FALSE(ComputeStatistics(history, CheckpointOf(history), kTo, kFrom, kCommsLostMs).ok());
  // A journal cut by retention: the report says where its records start.
  History cut_by_retention = AlertsHistory();
  cut_by_retention.first_position = 7;
  const std::string json = StatisticsJson(Compute(cut_by_retention));
  EXPECT_NE(json.find("\"counted\": {\n    \"first_record\": 7,\n"), std::string::npos) << json;
}

TEST(StatisticsJson, IsCanonicalReadsBackItsCheckpointAndNamesAChangedFigure) {
  const Statistics s = Compute(AlertsHistory());
  const std::string json = StatisticsJson(s);
  EXPECT_EQ(json, StatisticsJson(Compute(AlertsHistory())));  // byte for byte
  EXPECT_EQ(json.rfind("{\n  \"format\": \"stayaway-statistics-1\",\n  \"period\": {\n"
                       "    \"from\": \"2026-03-01T01:00:00Z\",\n"
                       "    \"to\": \"2026-03-01T03:00:00Z\"\n  },\n",
                       0),
            0u)
      << json;
  EXPECT_NE(json.find("\"sos\": {\n        \"count\": 2,\n        \"p50_ms\": 60000,\n"
                      "        \"p90_ms\": 180000,\n        \"max_ms\": 180000\n"),
            std::string::npos)
      << json;
  EXPECT_EQ(json.back(), '\n');
  StatusOr<StatedReport> stated = ReadStatedReport(json);
  ASSERT_TRUE(stated.ok()) << stated.status().message();
  EXPECT_EQ(stated->from_ms, kFrom);
  EXPECT_EQ(stated->to_ms, kTo);
  EXPECT_EQ(stated->checkpoint.tree_size, s.checkpoint.tree_size);
  EXPECT_EQ(stated->checkpoint.root_hash_hex, s.checkpoint.root_hash_hex);
  EXPECT_EQ(stated->checkpoint.signature_hex, s.checkpoint.signature_hex);
  EXPECT_TRUE(DifferingFigures(json, json).empty());

  std::string changed = json;
  const std::string was = "\"p90_ms\": 180000";
  changed.replace(changed.find(was), was.size(), "\"p90_ms\": 120000");
  const std::vector<std::string> differing = DifferingFigures(changed, json);
  ASSERT_EQ(differing.size(), 1u);
  EXPECT_EQ(differing[0],
            "time_to_acknowledge.by_kind.sos.p90_ms: the report says 120000, the records give "
            "180000");
  EXPECT_FALSE(ReadStatedReport("{\"format\": \"other\"}").ok());
  EXPECT_FALSE(ReadStatedReport("not json").ok());
}

TEST(StatisticsCsv, HoldsEveryFigureARowUnderItsHeader) {
  const std::string csv = StatisticsCsv(Compute(AlertsHistory()));
  EXPECT_EQ(
      csv.rfind("section,group,item,figure,value\nreport,,,format,stayaway-statistics-1\n", 0), 0u)
      << csv;
  for (const char* row :
       {"period,,,from,2026-03-01T01:00:00Z\n", "alerts_opened,sos,none,alerts,2\n",
        "confirmed_violations,kind,proximity_violation,alerts,2\n",
        "time_to_acknowledge,kind,sos,p90_ms,180000\n",
        "time_to_acknowledge,credential,cred-1,p50_ms,60000\n",
        "time_to_acknowledge,credential,(none),max_ms,180000\n", "time_to_resolve,,,unresolved,3\n",
        "overdue_acknowledgements,kind,exclusion_zone,alerts,1\n",
        "resolutions,disposition,police_notified,resolutions,1\n"}) {
    EXPECT_NE(csv.find(row), std::string::npos) << row << " in\n" << csv;
  }
  // A field with a comma or a quote is quoted.
  HistoryBuilder b;
  b.Order("O1", 1, "Court \"North\", Bishkek");
  const std::string quoted = StatisticsCsv(Compute(b.history()));
  EXPECT_NE(quoted.find("orders_in_force,issuing_authority,\"Court \"\"North\"\", Bishkek\","
                        "orders,1\n"),
            std::string::npos)
      << quoted;
}

TEST(StatisticsHtml, HasTheCheckpointTablesAndSvgCharts) {
  const Statistics s = Compute(AlertsHistory());
  const std::string html = StatisticsHtml(s);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find(s.checkpoint.root_hash_hex), std::string::npos);
  EXPECT_NE(html.find(s.checkpoint.signature_hex), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  for (const char* part :
       {"Alerts opened by kind and certainty", "Time to acknowledge by kind",
        "Resolutions by disposition", "police_notified", "cred-2", "stayaway verify --report"}) {
    EXPECT_NE(html.find(part), std::string::npos) << part;
  }
  // Three charts with bars: alerts, both response times, resolutions.
  size_t charts = 0;
  for (size_t at = html.find("<svg"); at != std::string::npos; at = html.find("<svg", at + 1)) {
    ++charts;
  }
  EXPECT_EQ(charts, 4u);
  EXPECT_EQ(html, StatisticsHtml(Compute(AlertsHistory())));
  EXPECT_EQ(DurationText(18), "18 ms");
  EXPECT_EQ(DurationText(4'500), "4.5 s");
  EXPECT_EQ(DurationText(45'000), "45 s");
  EXPECT_EQ(DurationText(750'000), "12.5 min");
  EXPECT_EQ(DurationText(3 * 3'600'000), "3.0 h");
}

}  // namespace
}  // namespace stayaway::evidence
