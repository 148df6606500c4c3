// Heap allocations per fix through POST /v1/fixes and the daemon's core, as a gateway
// that speaks HTTP sends them: a JSON array of 1,000 fixes (replay lines) over a real
// loopback keep-alive connection, parsed by the HTTP server, decoded, checked, handed to
// the core, journaled (group commit, no fsync), applied by the engine, committed to the
// signed log, and answered with one result per fix. 100,000 devices (bench/fleet.h:
// nobody near anybody, so no event), tracks full first. The client writes requests made
// before the count starts and reads each answer into a fixed buffer. Every operator new
// of the process is counted, the io and engine threads' among them; reports
// allocs_per_fix (0 is the throughput issue's target; what is left is per request).
//
//   build/bench/http_allocation_bench
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/time.h"
#include "bench/core_bench_support.h"
#include "bench/counting_allocator.h"
#include "bench/fleet.h"
#include "bench/loopback_socket.h"
#include "daemon/core.h"
#include "ingest/http_api.h"
#include "ingest/http_server.h"
#include "proto/stayaway.pb.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;

// An HTTP/1.1 client that allocates nothing once connected: it writes requests it was
// given and reads each answer (headers, then Content-Length bytes) into a fixed buffer.
class RawHttpClient {
 public:
  bool Connect(uint16_t port) { return socket_.Connect(port); }
  bool Send(const std::string& request) { return socket_.SendAll(request); }
  // Reads one whole answer; true when its status is 200.
  bool ReceiveOk() {
    size_t filled = 0;
    size_t header_end = std::string_view::npos;
    while (header_end == std::string_view::npos) {
      if (!ReadSome(&filled)) return false;
      header_end = std::string_view(buffer_.data(), filled).find("\r\n\r\n");
    }
    const std::string_view head(buffer_.data(), header_end);
    const size_t length_at = head.find("Content-Length: ");
    if (length_at == std::string_view::npos) return false;
    const size_t length = std::strtoul(head.data() + length_at + 16, nullptr, 10);
    const size_t total = header_end + 4 + length;
    if (total > buffer_.size()) return false;
    while (filled < total) {
      if (!ReadSome(&filled)) return false;
    }
    return head.starts_with("HTTP/1.1 200");
  }

 private:
  bool ReadSome(size_t* filled) {
    const size_t n = *filled == buffer_.size()
                         ? 0
                         : socket_.ReceiveSome(buffer_.data() + *filled, buffer_.size() - *filled);
    *filled += n;
    return n > 0;
  }
  bench::LoopbackSocket socket_;
  std::array<char, 1 << 20> buffer_{};
};

std::string FixesRequest(const std::string& token, const std::string& body) {
  return "POST /v1/fixes HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

void BM_HttpFixesBatches(benchmark::State& state) {
  const auto batch_size = static_cast<size_t>(state.range(0));
  constexpr size_t kRequests = 300;
  const fs::path dir =
      fs::temp_directory_path() / ("stayaway-http-alloc-" + std::to_string(::getpid()));
  bench::Fleet fleet(100'000, /*seed=*/1);
  std::atomic<TimeMs> now{0};
  std::string token;
  std::string error;
  const std::unique_ptr<daemon::Core> core =
      bench::StartCoreWithFullTracks(dir, fleet, now, batch_size, &token, &error);
  if (core == nullptr) return state.SkipWithError(error.c_str());
  // The requests a gateway sends, fixes as replay lines without `received` (the core
  // stamps it), and the clock of each: the newest fix's time.
  std::vector<std::string> requests;
  std::vector<TimeMs> clock_at(kRequests);
  for (size_t r = 0; r < kRequests; ++r) {
    std::string body = "[";
    for (size_t i = 0; i < batch_size; ++i) {
      v1::Fix fix;
      fleet.NextFix(&fix);
      clock_at[r] = TimestampToMs(fix.received());
      char numbers[160];
      std::snprintf(numbers, sizeof numbers, R"(, "lat": %.7f, "lon": %.7f, "accuracy_m": %.1f})",
                    fix.lat(), fix.lon(), fix.accuracy_m());
      body += (i ? ", " : "") + std::string(R"({"device": ")") + fix.device() + R"(", "seq": )" +
              std::to_string(fix.seq()) + R"(, "time": ")" +
              FormatRfc3339(TimestampToMs(fix.time())) + "\"" + numbers;
    }
    requests.push_back(FixesRequest(token, body + "]"));
  }

  boost::asio::io_context io;
  ingest::HttpApi api(*core, ingest::HttpApiOptions{});
  ingest::HttpServer server(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
      api.handler());
  server.Start();
  std::thread io_thread([&io] { io.run(); });
  RawHttpClient client;
  const bool ok = client.Connect(server.port()) &&
                  bench::CountRoundTrips(state, clock_at, now, batch_size, [&](size_t i) {
                    return client.Send(requests[i]) && client.ReceiveOk();
                  });
  server.Stop();
  io.stop();
  io_thread.join();
  core->Stop();
  fs::remove_all(dir);
  if (!ok) return state.SkipWithError("the API did not answer a request with 200");
}
BENCHMARK(BM_HttpFixesBatches)->ArgName("batch")->Arg(1000)->Iterations(250);

}  // namespace
}  // namespace stayaway

BENCHMARK_MAIN();
