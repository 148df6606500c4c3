// One event as one JSON line, as `stayaway replay` and the daemon print every event:
// Protobuf's JSON printer with EventToJson's options (what EventToJson used to call)
// against the direct writer EventToJson now uses (WriteEventJson), which prints the same
// bytes, on a proximity event (both positions, distances, fixes) and a device event
// (strap tamper).
//
//   build/bench/event_json_bench
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include <string>
#include <utility>

#include "base/time.h"
#include "ingest/event_json_writer.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

constexpr TimeMs kEventTime = 1'767'225'600'000;

v1::Event ProximityEvent() {
  v1::Event event;
  event.set_alert_id("6f1c0e2b9a4d3e11");
  event.set_order_id("KG-2025-0001");
  event.set_order_version(2);
  event.set_kind(v1::Event::proximity_violation);
  event.set_transition(v1::Event::opened);
  event.set_certainty(v1::Event::confirmed);
  MsToTimestamp(kEventTime, event.mutable_time());
  MsToTimestamp(kEventTime + 1'250, event.mutable_detected_at());
  // Distances as the engine computes them: full precision.
  event.set_distance_m(83.27563412097123);
  event.set_distance_lower_m(66.77563412097123);
  event.set_distance_upper_m(99.77563412097123);
  event.set_limit_m(100);
  v1::PositionReport* supervised = event.mutable_supervised();
  supervised->set_person("p1");
  supervised->set_device("tag-10042");
  supervised->set_lat(42.874612894736842);
  supervised->set_lon(74.569845263157894);
  supervised->set_accuracy_m(8.5);
  supervised->set_basis(v1::PositionReport::interpolated);
  MsToTimestamp(kEventTime - 400, supervised->mutable_time());
  v1::PositionReport* victim = event.mutable_protected_();
  victim->set_person("p2");
  victim->set_device("phone-20042");
  victim->set_lat(42.8752);
  victim->set_lon(74.57012);
  victim->set_accuracy_m(8);
  victim->set_basis(v1::PositionReport::fix);
  MsToTimestamp(kEventTime, victim->mutable_time());
  for (const auto& [device, seq] : {std::pair{"tag-10042", 1041}, std::pair{"tag-10042", 1042},
                                    std::pair{"phone-20042", 977}}) {
    v1::FixRef* fix = event.add_fixes();
    fix->set_device(device);
    fix->set_seq(seq);
  }
  event.set_rule("proximity:p1:p2");
  return event;
}

v1::Event DeviceEvent() {
  v1::Event event;
  event.set_alert_id("0b9d3a5c71e24f08");
  event.set_order_id("KG-2025-0001");
  event.set_order_version(2);
  event.set_kind(v1::Event::strap_tamper);
  event.set_transition(v1::Event::opened);
  event.set_certainty(v1::Event::confirmed);
  MsToTimestamp(kEventTime, event.mutable_time());
  MsToTimestamp(kEventTime + 800, event.mutable_detected_at());
  event.set_device("tag-10042");
  event.set_person("p1");
  v1::FixRef* fix = event.add_fixes();
  fix->set_device("tag-10042");
  fix->set_seq(1042);
  event.set_rule("device:tag-10042:strap");
  return event;
}

v1::Event EventFor(int which) { return which == 0 ? ProximityEvent() : DeviceEvent(); }

void SetCounters(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(bytes));
  state.SetLabel(state.range(0) == 0 ? "proximity event" : "device event");
}

// The printer as EventToJson called it before the writer.
std::string ProtobufPrinted(const v1::Event& event) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(event, &out, options);
  return out;
}

void BM_ProtobufPrinter(benchmark::State& state) {
  const v1::Event event = EventFor(static_cast<int>(state.range(0)));
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string json = ProtobufPrinted(event);
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  SetCounters(state, bytes);
}
BENCHMARK(BM_ProtobufPrinter)->ArgName("device_event")->Arg(0)->Arg(1);

void BM_WriteEventJson(benchmark::State& state) {
  const v1::Event event = EventFor(static_cast<int>(state.range(0)));
  if (ingest::WriteEventJson(event) != ProtobufPrinted(event)) {
    state.SkipWithError("the writer and the printer disagree");
    return;
  }
  std::size_t bytes = 0;
  for (auto _ : state) {
    const std::string json = ingest::WriteEventJson(event);
    bytes = json.size();
    benchmark::DoNotOptimize(json.data());
  }
  SetCounters(state, bytes);
}
BENCHMARK(BM_WriteEventJson)->ArgName("device_event")->Arg(0)->Arg(1);

// As a replay loop uses it: appended to one buffer that keeps its capacity.
void BM_AppendEventJsonReusedBuffer(benchmark::State& state) {
  const v1::Event event = EventFor(static_cast<int>(state.range(0)));
  std::string line;
  for (auto _ : state) {
    line.clear();
    ingest::AppendEventJson(event, &line);
    benchmark::DoNotOptimize(line.data());
  }
  SetCounters(state, line.size());
}
BENCHMARK(BM_AppendEventJsonReusedBuffer)->ArgName("device_event")->Arg(0)->Arg(1);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
