// The check every fix passes before it is journaled (ingest/recordable_input.h): the direct
// path a fix takes against the generic descriptor-driven walk every other input takes, for
// the refusal check and for NaN canonicalisation, on the same realistic fix.
//
//   build/bench/recordable_input_bench
#include <benchmark/benchmark.h>

#include "base/time.h"
#include "ingest/recordable_input.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

v1::Fix RealisticFix() {
  v1::Fix fix;
  fix.set_device("tag-10042");
  fix.set_seq(1042);
  fix.set_lat(42.8746);
  fix.set_lon(74.5698);
  fix.set_accuracy_m(8);
  fix.set_speed_mps(1.4);
  fix.set_battery_pct(71);
  MsToTimestamp(1'767'225'600'000, fix.mutable_time());
  MsToTimestamp(1'767'225'601'000, fix.mutable_received());
  return fix;
}

void BM_CheckRecordableFixDirect(benchmark::State& state) {
  const v1::Fix fix = RealisticFix();
  for (auto _ : state) benchmark::DoNotOptimize(ingest::CheckRecordable(fix, "fix"));
}
BENCHMARK(BM_CheckRecordableFixDirect);

void BM_CheckRecordableFixGeneric(benchmark::State& state) {
  const v1::Fix fix = RealisticFix();
  const google::protobuf::Message& message = fix;
  for (auto _ : state) benchmark::DoNotOptimize(ingest::CheckRecordable(message, "fix"));
}
BENCHMARK(BM_CheckRecordableFixGeneric);

void BM_CanonicalizeNaNsFixDirect(benchmark::State& state) {
  v1::Fix fix = RealisticFix();
  for (auto _ : state) {
    ingest::CanonicalizeNaNs(&fix);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CanonicalizeNaNsFixDirect);

void BM_CanonicalizeNaNsFixGeneric(benchmark::State& state) {
  v1::Fix fix = RealisticFix();
  google::protobuf::Message* message = &fix;
  for (auto _ : state) {
    ingest::CanonicalizeNaNs(message);
    benchmark::ClobberMemory();
  }
}
BENCHMARK(BM_CanonicalizeNaNsFixGeneric);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
