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
#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
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

#include "access/credential_store.h"
#include "bench/core_bench_support.h"
#include "bench/counting_allocator.h"
#include "bench/fleet.h"
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
  ~RawClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool Connect(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    return ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  bool Send(const std::string& frame) {
    for (size_t sent = 0; sent < frame.size();) {
      const ssize_t n = ::send(fd_, frame.data() + sent, frame.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return false;
      sent += static_cast<size_t>(n);
    }
    return true;
  }
  // Reads one varint-delimited frame; false on a closed connection or a frame larger
  // than the buffer.
  bool ReceiveOne() {
    uint64_t length = 0;
    for (int shift = 0;; shift += 7) {
      uint8_t byte = 0;
      if (!ReadExactly(&byte, 1) || shift > 63) return false;
      length |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) break;
    }
    if (length > buffer_.size()) return false;
    return ReadExactly(buffer_.data(), length);
  }

 private:
  bool ReadExactly(void* into, size_t bytes) {
    auto* out = static_cast<char*>(into);
    for (size_t got = 0; got < bytes;) {
      const ssize_t n = ::recv(fd_, out + got, bytes - got, 0);
      if (n <= 0) return false;
      got += static_cast<size_t>(n);
    }
    return true;
  }
  int fd_ = -1;
  std::array<char, 1 << 20> buffer_{};
};

void BM_TcpPortBatches(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  constexpr size_t kFrames = 300;
  const fs::path dir =
      fs::temp_directory_path() / ("stayaway-tcp-alloc-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  bench::Fleet fleet(100'000, /*seed=*/1);
  std::atomic<TimeMs> now{0};
  daemon::CoreOptions options = bench::BenchCoreOptions(dir, now);
  auto credentials = access::CredentialStore::Open("");
  if (!credentials.ok()) return state.SkipWithError(credentials.status().message().c_str());
  options.credentials = std::move(credentials.value());
  v1::Credential gateway;
  gateway.set_name("gateway");
  gateway.add_roles(v1::Credential::ingest);
  gateway.add_devices("*");
  const auto issued = options.credentials->Issue(gateway, 0);
  if (!issued.ok()) return state.SkipWithError(issued.status().message().c_str());
  daemon::Core core(options);
  if (Status s = core.Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
  for (Status s : core.PutOrders(fleet.order_list())) {
    if (!s.ok()) return state.SkipWithError(s.message().c_str());
  }
  // Tracks filled first, through the core directly.
  if (!bench::FillTracks(core, fleet, now, batch_size)) {
    return state.SkipWithError("the core refused a batch");
  }
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
      io, core, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
      ingest::TcpIngestOptions{});
  if (Status s = server.Start(); !s.ok()) return state.SkipWithError(s.message().c_str());
  std::thread io_thread([&io] { io.run(); });
  RawClient client;
  v1::ClientFrame hello;
  hello.mutable_authenticate()->set_token(issued.value().token());
  bool ok = client.Connect(server.port()) && client.Send(ingest::EncodeFrame(hello)) &&
            client.ReceiveOne();
  // The first frames grow the connection's buffers; they are not counted.
  size_t next = 0;
  for (; ok && next < 20; ++next) {
    now = clock_at[next];
    ok = client.Send(frames[next]) && client.ReceiveOne();
  }
  uint64_t counted = 0;
  uint64_t fixes = 0;
  for (auto _ : state) {
    if (!ok || next == kFrames) break;
    now = clock_at[next];
    const uint64_t before = bench::AllocationsSoFar();
    ok = client.Send(frames[next]) && client.ReceiveOne();
    counted += bench::AllocationsSoFar() - before;
    fixes += batch_size;
    ++next;
  }
  server.Stop();
  io.stop();
  io_thread.join();
  core.Stop();
  fs::remove_all(dir);
  if (!ok) return state.SkipWithError("the port did not answer a frame");
  state.counters["allocs_per_fix"] = static_cast<double>(counted) / static_cast<double>(fixes);
  state.SetItemsProcessed(static_cast<int64_t>(fixes));
}
BENCHMARK(BM_TcpPortBatches)->ArgName("batch")->Arg(1000)->Iterations(250);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
