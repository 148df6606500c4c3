// Heap allocations per fix through the TCP ingest port and the daemon's core, as a
// gateway's fixes take them: a frame of 1,000 fixes read from a real loopback socket,
// decoded, checked, handed to the core, journaled (group commit, no fsync), applied by the
// engine, committed to the signed log, and its acknowledgement encoded and written back.
// 100,000 devices (bench/fleet.h: nobody near anybody, so no event), tracks full first.
// The client sends frames encoded before the count starts, without `received` (the core
// stamps it, as for a gateway), and reads each acknowledgement into a fixed buffer. Every
// operator new of the process is counted, the io and engine threads' among them; reports
// allocs_per_fix (0 is the throughput issue's target).
//
//   build/bench/tcp_allocation_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/core_bench_support.h"
#include "bench/counting_allocator.h"
#include "bench/fleet.h"
#include "bench/loopback_socket.h"
#include "daemon/core.h"
#include "ingest/frame_codec.h"
#include "ingest/tcp_server.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;

// A client of the TCP port that allocates nothing once connected: it writes frames it
// was given and reads each reply whole into a fixed buffer without decoding it.
class RawClient {
 public:
  bool Connect(uint16_t port) { return socket_.Connect(port); }
  bool Send(const std::string& frame) { return socket_.SendAll(frame); }
  // Reads one varint-delimited frame; false on a closed connection or a frame larger
  // than the buffer.
  bool ReceiveOne() {
    uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = 0;
      if (!socket_.ReceiveExactly(&byte, 1) || shift > 63) return false;
      length |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (length > buffer_.size()) return false;
    return socket_.ReceiveExactly(buffer_.data(), length);
  }

 private:
  bench::LoopbackSocket socket_;
  std::array<char, 1 << 20> buffer_{};
};

void BM_TcpPortBatches(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  constexpr size_t kFrames = 300;
  const fs::path dir =
      fs::temp_directory_path() / ("stayaway-tcp-alloc-" + std::to_string(::getpid()));
  bench::Fleet fleet(100'000, /*seed=*/1);
  std::atomic<TimeMs> now{0};
  std::string token;
  std::string error;
  // Tracks filled first, through the core directly.
  const std::unique_ptr<daemon::Core> core =
      bench::StartCoreWithFullTracks(dir, fleet, now, batch_size, &token, &error);
  if (core == nullptr) return state.SkipWithError(error.c_str());
  // The frames a gateway sends, and the clock of each: the newest fix's time.
  std::vector<std::string> frames;
  std::vector<TimeMs> clock_at;
  for (size_t f = 0; f < kFrames; ++f) {
    v1::ClientFrame frame;
    frame.mutable_batch()->set_batch_id(f + 1);
    for (size_t i = 0; i < batch_size; ++i) {
      v1::Fix* fix = frame.mutable_batch()->add_fixes();
      fleet.NextFix(fix);
      clock_at.resize(f + 1);
      clock_at[f] = TimestampToMs(fix->received());
      fix->clear_received();
    }
    frames.push_back(ingest::EncodeFrame(frame));
  }

  boost::asio::io_context io;
  ingest::TcpIngestServer server(
      io, *core, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
      ingest::TcpIngestOptions{});
  if (Status s = server.Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
  std::thread io_thread([&io] { io.run(); });
  RawClient client;
  v1::ClientFrame hello;
  hello.mutable_authenticate()->set_token(token);
  bool ok = client.Connect(server.port()) && client.Send(ingest::EncodeFrame(hello)) &&
            client.ReceiveOne();
  ok = ok && bench::CountRoundTrips(state, clock_at, now, batch_size, [&](size_t i) {
         return client.Send(frames[i]) && client.ReceiveOne();
       });
  server.Stop();
  io.stop();
  io_thread.join();
  core->Stop();
  fs::remove_all(dir);
  if (!ok) return state.SkipWithError("the port did not answer a frame");
}
BENCHMARK(BM_TcpPortBatches)->ArgName("batch")->Arg(1000)->Iterations(250);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
