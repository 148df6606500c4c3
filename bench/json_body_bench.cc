// Decoding one JSON request body of the Traccar, OsmAnd and OwnTracks formats: the whole
// decoder (ParseTraccarForward, ParseOsmAndJson, ParseOwnTracks), and the JSON object under it
// parsed by the fast decoder of common bodies (ingest/json_object_fast.h) against Protobuf's JSON
// mapping alone, on a Traccar forward.json position, a Traccar Client (OsmAnd) report and
// an OwnTracks location as the Android app publishes it.
//
//   build/bench/json_body_bench
#include <benchmark/benchmark.h>

#include <string>

#include "ingest/osmand_codec.h"
#include "ingest/owntracks_codec.h"
#include "ingest/traccar_codec.h"

namespace stayaway {
namespace {

const std::string kTraccar =
    R"({"position":{"id":0,"attributes":{"batteryLevel":87.0,"distance":12.5,"totalDistance":1.5E3,)"
    R"("motion":true,"alarm":"sos"},"deviceId":12,"protocol":"osmand","serverTime":null,)"
    R"("deviceTime":"2026-03-01T10:00:00.000+00:00","fixTime":"2026-03-01T10:00:00.000+00:00",)"
    R"("outdated":false,"valid":true,"latitude":42.874621,"longitude":74.569762,)"
    R"("altitude":760.5,"speed":1.2,"course":93.0,"address":null,"accuracy":8.0,"network":null},)"
    R"("device":{"id":12,"attributes":{},"groupId":0,"name":"Tag 1","uniqueId":"tag-10042",)"
    R"("status":"online","lastUpdate":"2026-03-01T10:00:01.000+00:00","disabled":false}})";
const std::string kOsmAnd =
    R"({"location":{"timestamp":"2026-03-01T10:00:00.000Z","coords":{"latitude":42.874621,)"
    R"("longitude":74.569762,"accuracy":5,"speed":1.2,"heading":93,"altitude":760},)"
    R"("is_moving":true,"odometer":1500,"event":"motionchange","battery":{"level":0.87,)"
    R"("is_charging":false},"activity":{"type":"walking"},"extras":{}},"device_id":"phone-2"})";

const std::string kOwnTracks =
    R"({"_type":"location","_id":"a1b2c3d4","acc":12,"alt":760,"batt":87,"bs":1,"conn":"m",)"
    R"("created_at":1772359201,"lat":42.874621,"lon":74.569762,"m":1,"t":"u","tid":"p2",)"
    R"("tst":1772359200,"vac":3,"vel":5,"cog":93,"topic":"owntracks/phone-2/phone-2"})";

template <typename Decoder>
void Decode(benchmark::State& state, const std::string& body, Decoder decode) {
  for (auto _ : state) {
    auto decoded = decode(body);
    if (!decoded.ok()) {
      state.SkipWithError("the body did not decode");
      break;
    }
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(body.size()));
}

auto Fast(const std::string& body) {
  return ingest::codec::ParseJsonObject(body, 1 << 16, 16, "bench");
}
auto Mapping(const std::string& body) {
  return ingest::codec::ParseJsonObjectByJsonMapping(body, 1 << 16, 16, "bench");
}

void BM_TraccarForward(benchmark::State& state) {
  Decode(state, kTraccar, ingest::ParseTraccarForward);
}
void BM_TraccarObject(benchmark::State& state) { Decode(state, kTraccar, Fast); }
void BM_TraccarObjectByJsonMapping(benchmark::State& state) { Decode(state, kTraccar, Mapping); }
void BM_OsmAndJson(benchmark::State& state) { Decode(state, kOsmAnd, ingest::ParseOsmAndJson); }
void BM_OsmAndObject(benchmark::State& state) { Decode(state, kOsmAnd, Fast); }
void BM_OsmAndObjectByJsonMapping(benchmark::State& state) { Decode(state, kOsmAnd, Mapping); }
void BM_OwnTracks(benchmark::State& state) {
  Decode(state, kOwnTracks,
         [](const std::string& body) { return ingest::ParseOwnTracks(body, "phone-2"); });
}
void BM_OwnTracksObject(benchmark::State& state) { Decode(state, kOwnTracks, Fast); }

BENCHMARK(BM_TraccarForward);
BENCHMARK(BM_TraccarObject);
BENCHMARK(BM_TraccarObjectByJsonMapping);
BENCHMARK(BM_OsmAndJson);
BENCHMARK(BM_OsmAndObject);
BENCHMARK(BM_OsmAndObjectByJsonMapping);
BENCHMARK(BM_OwnTracks);
BENCHMARK(BM_OwnTracksObject);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
