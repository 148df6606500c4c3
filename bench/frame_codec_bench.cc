// Frame decoding on the TCP ingest port: a ClientFrame holding a FixBatch of 1, 100 or
// 1000 fixes, fed to a FrameReader in 64 KiB reads (like the socket's), taken out as a
// frame and parsed, as tcp_server.cc does before the fixes go to the core.
//
//   build/bench/frame_codec_bench
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <string_view>

#include "base/time.h"
#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

std::string EncodedBatch(int fixes) {
  v1::ClientFrame frame;
  v1::FixBatch* batch = frame.mutable_batch();
  batch->set_batch_id(42);
  for (int i = 0; i < fixes; ++i) {
    v1::Fix* fix = batch->add_fixes();
    fix->set_device("tag-" + std::to_string(10'000 + i));
    fix->set_seq(static_cast<uint64_t>(1000 + i));
    fix->set_lat(42.8746 + i * 1e-5);
    fix->set_lon(74.5698 - i * 1e-5);
    fix->set_accuracy_m(8);
    fix->set_battery_pct(71);
    MsToTimestamp(1'767'225'600'000 + i * 1000, fix->mutable_time());
  }
  return ingest::EncodeFrame(frame);
}

void BM_DecodeFixBatch(benchmark::State& state) {
  const int fixes = static_cast<int>(state.range(0));
  const std::string wire = EncodedBatch(fixes);
  constexpr size_t kReadBytes = 64 * 1024;
  ingest::FrameReader reader;
  std::string bytes;
  v1::ClientFrame frame;
  int64_t decoded = 0;
  for (auto _ : state) {
    for (size_t at = 0; at < wire.size(); at += kReadBytes) {
      reader.Feed(std::string_view(wire).substr(at, std::min(kReadBytes, wire.size() - at)));
    }
    if (reader.Next(&bytes) != ingest::FrameReader::Result::kFrame ||
        !frame.ParseFromString(bytes)) {
      state.SkipWithError("the frame did not decode");
      break;
    }
    decoded += frame.batch().fixes_size();
  }
  if (decoded != fixes * static_cast<int64_t>(state.iterations())) state.SkipWithError("fixes lost");
  state.counters["frames_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["fixes_per_s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * fixes, benchmark::Counter::kIsRate);
  state.counters["frame_bytes"] = static_cast<double>(wire.size());
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(wire.size()));
}
BENCHMARK(BM_DecodeFixBatch)->ArgName("fixes")->Arg(1)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
