// Decoding one replay line (FIXES.ndjson, POST /v1/fixes): ParseReplayLine, whose common
// shapes skip Protobuf's JSON mapping (ingest/replay_line_fast.h), against the mapping
// alone (ParseReplayLineByJsonMapping), on the lines `stayaway simulate` writes: a fix
// with a battery and a flag, and a tick.
//
//   build/bench/replay_line_bench
#include <benchmark/benchmark.h>

#include <string>

#include "ingest/json_codec.h"

namespace stayaway {
namespace {

const std::string kFix =
    R"({"device": "tag-10042", "seq": 1873, "time": "2026-03-01T10:00:15.250Z", "lat": 42.874613, "lon": 74.569832, "accuracy_m": 8.5, "battery_pct": 71, "flags": ["strap_open"]})";
const std::string kTick = R"({"tick": "2026-03-01T10:05:00Z"})";

template <typename Decoder>
void Decode(benchmark::State& state, const std::string& line, Decoder decode) {
  for (auto _ : state) {
    StatusOr<v1::Input> input = decode(line);
    if (!input.ok()) {
      state.SkipWithError("the line did not decode");
      break;
    }
    benchmark::DoNotOptimize(input);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size()));
}

void BM_FixLine(benchmark::State& state) { Decode(state, kFix, ingest::ParseReplayLine); }
void BM_FixLineByJsonMapping(benchmark::State& state) {
  Decode(state, kFix, ingest::ParseReplayLineByJsonMapping);
}
void BM_TickLine(benchmark::State& state) { Decode(state, kTick, ingest::ParseReplayLine); }
void BM_TickLineByJsonMapping(benchmark::State& state) {
  Decode(state, kTick, ingest::ParseReplayLineByJsonMapping);
}

BENCHMARK(BM_FixLine);
BENCHMARK(BM_FixLineByJsonMapping);
BENCHMARK(BM_TickLine);
BENCHMARK(BM_TickLineByJsonMapping);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
