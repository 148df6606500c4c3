// The HTTP API port end to end: HttpServer with HttpApi's handler in front of the real
// daemon::Core, on 127.0.0.1 with an ephemeral port, driven by a real HTTP client (Beast).
// Every client operation has a deadline, so a broken server fails a test, never hangs it.
#include "ingest/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "daemon/core.h"
#include "ingest/alert_list_params.h"
#include "ingest/http_server.h"
#include "ingest/json_codec.h"
#include "journal/journal.h"
#include "tests/wire_fixtures.h"

namespace stayaway::ingest {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z
constexpr auto kDeadline = 5s;            // per client operation

// The token of the credential the test cores start with ("everything": all four roles,
// every device); set by CoreOptionsFor. Clients send it unless given another.
std::string& EverythingToken() {
  static std::string token;
  return token;
}

// --- a small Beast client; every operation runs its own io_context under a deadline ------

class Client {
 public:
  // `token`: the bearer token every request carries (none when empty).
  explicit Client(uint16_t port, std::string token = EverythingToken())
      : token_(std::move(token)), stream_(io_) {
    stream_.expires_after(kDeadline);
    stream_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), port),
                          [this](beast::error_code ec) { ec_ = ec; });
    Run();
  }

  bool connected() const { return !ec_; }

  http::response<http::string_body> Send(http::verb verb, const std::string& target,
                                         const std::string& body = "",
                                         const std::vector<std::pair<std::string, std::string>>&
                                             headers = {}) {
    http::request<http::string_body> request(verb, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!token_.empty()) request.set(http::field::authorization, "Bearer " + token_);
    for (const auto& [name, value] : headers) request.set(name, value);
    if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
      request.set(http::field::content_type, "application/json");
      request.body() = body;
      request.prepare_payload();
    }
    stream_.expires_after(kDeadline);
    http::async_write(stream_, request, [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    Run();
    return Read();
  }

  void WriteRaw(const std::string& bytes) {
    stream_.expires_after(kDeadline);
    asio::async_write(stream_, asio::buffer(bytes),
                      [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    Run();
  }

  http::response<http::string_body> Read() {
    http::response<http::string_body> response;
    stream_.expires_after(kDeadline);
    http::async_read(stream_, buffer_, response,
                     [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    Run();
    return response;
  }

  // Waits up to `limit` for the server to close the connection.
  bool ClosedByServerWithin(std::chrono::milliseconds limit) {
    char byte;
    stream_.expires_after(limit);
    stream_.async_read_some(asio::buffer(&byte, 1),
                            [this](beast::error_code ec, std::size_t) { ec_ = ec; });
    Run();
    return ec_ && ec_ != beast::error::timeout;
  }

  const beast::error_code& error() const { return ec_; }
  beast::tcp_stream& stream() { return stream_; }
  beast::flat_buffer& buffer() { return buffer_; }
  void Run() {
    io_.restart();
    io_.run();  // bounded: every operation above has a deadline
  }

 private:
  std::string token_;
  asio::io_context io_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  beast::error_code ec_;
};

// Server-sent events as a client sees them.
struct SseEvent {
  uint64_t id = 0;
  std::string kind;
  std::string data;
};

class SseClient {
 public:
  SseClient(uint16_t port, const std::string& target, std::optional<uint64_t> last_event_id,
            const std::string& token = EverythingToken())
      : client_(port) {
    http::request<http::empty_body> request(http::verb::get, target, 11);
    request.set(http::field::host, "127.0.0.1");
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    request.set(http::field::accept, "text/event-stream");
    if (last_event_id) request.set("Last-Event-ID", std::to_string(*last_event_id));
    client_.stream().expires_after(kDeadline);
    beast::error_code ec;
    http::async_write(client_.stream(), request,
                      [&ec](beast::error_code e, std::size_t) { ec = e; });
    client_.Run();
    // Beast keeps a reference to the callback, so it lives in a member.
    on_chunk_ = [this](std::uint64_t, beast::string_view chunk, beast::error_code&) {
      text_.append(chunk.data(), chunk.size());
      return chunk.size();
    };
    parser_.on_chunk_body(on_chunk_);
    client_.stream().expires_after(kDeadline);
    http::async_read_header(client_.stream(), client_.buffer(), parser_,
                            [&ec](beast::error_code e, std::size_t) { ec = e; });
    client_.Run();
    header_ok_ = !ec;
  }

  bool header_ok() const { return header_ok_; }
  const http::response<http::empty_body>& header() { return parser_.get(); }

  // Reads until `count` events arrived (or the deadline passed); returns what arrived.
  std::vector<SseEvent> ReadEvents(std::size_t count, std::chrono::milliseconds limit = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (events_.size() < count && std::chrono::steady_clock::now() < deadline) {
      beast::error_code ec;
      client_.stream().expires_at(deadline);
      http::async_read_some(client_.stream(), client_.buffer(), parser_,
                            [&ec](beast::error_code e, std::size_t) { ec = e; });
      client_.Run();
      ParseText();
      if (ec) break;
    }
    return events_;
  }

  std::size_t comments() const { return comments_; }

 private:
  // Splits complete "...\n\n" blocks off text_.
  void ParseText() {
    for (auto end = text_.find("\n\n"); end != std::string::npos; end = text_.find("\n\n")) {
      const std::string block = text_.substr(0, end);
      text_.erase(0, end + 2);
      SseEvent event;
      bool any = false;
      std::size_t start = 0;
      while (start <= block.size()) {
        const auto nl = std::min(block.find('\n', start), block.size());
        const std::string line = block.substr(start, nl - start);
        start = nl + 1;
        if (line.starts_with(":")) {
          ++comments_;
        } else if (line.starts_with("id: ")) {
          event.id = std::stoull(line.substr(4));
          any = true;
        } else if (line.starts_with("event: ")) {
          event.kind = line.substr(7);
        } else if (line.starts_with("data: ")) {
          event.data = line.substr(6);
        }
      }
      if (any) events_.push_back(event);
    }
  }

  Client client_;
  std::function<std::size_t(std::uint64_t, beast::string_view, beast::error_code&)> on_chunk_;
  http::response_parser<http::empty_body> parser_;
  std::string text_;
  std::vector<SseEvent> events_;
  std::size_t comments_ = 0;
  bool header_ok_ = false;
};

// --- the daemon's HTTP port in-process -----------------------------------------------------

struct ManualClock {
  std::atomic<TimeMs> now{kStart};
};

// `journal_dir`: where the core journals; none when empty.
daemon::CoreOptions CoreOptionsFor(ManualClock& clock, const std::string& journal_dir = "") {
  daemon::CoreOptions options;
  options.journal_dir = journal_dir;
  options.clock = [&clock] { return clock.now.load(); };
  options.credentials = std::move(access::CredentialStore::Open("").value());
  EverythingToken() = testing_fixtures::IssueEverythingCredential(*options.credentials, kStart);
  return options;
}

class HttpApiTest : public ::testing::Test {
 protected:
  explicit HttpApiTest(HttpServerOptions server_options = {}, HttpApiOptions api_options = {},
                       bool start_core = true, const std::string& journal_dir = "")
      : core_(CoreOptionsFor(clock_, journal_dir)), api_(core_, api_options) {
    if (start_core) core_.Start();
    server_options.on_refused = api_.refusal_counter();
    server_ = std::make_unique<HttpServer>(
        io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), api_.handler(),
        server_options);
    server_->Start();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~HttpApiTest() override {
    server_->Stop();
    // Let the connections close on the io thread (event streams unsubscribe from the core).
    for (int i = 0; i < 2000 && server_->connection_count() > 0; ++i) {
      std::this_thread::sleep_for(1ms);
    }
    work_.reset();
    io_.stop();
    thread_.join();
    core_.Stop();
  }

  uint16_t port() const { return server_->port(); }

  ManualClock clock_;
  daemon::Core core_;
  HttpApi api_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
};

std::string OrderJson(int version, const std::string& id = "KG-1") {
  return R"({"id": ")" + id + R"(", "version": )" + std::to_string(version) +
         R"(, "state": "active",
    "supervised": {"id": "p1", "devices": ["tag-1"]},
    "protected": [{"id": "p2", "devices": ["phone-2"], "relation": "victim"}],
    "violation_distance_m": 300})";
}

std::string FixJson(const std::string& device, uint64_t seq, TimeMs t, double lon) {
  return R"({"device": ")" + device + R"(", "seq": )" + std::to_string(seq) + R"(, "time": ")" +
         FormatRfc3339(t) + R"(", "lat": 42.87, "lon": )" + std::to_string(lon) +
         R"(, "accuracy_m": 5})";
}

// Fixes that bring tag-1 within ~40 m of phone-2 twice: a confirmed proximity violation.
std::string ApproachFixes() {
  return "[" + FixJson("phone-2", 1, kStart, 74.59) + "," +
         FixJson("tag-1", 1, kStart, 74.5905) + "," +
         FixJson("tag-1", 2, kStart + 10'000, 74.5905) + "]";
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// --- orders and zones ------------------------------------------------------------------------

TEST_F(HttpApiTest, OrdersAreCreatedReadReplacedAndRevoked) {
  Client client(port());
  ASSERT_TRUE(client.connected());

  auto created = client.Send(http::verb::post, "/v1/orders", OrderJson(1));
  EXPECT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_EQ(created[http::field::location], "/v1/orders/KG-1");
  EXPECT_TRUE(Contains(created.body(), R"("id":"KG-1")")) << created.body();

  // The same connection serves every request (keep-alive).
  auto again = client.Send(http::verb::post, "/v1/orders", OrderJson(1));
  EXPECT_EQ(again.result(), http::status::conflict) << again.body();
  EXPECT_TRUE(Contains(again.body(), R"("code":"already_exists")")) << again.body();

  auto got = client.Send(http::verb::get, "/v1/orders/KG-1");
  EXPECT_EQ(got.result(), http::status::ok);
  EXPECT_TRUE(Contains(got.body(), R"("version":1)")) << got.body();
  EXPECT_EQ(got[http::field::content_type], "application/json");

  EXPECT_EQ(client.Send(http::verb::get, "/v1/orders/nope").result(), http::status::not_found);

  auto replaced = client.Send(http::verb::put, "/v1/orders/KG-1", OrderJson(2));
  EXPECT_EQ(replaced.result(), http::status::ok) << replaced.body();
  EXPECT_TRUE(Contains(client.Send(http::verb::get, "/v1/orders/KG-1").body(), R"("version":2)"));

  auto stale = client.Send(http::verb::put, "/v1/orders/KG-1", OrderJson(2));
  EXPECT_EQ(stale.result(), http::status::conflict) << stale.body();

  auto mismatch = client.Send(http::verb::put, "/v1/orders/KG-2", OrderJson(3));
  EXPECT_EQ(mismatch.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(mismatch.body(), "does not match the path")) << mismatch.body();

  auto revoked = client.Send(http::verb::delete_, "/v1/orders/KG-1");
  EXPECT_EQ(revoked.result(), http::status::ok) << revoked.body();
  EXPECT_TRUE(Contains(revoked.body(), R"("state":"revoked")")) << revoked.body();
  EXPECT_TRUE(Contains(client.Send(http::verb::get, "/v1/orders/KG-1").body(), "revoked"));
  EXPECT_EQ(client.Send(http::verb::delete_, "/v1/orders/nope").result(),
            http::status::not_found);
}

TEST_F(HttpApiTest, InvalidOrdersAreRefusedWithWhatIsWrong) {
  Client client(port());
  // A bow-tie: the ring crosses itself.
  const std::string bowtie = R"({"id": "KG-X", "version": 1,
    "supervised": {"id": "p1", "devices": ["tag-1"]},
    "protected": [{"id": "p2", "devices": ["phone-2"]}], "violation_distance_m": 300,
    "zones": [{"id": "home", "kind": "exclusion", "geometry": {"type": "Polygon",
      "coordinates": [[[74.60, 42.87], [74.61, 42.88], [74.61, 42.87], [74.60, 42.88],
                       [74.60, 42.87]]]}}]})";
  auto bad = client.Send(http::verb::post, "/v1/orders", bowtie);
  EXPECT_EQ(bad.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(Lower(bad.body()), "self-intersection")) << bad.body();

  auto unknown_field = client.Send(http::verb::post, "/v1/orders", R"({"id": "A", "colour": 1})");
  EXPECT_EQ(unknown_field.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(unknown_field.body(), R"(order: unknown field \"colour\")"))
      << unknown_field.body();

  auto not_json = client.Send(http::verb::post, "/v1/orders", R"({"id": )");
  EXPECT_EQ(not_json.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(not_json.body(), R"("code":"invalid_argument")")) << not_json.body();

  // An order's time zone is an IANA name or nothing (UTC); a name is kept as given.
  const std::string in_mars = R"({"id": "KG-TZ", "version": 1, "time_zone": "Mars/Olympus_Mons",
    "supervised": {"id": "p1", "devices": ["tag-1"]},
    "protected": [{"id": "p2", "devices": ["phone-2"]}], "violation_distance_m": 300})";
  auto unknown_zone = client.Send(http::verb::post, "/v1/orders", in_mars);
  EXPECT_EQ(unknown_zone.result(), http::status::bad_request) << unknown_zone.body();
  EXPECT_TRUE(Contains(unknown_zone.body(),
                       R"(time_zone \"Mars/Olympus_Mons\" is not an IANA time zone name)"))
      << unknown_zone.body();
  std::string in_bishkek = in_mars;
  in_bishkek.replace(in_bishkek.find("Mars/Olympus_Mons"), 17, "Asia/Bishkek");
  auto known_zone = client.Send(http::verb::post, "/v1/orders", in_bishkek);
  EXPECT_EQ(known_zone.result(), http::status::created) << known_zone.body();
  EXPECT_TRUE(Contains(client.Send(http::verb::get, "/v1/orders/KG-TZ").body(),
                       R"("time_zone":"Asia/Bishkek")"));

  // A JSON array is a bulk load, answered per order (an array inside it is no order).
  auto array = client.Send(http::verb::post, "/v1/orders", "[[" + OrderJson(1) + "]]");
  EXPECT_EQ(array.result(), http::status::ok) << array.body();
  EXPECT_TRUE(Contains(array.body(), "expected one JSON object")) << array.body();
  EXPECT_TRUE(Contains(array.body(), R"("rejected":1)")) << array.body();
}

// --- the read model: bulk loading, paging ------------------------------------------------------

TEST_F(HttpApiTest, BulkLoadingBoundsItsRequestAndAnswersEveryElement) {
  Client client(port());
  ASSERT_TRUE(client.connected());
  // Not an array: refused whole.
  auto broken = client.Send(http::verb::post, "/v1/orders", "[" + OrderJson(1, "A") + ",");
  EXPECT_EQ(broken.result(), http::status::bad_request) << broken.body();
  EXPECT_TRUE(Contains(broken.body(), "orders:")) << broken.body();
  // Empty: nothing to do, nothing created.
  auto empty = client.Send(http::verb::post, "/v1/orders", "[]");
  EXPECT_EQ(empty.result(), http::status::ok) << empty.body();
  EXPECT_TRUE(Contains(empty.body(), R"("created":0)")) << empty.body();
  // More than 5,000 elements: 413 naming the bound (small elements, under 1 MiB).
  std::string many = "[";
  for (int i = 0; i <= 5'000; ++i) many += i == 0 ? "{}" : ",{}";
  many += "]";
  auto too_many = client.Send(http::verb::post, "/v1/orders", many);
  EXPECT_EQ(too_many.result(), http::status::payload_too_large) << too_many.body();
  EXPECT_TRUE(Contains(too_many.body(), "5001 orders in one request; at most 5000"))
      << too_many.body();
  // A mix: each element answered in place, the good ones created.
  auto mixed = client.Send(http::verb::post, "/v1/orders",
                           "[" + OrderJson(1, "A") + R"(, 7, {"id": "bad id"},)" +
                               OrderJson(1, "B") + "," + OrderJson(1, "A") + "]");
  ASSERT_EQ(mixed.result(), http::status::ok) << mixed.body();
  EXPECT_TRUE(Contains(mixed.body(), R"("created":2,"rejected":3)")) << mixed.body();
  EXPECT_TRUE(Contains(mixed.body(), R"({"index":0,"id":"A","status":201)")) << mixed.body();
  EXPECT_TRUE(Contains(mixed.body(), R"({"index":1,"id":"","status":400)")) << mixed.body();
  EXPECT_TRUE(Contains(mixed.body(), R"({"index":4,"id":"A","status":409)")) << mixed.body();
  EXPECT_EQ(client.Send(http::verb::get, "/v1/orders/B").result(), http::status::ok);
}

TEST_F(HttpApiTest, OrdersAndDevicesArePagedWithOpaqueCursors) {
  Client client(port());
  ASSERT_TRUE(client.connected());
  std::string body = "[";
  for (int i = 0; i < 5; ++i) body += (i ? "," : "") + OrderJson(1, "O-" + std::to_string(i));
  body += "]";
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", body).result(), http::status::ok);

  // Limits: 1..1000, a whole number.
  for (const char* bad : {"0", "1001", "-1", "2x", ""}) {
    auto reply = client.Send(http::verb::get, std::string("/v1/orders?limit=") + bad);
    EXPECT_EQ(reply.result(), http::status::bad_request) << bad << " " << reply.body();
    EXPECT_TRUE(Contains(reply.body(), "from 1 to 1000")) << reply.body();
  }
  EXPECT_EQ(client.Send(http::verb::get, "/v1/orders?page=2").result(), http::status::bad_request);
  // Two per page: three pages, the last without next_cursor, every order once.
  std::string cursor;
  std::vector<std::string> ids;
  for (int page = 0; page < 3; ++page) {
    auto reply = client.Send(http::verb::get,
                             "/v1/orders?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(reply.result(), http::status::ok) << reply.body();
    v1::OrderPage parsed;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(reply.body(), &parsed).ok());
    for (const auto& o : parsed.orders()) ids.push_back(o.order().id());
    EXPECT_EQ(parsed.has_next_cursor(), page < 2) << reply.body();
    cursor = parsed.next_cursor();
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"O-0", "O-1", "O-2", "O-3", "O-4"}));
  // A cursor that was not given out, or was given out by another listing: 400.
  EXPECT_EQ(client.Send(http::verb::get, "/v1/orders?cursor=o4").result(),
            http::status::bad_request);
  auto devices = client.Send(http::verb::get, "/v1/devices?limit=1");
  ASSERT_EQ(devices.result(), http::status::ok) << devices.body();
  v1::DevicePage device_page;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(devices.body(), &device_page).ok());
  ASSERT_TRUE(device_page.has_next_cursor()) << devices.body();
  EXPECT_EQ(client.Send(http::verb::get, "/v1/orders?cursor=" + device_page.next_cursor()).result(),
            http::status::bad_request);
  EXPECT_EQ(client
                .Send(http::verb::get,
                      "/v1/devices?sort=attention&cursor=" + device_page.next_cursor())
                .result(),
            http::status::bad_request);
  EXPECT_EQ(client.Send(http::verb::get, "/v1/devices?sort=newest").result(),
            http::status::bad_request);
  // Attention cursors with overflowing numbers, spaces, signs or missing fields: 400 (the
  // key's bytes in hex after the listing's letter, as the board encodes them).
  const auto attention_cursor = [](const std::string& key) {
    std::string out = "a";
    for (unsigned char c : key) {
      out += "0123456789abcdef"[c >> 4];
      out += "0123456789abcdef"[c & 0xf];
    }
    return out;
  };
  EXPECT_EQ(client
                .Send(http::verb::get,
                      "/v1/devices?sort=attention&cursor=" + attention_cursor("3|1000|tag-1"))
                .result(),
            http::status::ok);
  for (const std::string bad :
       {"99999999999999999999|1000|tag-1", "3|99999999999999999999999|tag-1", " 3|1000|tag-1",
        "3| 1000|tag-1", "+3|1000|tag-1", "3|+1000|tag-1", "3|1000 |tag-1", "3|1000", "3||tag-1",
        "|1000|tag-1", "3x|1000|tag-1", ""}) {
    EXPECT_EQ(
        client.Send(http::verb::get, "/v1/devices?sort=attention&cursor=" + attention_cursor(bad))
            .result(),
        http::status::bad_request)
        << "\"" << bad << "\"";
  }
  // The devices of five orders sharing tag-1 and phone-2: two devices, each in five orders.
  auto tag = client.Send(http::verb::get, "/v1/devices/tag-1");
  ASSERT_EQ(tag.result(), http::status::ok) << tag.body();
  EXPECT_TRUE(Contains(tag.body(), R"("role":"supervised")")) << tag.body();
  // Never heard from: no last fix, first on the attention board.
  auto attention = client.Send(http::verb::get, "/v1/devices?sort=attention");
  EXPECT_FALSE(Contains(attention.body(), "last_fix")) << attention.body();
  EXPECT_EQ(client.Send(http::verb::get, "/v1/devices/none").result(), http::status::not_found);
  EXPECT_EQ(client.Send(http::verb::post, "/v1/devices").result(),
            http::status::method_not_allowed);
}

TEST_F(HttpApiTest, GlobalZonesAreCreatedAndListed) {
  Client client(port());
  const std::string shelter = R"({"id": "shelter-1", "name": "Shelter", "kind": "exclusion",
    "buffer_m": 50, "geometry": {"type": "Polygon", "coordinates": [[[74.60, 42.87],
      [74.61, 42.87], [74.61, 42.88], [74.60, 42.88], [74.60, 42.87]]]}})";
  auto created = client.Send(http::verb::post, "/v1/zones", shelter);
  EXPECT_EQ(created.result(), http::status::created) << created.body();
  EXPECT_EQ(client.Send(http::verb::post, "/v1/zones", shelter).result(), http::status::conflict);

  auto listed = client.Send(http::verb::get, "/v1/zones");
  EXPECT_EQ(listed.result(), http::status::ok);
  EXPECT_TRUE(listed.body().starts_with(R"([{"id":"shelter-1")")) << listed.body();
  EXPECT_TRUE(Contains(listed.body(), R"("type":"Polygon")")) << listed.body();

  EXPECT_EQ(client.Send(http::verb::get, "/v1/zones/shelter-1").result(), http::status::ok);
  EXPECT_EQ(client.Send(http::verb::get, "/v1/zones/nope").result(), http::status::not_found);

  auto bad = client.Send(http::verb::put, "/v1/zones/shelter-2",
                         R"({"id": "shelter-2", "kind": "exclusion",
                             "circle": {"lat": 42.87, "lon": 74.6, "radius_m": -5}})");
  EXPECT_EQ(bad.result(), http::status::bad_request) << bad.body();
  EXPECT_TRUE(Contains(bad.body(), "radius")) << bad.body();
}

// --- fixes and alerts ---------------------------------------------------------------------------

TEST_F(HttpApiTest, FixesOpenAnAlertThatAnOperatorAcknowledges) {
  Client client(port());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(),
            http::status::created);

  // Three good fixes, then one that does not parse, one out of range and a tick: the bad
  // elements are refused by index, the good ones go through.
  std::string body = ApproachFixes();
  body.pop_back();
  body += R"(, {"device": "tag-1", "seq": "x"}, )" + FixJson("tag-1", 3, kStart, 200) +
          R"(, {"tick": "2025-03-10T10:00:00Z"}])";
  auto fixes = client.Send(http::verb::post, "/v1/fixes", body);
  ASSERT_EQ(fixes.result(), http::status::ok) << fixes.body();
  EXPECT_TRUE(Contains(fixes.body(), R"({"accepted":3,"duplicates":0,"rejected":3,)"))
      << fixes.body();
  EXPECT_TRUE(Contains(fixes.body(),
                       R"({"index":0,"device":"phone-2","seq":1,"accepted":true,"duplicate":false})"))
      << fixes.body();
  EXPECT_TRUE(Contains(fixes.body(), R"({"index":3,"accepted":false,"code":"invalid_argument")"))
      << fixes.body();
  EXPECT_TRUE(Contains(fixes.body(), R"({"index":4,"device":"tag-1","seq":3,"accepted":false)"))
      << fixes.body();
  EXPECT_TRUE(Contains(fixes.body(), "ticks are not accepted")) << fixes.body();

  // Sending the same fixes again: accepted as duplicates.
  auto repeat = client.Send(http::verb::post, "/v1/fixes", ApproachFixes());
  EXPECT_TRUE(Contains(repeat.body(), R"({"accepted":3,"duplicates":3,)")) << repeat.body();

  auto alerts = client.Send(http::verb::get, "/v1/alerts?order=KG-1&state=open");
  ASSERT_EQ(alerts.result(), http::status::ok);
  EXPECT_TRUE(Contains(alerts.body(), R"("kind":"proximity_violation")")) << alerts.body();
  EXPECT_TRUE(Contains(alerts.body(), R"("open":true)")) << alerts.body();
  const auto views = core_.ListAlerts({});
  ASSERT_FALSE(views.empty());
  const std::string alert_id = views[0].alert_id();

  EXPECT_TRUE(Contains(client.Send(http::verb::get, "/v1/alerts?since=2025-03-10T09:00:00Z").body(),
                       alert_id));
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?since=2025-03-10T11:00:00Z").body(),
            "{\"alerts\":[]}\n");
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?state=all&order=nope").body(),
            "{\"alerts\":[]}\n");
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?state=bogus").result(),
            http::status::bad_request);
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?since=yesterday").result(),
            http::status::bad_request);
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?colour=red").result(),
            http::status::bad_request);

  const std::string ack_path = "/v1/alerts/" + alert_id + "/ack";
  // The credential an ack came with is the daemon's to record, never the client's.
  auto forged = client.Send(http::verb::post, ack_path,
                            R"({"by": "op-7", "credential": "cred-someoneelse"})");
  EXPECT_EQ(forged.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(forged.body(), "\\\"credential\\\"")) << forged.body();
  EXPECT_EQ(client.Send(http::verb::post, "/v1/alerts/nope/ack", R"({"by": "op-7"})").result(),
            http::status::not_found);

  auto acked =
      client.Send(http::verb::post, ack_path, R"({"by": "operator-7", "note": "called police"})");
  ASSERT_EQ(acked.result(), http::status::ok) << acked.body();
  EXPECT_TRUE(Contains(acked.body(), R"("by":"operator-7")")) << acked.body();
  EXPECT_TRUE(Contains(acked.body(), R"("credential":"cred-)")) << acked.body();
  EXPECT_TRUE(Contains(client.Send(http::verb::get, "/v1/alerts?order=KG-1").body(),
                       R"("note":"called police")"));
  // Without "by", the acknowledgement is by the credential's name.
  auto unnamed = client.Send(http::verb::post, ack_path, R"({"note": "second look"})");
  ASSERT_EQ(unnamed.result(), http::status::ok) << unnamed.body();
  EXPECT_TRUE(Contains(unnamed.body(), R"("by":"everything")")) << unnamed.body();
}

// The ids of the alerts in an AlertList's JSON, in order.
std::vector<std::string> AlertIdsIn(const std::string& json) {
  std::vector<std::string> ids;
  const std::string key = R"("alert_id":")";
  for (size_t at = json.find(key); at != std::string::npos; at = json.find(key, at + 1)) {
    const size_t start = at + key.size();
    const std::string id = json.substr(start, json.find('"', start) - start);
    // An AlertView's own id comes first; its acks and events repeat it.
    if (ids.empty() || ids.back() != id) ids.push_back(id);
  }
  return ids;
}

// The next_cursor of an AlertList's JSON; empty when it has none.
std::string NextCursorIn(const std::string& json) {
  const std::string key = R"("next_cursor":")";
  const size_t at = json.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return json.substr(start, json.find('"', start) - start);
}

TEST_F(HttpApiTest, AnOperatorResolvesAnAlertOnceWithAKnownDisposition) {
  Client client(port());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(),
            http::status::created);
  ASSERT_EQ(client.Send(http::verb::post, "/v1/fixes", ApproachFixes()).result(), http::status::ok);
  const auto views = core_.ListAlerts({});
  ASSERT_EQ(views.size(), 1u);
  const std::string id = views[0].alert_id();
  const std::string path = "/v1/alerts/" + id + "/resolve";
  const std::string valid =
      "false_alarm, patrol_dispatched, victim_contacted, police_notified, device_fault, other";

  for (const std::string body :
       {R"({"disposition": "bogus"})", R"({})", R"({"disposition": 99})", R"({"disposition": 0})",
        R"({"disposition": "disposition_unspecified"})", R"({"note": "no disposition"})"}) {
    auto refused = client.Send(http::verb::post, path, body);
    EXPECT_EQ(refused.result(), http::status::bad_request) << body;
    EXPECT_TRUE(Contains(refused.body(), valid)) << body << " -> " << refused.body();
  }
  for (const std::string& body : {std::string("[]"), std::string(""), std::string("\"other\""),
                                 std::string(R"({"disposition": "other", "colour": 1})"),
                                 std::string(R"({"disposition": "other", "note": {"a": {}}})"),
                                 std::string(R"({"disposition": "other", "credential": "c"})"),
                                 std::string(R"({"disposition": "other", "alert_id": "x"})")}) {
    EXPECT_EQ(client.Send(http::verb::post, path, body).result(), http::status::bad_request)
        << body;
  }
  EXPECT_EQ(client
                .Send(http::verb::post, "/v1/alerts/0000000000000000/resolve",
                      R"({"disposition": "other"})")
                .result(),
            http::status::not_found);
  EXPECT_EQ(
      client.Send(http::verb::post, "/v1/alerts/bad%20id/resolve", R"({"disposition": "other"})")
          .result(),
      http::status::bad_request);
  auto get_resolve = client.Send(http::verb::get, path);
  EXPECT_EQ(get_resolve.result(), http::status::method_not_allowed);
  EXPECT_EQ(get_resolve[http::field::allow], "POST");
  // Nothing refused reached the engine: the alert is still open and unresolved.
  EXPECT_TRUE(core_.ListAlerts({})[0].open());

  auto resolved = client.Send(http::verb::post, path,
                              R"({"disposition": "victim_contacted", "note": "she is safe"})");
  ASSERT_EQ(resolved.result(), http::status::ok) << resolved.body();
  EXPECT_TRUE(Contains(resolved.body(), R"("disposition":"victim_contacted")")) << resolved.body();
  EXPECT_TRUE(Contains(resolved.body(), R"("by":"everything")")) << resolved.body();
  EXPECT_TRUE(Contains(resolved.body(), R"("credential":"cred-)")) << resolved.body();
  EXPECT_TRUE(Contains(resolved.body(), R"("open":false)")) << resolved.body();

  auto again = client.Send(http::verb::post, path, R"({"disposition": "other"})");
  EXPECT_EQ(again.result(), http::status::conflict) << again.body();
  EXPECT_TRUE(Contains(again.body(), R"("code":"failed_precondition")")) << again.body();
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?state=open").body(), "{\"alerts\":[]}\n");
  EXPECT_EQ(AlertIdsIn(client.Send(http::verb::get, "/v1/alerts?state=closed").body()),
            std::vector<std::string>{id});

  auto detail = client.Send(http::verb::get, "/v1/alerts/" + id);
  ASSERT_EQ(detail.result(), http::status::ok) << detail.body();
  // The timeline comes after the alert (whose last_event is "closed" too).
  const std::string text = detail.body().substr(detail.body().find(R"("timeline":[)"));
  const size_t opened = text.find(R"("transition":"opened")");
  const size_t resolved_at = text.find(R"("transition":"resolved")");
  const size_t closed = text.find(R"("transition":"closed")");
  ASSERT_NE(opened, std::string::npos) << text;
  ASSERT_NE(resolved_at, std::string::npos) << text;
  ASSERT_NE(closed, std::string::npos) << text;
  EXPECT_LT(opened, resolved_at);
  EXPECT_LT(resolved_at, closed);
  EXPECT_TRUE(Contains(text, R"("missing_events":0)")) << text;
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts/0000000000000000").result(),
            http::status::not_found);
  EXPECT_EQ(client.Send(http::verb::delete_, "/v1/alerts/" + id).result(),
            http::status::method_not_allowed);
}

TEST_F(HttpApiTest, AlertsArePagedAndFiltered) {
  Client client(port());
  // Five orders on the same two devices: one approach opens an alert in each.
  for (int i = 1; i <= 5; ++i) {
    ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1, "KG-" + std::to_string(i)))
                  .result(),
              http::status::created);
  }
  ASSERT_EQ(client.Send(http::verb::post, "/v1/fixes", ApproachFixes()).result(), http::status::ok);
  const std::vector<std::string> all =
      AlertIdsIn(client.Send(http::verb::get, "/v1/alerts").body());
  ASSERT_EQ(all.size(), 5u);

  // Pages of two: 2, 2, 1, each naming the next while more remain.
  std::vector<std::string> walked;
  std::string cursor;
  int pages = 0;
  do {
    auto page = client.Send(http::verb::get,
                            "/v1/alerts?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.result(), http::status::ok) << page.body();
    const auto ids = AlertIdsIn(page.body());
    EXPECT_EQ(ids.size(), ++pages < 3 ? 2u : 1u) << page.body();
    walked.insert(walked.end(), ids.begin(), ids.end());
    cursor = NextCursorIn(page.body());
    EXPECT_EQ(cursor.empty(), pages == 3) << page.body();
  } while (!cursor.empty() && pages < 10);
  EXPECT_EQ(walked, all);
  // A page that holds exactly what is left says there is no more.
  EXPECT_FALSE(Contains(client.Send(http::verb::get, "/v1/alerts?limit=5").body(), "next_cursor"));
  EXPECT_EQ(client.Send(http::verb::get, "/v1/alerts?cursor=" + AlertCursorAfter(99999)).body(),
            "{\"alerts\":[]}\n");

  const auto count = [&](const std::string& query) {
    auto reply = client.Send(http::verb::get, "/v1/alerts?state=all&" + query);
    EXPECT_EQ(reply.result(), http::status::ok) << query << " -> " << reply.body();
    return AlertIdsIn(reply.body()).size();
  };
  EXPECT_EQ(count("kind=proximity_violation"), 5u);
  EXPECT_EQ(count("kind=sos"), 0u);
  EXPECT_EQ(count("device=tag-1"), 5u);
  EXPECT_EQ(count("device=phone-2"), 5u);
  EXPECT_EQ(count("device=tag-9"), 0u);
  EXPECT_EQ(count("certainty=confirmed"), 5u);
  EXPECT_EQ(count("certainty=possible"), 0u);
  EXPECT_EQ(count("until=2025-03-10T09:00:00Z"), 0u);
  EXPECT_EQ(count("until=2025-03-10T11:00:00Z&since=2025-03-10T09:00:00Z"), 5u);
  EXPECT_EQ(count("order=KG-3&kind=proximity_violation&device=tag-1"), 1u);

  for (const auto& [query, names] :
       std::vector<std::pair<std::string, std::string>>{{"limit=0", "limit"},
                                                        {"limit=1001", "limit"},
                                                        {"limit=ten", "limit"},
                                                        {"cursor=abc", "cursor"},
                                                        {"cursor=", "cursor"},
                                                        {"kind=fire", "kind"},
                                                        {"certainty=maybe", "certainty"},
                                                        {"until=tomorrow", "until"},
                                                        {"device=tag%201", "device"},
                                                        {"page=2", "unknown parameter"}}) {
    auto refused = client.Send(http::verb::get, "/v1/alerts?" + query);
    EXPECT_EQ(refused.result(), http::status::bad_request) << query;
    EXPECT_TRUE(Contains(refused.body(), names)) << query << " -> " << refused.body();
  }
}

TEST_F(HttpApiTest, RefusesMalformedOversizedAndDeeplyNestedInput) {
  Client client(port());
  auto not_array = client.Send(http::verb::post, "/v1/fixes", R"({"device": "tag-1"})");
  EXPECT_EQ(not_array.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(not_array.body(), "expected a JSON array")) << not_array.body();

  auto unterminated = client.Send(http::verb::post, "/v1/fixes", R"([{"device": "tag-1")");
  EXPECT_EQ(unterminated.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(unterminated.body(), "malformed JSON array")) << unterminated.body();

  const std::string deep = std::string(200, '[') + std::string(200, ']');
  auto nested = client.Send(http::verb::post, "/v1/fixes", deep);
  EXPECT_EQ(nested.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(nested.body(), "nested deeper")) << nested.body();
  auto nested_order = client.Send(http::verb::post, "/v1/orders",
                                  R"({"id": "A", "zones": )" + deep + "}");
  EXPECT_EQ(nested_order.result(), http::status::bad_request);
  EXPECT_TRUE(Contains(nested_order.body(), "nested deeper")) << nested_order.body();

  EXPECT_EQ(client.Send(http::verb::get, "/v1/nothing").result(), http::status::not_found);
  auto wrong_method = client.Send(http::verb::delete_, "/v1/zones");
  EXPECT_EQ(wrong_method.result(), http::status::method_not_allowed);
  EXPECT_EQ(wrong_method[http::field::allow], "GET, POST");

  // A declared body over 1 MiB is refused from its header alone.
  {
    Client big(port());
    big.WriteRaw("POST /v1/fixes HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 "Content-Length: 2000000\r\n\r\n[");
    auto response = big.Read();
    EXPECT_EQ(response.result(), http::status::payload_too_large);
    EXPECT_TRUE(Contains(response.body(), "larger than the limit of 1048576 bytes"))
        << response.body();
    EXPECT_TRUE(big.ClosedByServerWithin(2s));
  }
  // So is a chunked body that grows past it.
  {
    Client big(port());
    big.WriteRaw("POST /v1/fixes HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    const std::string chunk(64 * 1024, ' ');
    char size[16];
    std::snprintf(size, sizeof size, "%zx\r\n", chunk.size());
    for (int i = 0; i < 17 && !big.error(); ++i) big.WriteRaw(size + chunk + "\r\n");
    auto response = big.Read();
    EXPECT_EQ(response.result(), http::status::payload_too_large);
  }
  // Not HTTP at all.
  {
    Client garbage(port());
    garbage.WriteRaw("HELLO THERE\r\n\r\n");
    auto response = garbage.Read();
    EXPECT_EQ(response.result(), http::status::bad_request);
    EXPECT_TRUE(Contains(response.body(), "malformed HTTP request")) << response.body();
    EXPECT_TRUE(garbage.ClosedByServerWithin(2s));
  }

  const std::string metrics = client.Send(http::verb::get, "/metrics").body();
  EXPECT_TRUE(Contains(metrics, "source=\"http\"")) << metrics;
  EXPECT_TRUE(Contains(metrics, "payload_too_large")) << metrics;
  EXPECT_TRUE(Contains(metrics, "bad_request")) << metrics;
}

TEST_F(HttpApiTest, HealthAndMetrics) {
  Client client(port());
  auto health = client.Send(http::verb::get, "/healthz");
  EXPECT_EQ(health.result(), http::status::ok);
  EXPECT_EQ(health.body(), "ok\n");
  client.Send(http::verb::post, "/v1/fixes", ApproachFixes());
  auto metrics = client.Send(http::verb::get, "/metrics");
  EXPECT_EQ(metrics.result(), http::status::ok);
  EXPECT_EQ(metrics[http::field::content_type], "text/plain; version=0.0.4");
  EXPECT_TRUE(Contains(metrics.body(), "# TYPE")) << metrics.body();
  EXPECT_TRUE(Contains(metrics.body(), "http")) << metrics.body();
  EXPECT_EQ(client.Send(http::verb::post, "/healthz").result(), http::status::method_not_allowed);
}

// --- server-sent events --------------------------------------------------------------------------

TEST_F(HttpApiTest, EventStreamDeliversBacklogThenLiveAndResumesWithoutGaps) {
  Client client(port());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(),
            http::status::created);
  ASSERT_EQ(client.Send(http::verb::post, "/v1/fixes", ApproachFixes()).result(), http::status::ok);
  const auto views = core_.ListAlerts({});
  ASSERT_FALSE(views.empty());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/alerts/" + views[0].alert_id() + "/ack",
                        R"({"by": "op-1"})")
                .result(),
            http::status::ok);
  const uint64_t last = core_.NextEventSeq() - 1;
  ASSERT_GE(last, 2u) << "the approach and the ack each log an event";

  std::vector<uint64_t> seen;
  {
    SseClient sse(port(), "/v1/events/stream?from=1", std::nullopt);
    ASSERT_TRUE(sse.header_ok());
    EXPECT_EQ(sse.header()[http::field::content_type], "text/event-stream");
    const auto events = sse.ReadEvents(1);
    ASSERT_GE(events.size(), 1u);
    EXPECT_EQ(events[0].id, 1u);
    EXPECT_FALSE(events[0].kind.empty());
    EXPECT_TRUE(events[0].data.starts_with(R"({"seq":"1","event":{)")) << events[0].data;
    seen.push_back(events[0].id);
  }  // the client goes away after its first event

  // Reconnect as an EventSource would: Last-Event-ID wins over ?from.
  SseClient resumed(port(), "/v1/events/stream?from=1", seen.back());
  ASSERT_TRUE(resumed.header_ok());
  auto events = resumed.ReadEvents(last - 1);
  for (const auto& e : events) seen.push_back(e.id);
  ASSERT_EQ(seen.size(), last);
  for (uint64_t i = 0; i < last; ++i) EXPECT_EQ(seen[i], i + 1) << "no gap, no duplicate";

  // Live: a new event (closing the alert by moving away) arrives on the open stream.
  auto away = client.Send(http::verb::post, "/v1/fixes",
                          "[" + FixJson("tag-1", 3, kStart + 20'000, 74.70) + "," +
                              FixJson("tag-1", 4, kStart + 30'000, 74.70) + "]");
  ASSERT_EQ(away.result(), http::status::ok) << away.body();
  const uint64_t now_last = core_.NextEventSeq() - 1;
  ASSERT_GT(now_last, last);
  events = resumed.ReadEvents(now_last - 1);  // this client started after event 1
  ASSERT_EQ(events.size(), now_last - 1);
  for (std::size_t i = 0; i < events.size(); ++i) EXPECT_EQ(events[i].id, i + 2);

  // The subscriber's lag shows in metrics while it is connected.
  EXPECT_TRUE(Contains(core_.MetricsText(), "sse-")) << core_.MetricsText();

  EXPECT_EQ(client.Send(http::verb::get, "/v1/events/stream?from=abc").result(),
            http::status::bad_request);

  // ?from=now: only what happens after the stream opened (the tag comes back).
  SseClient fresh(port(), "/v1/events/stream?from=now", std::nullopt);
  ASSERT_TRUE(fresh.header_ok());
  const uint64_t first_new = core_.NextEventSeq();
  auto back = client.Send(http::verb::post, "/v1/fixes",
                          "[" + FixJson("tag-1", 5, kStart + 40'000, 74.5905) + "," +
                              FixJson("tag-1", 6, kStart + 50'000, 74.5905) + "]");
  ASSERT_EQ(back.result(), http::status::ok) << back.body();
  ASSERT_GT(core_.NextEventSeq(), first_new) << "coming back produced events";
  const auto fresh_events = fresh.ReadEvents(1);
  ASSERT_EQ(fresh_events.size(), 1u);
  EXPECT_EQ(fresh_events[0].id, first_new) << "nothing from before the stream opened";
}

TEST_F(HttpApiTest, StoppingTheServerEndsEventStreams) {
  SseClient sse(port(), "/v1/events/stream", std::nullopt);
  ASSERT_TRUE(sse.header_ok());
  const auto before = std::chrono::steady_clock::now();
  server_->Stop();
  sse.ReadEvents(1, 3s);  // returns when the connection closes
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
}

class HttpApiKeepAliveTest : public HttpApiTest {
 protected:
  HttpApiKeepAliveTest() : HttpApiTest({}, MakeApiOptions()) {}
  static HttpApiOptions MakeApiOptions() {
    HttpApiOptions options;
    options.sse_keepalive = 50ms;
    return options;
  }
};

TEST_F(HttpApiKeepAliveTest, IdleStreamsGetKeepAliveComments) {
  SseClient sse(port(), "/v1/events/stream", std::nullopt);
  ASSERT_TRUE(sse.header_ok());
  sse.ReadEvents(1, 300ms);
  EXPECT_GE(sse.comments(), 2u);
}

// POST /v1/fixes decodes each element into a fix the core has finished with
// (FixSink::TakeUsedFixes): nothing one fix held may show in another.
class HttpApiJournalTest : public HttpApiTest {
 protected:
  HttpApiJournalTest() : HttpApiTest({}, {}, true, EmptiedJournalDir()) {}
  static std::string JournalDir() {
    return (std::filesystem::path(::testing::TempDir()) /
            ("http-journal-" + std::to_string(::getpid())))
        .string();
  }
  static std::string EmptiedJournalDir() {
    std::filesystem::remove_all(JournalDir());
    return JournalDir();
  }
};

TEST_F(HttpApiJournalTest, EveryFixIsJournaledExactlyAsSentWhateverTheFixesBeforeItHeld) {
  Client client(port());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(),
            http::status::created);
  std::mt19937_64 rng(20261207);
  auto coin = [&] { return rng() % 2 == 0; };
  std::vector<v1::Fix> expected;
  uint64_t seqs[2] = {0, 0};
  for (int request = 0; request < 40; ++request) {
    std::string body = "[";
    // Sizes from 1 to 40, a refused element now and then: the used fixes handed back are
    // sometimes fewer, sometimes more, and a refusal leaves its slot to the next element.
    for (uint64_t i = 0, n = 1 + rng() % 40; i < n; ++i) {
      if (i > 0) body += ",";
      if (rng() % 10 == 0) {
        body += R"({"device": "tag-1", "time": "not a time"})";
        continue;
      }
      const int who = coin() ? 0 : 1;
      const TimeMs t = kStart - 3'600'000 + static_cast<TimeMs>(expected.size()) * 1000;
      std::string line =
          R"({"device": ")" + std::string(who == 0 ? "tag-1" : "phone-2") + R"(", "seq": )" +
          std::to_string(++seqs[who]) + R"(, "time": ")" + FormatRfc3339(t) + R"(", "lat": )" +
          std::to_string(42.87 + static_cast<double>(rng() % 1000) * 1e-5) + R"(, "lon": 74.59)";
      if (coin()) line += R"(, "accuracy_m": )" + std::to_string(rng() % 500 / 10.0);
      if (coin()) line += R"(, "speed_mps": )" + std::to_string(rng() % 30);
      if (coin()) line += R"(, "heading_deg": )" + std::to_string(rng() % 360);
      if (coin()) line += R"(, "battery_pct": )" + std::to_string(rng() % 101);
      if (coin()) line += R"(, "source": "wifi")";
      if (rng() % 8 == 0) line += R"(, "flags": ["jamming_suspected"])";
      if (coin()) line += R"(, "received": ")" + FormatRfc3339(t + 500) + "\"";
      line += "}";
      body += line;
      StatusOr<v1::Input> parsed = ParseReplayLine(line);
      ASSERT_TRUE(parsed.ok()) << line;
      v1::Fix fix = parsed->fix();
      MsToTimestamp(kStart, fix.mutable_received());  // the core's clock
      expected.push_back(std::move(fix));
    }
    auto answer = client.Send(http::verb::post, "/v1/fixes", body + "]");
    ASSERT_EQ(answer.result(), http::status::ok) << answer.body();
  }
  // Every answer came once its fixes were durable: the journal holds them all.
  std::vector<v1::Fix> journaled;
  const auto read = journal::ReadAll(
      JournalDir(), /*salvage=*/false,
      [&](const v1::Input& input) {
        if (input.has_fix()) journaled.push_back(input.fix());
      },
      journal::ReadMode::kReadOnly);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(journaled.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(journaled[i].ShortDebugString(), expected[i].ShortDebugString()) << "fix " << i;
  }
}

// --- Traccar ------------------------------------------------------------------------------------

TEST_F(HttpApiTest, TraccarForwardsAreSubmittedAsFixes) {
  Client client(port());
  ASSERT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(),
            http::status::created);
  const std::string forward = R"({"position": {"id": 0, "deviceId": 3, "protocol": "h02",
    "fixTime": "2025-03-10T10:00:00.000+00:00", "deviceTime": "2025-03-10T10:00:00.000+00:00",
    "outdated": false, "valid": true, "latitude": 42.87, "longitude": 74.59, "speed": 0,
    "course": 0, "accuracy": 8, "attributes": {"batteryLevel": 80}},
    "device": {"id": 3, "name": "Tag 1", "uniqueId": "tag-1"}})";
  auto ok = client.Send(http::verb::post, "/v1/traccar", forward);
  EXPECT_EQ(ok.result(), http::status::ok) << ok.body();
  EXPECT_TRUE(Contains(ok.body(), R"("device":"tag-1")")) << ok.body();
  EXPECT_TRUE(Contains(ok.body(), R"("accepted":true)")) << ok.body();

  auto bad = client.Send(http::verb::post, "/v1/traccar", R"({"position": {}})");
  EXPECT_EQ(bad.result(), http::status::bad_request) << bad.body();
}

// --- connection limits ----------------------------------------------------------------------

class HttpApiSlowClientTest : public HttpApiTest {
 protected:
  HttpApiSlowClientTest() : HttpApiTest(MakeServerOptions()) {}
  static HttpServerOptions MakeServerOptions() {
    HttpServerOptions options;
    options.read_timeout = 1s;  // generous: the partial request must arrive in time
    options.limits.max_connections = 3;
    return options;
  }
};

TEST_F(HttpApiSlowClientTest, ARequestTrickledTooSlowlyIsCutOff) {
  Client slow(port());
  slow.WriteRaw("GET /healthz HTTP/1.1\r\nHost: x\r\n");  // never finished
  EXPECT_TRUE(slow.ClosedByServerWithin(3s));
  // The refusal is counted on the connection's strand, possibly just after the close.
  for (int i = 0; i < 200 && !Contains(core_.MetricsText(), "timeout"); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(Contains(core_.MetricsText(), "timeout")) << core_.MetricsText();
}

TEST_F(HttpApiSlowClientTest, ConnectionsBeyondTheLimitAreRefusedWhenAllAreAuthenticated) {
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<Client>(port()));
    // A request with a credential authenticates the connection: it keeps its place.
    ASSERT_EQ(clients.back()->Send(http::verb::get, "/v1/alerts").result(), http::status::ok);
  }
  Client extra(port());
  auto response = extra.Send(http::verb::get, "/healthz");
  EXPECT_EQ(response.result(), http::status::service_unavailable);
  EXPECT_TRUE(Contains(response.body(), "too_many_connections")) << response.body();
  EXPECT_EQ(clients[0]->Send(http::verb::get, "/healthz").result(), http::status::ok);
}

TEST_F(HttpApiSlowClientTest, AnIdleUnauthenticatedConnectionMakesRoomForANewOne) {
  std::vector<std::unique_ptr<Client>> idle;
  for (int i = 0; i < 3; ++i) idle.push_back(std::make_unique<Client>(port()));
  for (int i = 0; i < 100 && server_->connection_count() < 3; ++i) {
    std::this_thread::sleep_for(5ms);
  }
  Client operator_client(port());
  EXPECT_EQ(operator_client.Send(http::verb::get, "/v1/alerts").result(), http::status::ok);
  EXPECT_TRUE(idle[0]->ClosedByServerWithin(3s)) << "the oldest idle connection made room";
  for (int i = 0; i < 200 && !Contains(core_.MetricsText(), "evicted_unauthenticated"); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(Contains(core_.MetricsText(), "evicted_unauthenticated")) << core_.MetricsText();
}

// --- backpressure -------------------------------------------------------------------------------

class HttpApiBackpressureTest : public HttpApiTest {
 protected:
  HttpApiBackpressureTest() : HttpApiTest({}, MakeApiOptions(), /*start_core=*/false) {}
  static HttpApiOptions MakeApiOptions() {
    HttpApiOptions options;
    options.submit_retry_interval = 5ms;
    options.submit_max_wait = 300ms;
    return options;
  }
};

TEST_F(HttpApiBackpressureTest, AFullQueueDelaysTheAnswerThenGives503) {
  Client client(port());
  EXPECT_EQ(client.Send(http::verb::get, "/healthz").result(), http::status::service_unavailable);
  // A core that is not running takes nothing: the request waits, then is told to retry.
  auto refused = client.Send(http::verb::post, "/v1/fixes", ApproachFixes());
  EXPECT_EQ(refused.result(), http::status::service_unavailable) << refused.body();
  EXPECT_EQ(refused[http::field::retry_after], "1");

  // While a request is waiting, the queue frees up: it goes through.
  auto pending = std::async(std::launch::async, [&] {
    return client.Send(http::verb::post, "/v1/fixes", ApproachFixes());
  });
  std::this_thread::sleep_for(100ms);
  core_.Start();
  auto accepted = pending.get();
  EXPECT_EQ(accepted.result(), http::status::ok) << accepted.body();
  EXPECT_TRUE(Contains(accepted.body(), R"("results":[)")) << accepted.body();
}

// The core, except that an evidence bundle and a statistics report take a while (a long
// journal to replay).
class SlowEvidenceCore final : public MonitoringService {
 public:
  explicit SlowEvidenceCore(daemon::Core& core) : core_(core) {}
  std::atomic<int> bundles_started{0};
  std::atomic<int> reports_started{0};

  bool SubmitFixes(std::vector<v1::Fix>&& f, std::string_view s, FixesDone d) override {
    return core_.SubmitFixes(std::move(f), s, std::move(d));
  }
  Status PutOrder(const v1::Order& o) override { return core_.PutOrder(o); }
  StatusOr<v1::Order> GetOrder(std::string_view id) override { return core_.GetOrder(id); }
  Status RevokeOrder(std::string_view id) override { return core_.RevokeOrder(id); }
  Status PutGlobalZone(const v1::Zone& z) override { return core_.PutGlobalZone(z); }
  std::vector<v1::Zone> ListGlobalZones() override { return core_.ListGlobalZones(); }
  std::vector<Status> PutOrders(std::vector<v1::Order> o) override { return core_.PutOrders(std::move(o)); }
  StatusOr<v1::OrderPage> ListOrders(const OrderPageQuery& q) override { return core_.ListOrders(q); }
  std::map<std::string, v1::Order::VictimNotification> OrdersProtecting(
      std::string_view person) override {
    return core_.OrdersProtecting(person);
  }
  std::optional<v1::Order::VictimNotification> ToldOf(std::string_view order_id,
                                                      std::string_view person) override {
    return core_.ToldOf(order_id, person);
  }
  StatusOr<v1::DevicePage> ListDevices(const DevicePageQuery& q) override { return core_.ListDevices(q); }
  StatusOr<v1::DeviceStatus> GetDevice(std::string_view d) override { return core_.GetDevice(d); }
  std::vector<v1::AlertView> ListAlerts(const AlertQuery& q) override { return core_.ListAlerts(q); }
  Status AckAlert(v1::AlertAck a) override { return core_.AckAlert(std::move(a)); }
  Status ResolveAlert(v1::AlertResolve r) override { return core_.ResolveAlert(std::move(r)); }
  StatusOr<v1::AlertDetail> GetAlert(std::string_view id) override { return core_.GetAlert(id); }
  std::optional<v1::AlertView> FindAlert(std::string_view id) override {
    return core_.FindAlert(id);
  }
  StatusOr<v1::AlertReceipt> RecordReceipt(v1::AlertReceipt r) override {
    return core_.RecordReceipt(std::move(r));
  }
  uint64_t ReadEvents(uint64_t from, size_t max, std::vector<v1::EventRecord>* out) override {
    return core_.ReadEvents(from, max, out);
  }
  uint64_t NextEventSeq() override { return core_.NextEventSeq(); }
  uint64_t AddEventListener(std::function<void()> f) override { return core_.AddEventListener(std::move(f)); }
  void RemoveEventListener(uint64_t h) override { core_.RemoveEventListener(h); }
  void CountRejected(std::string_view s, std::string_view r) override { core_.CountRejected(s, r); }
  void ReportSubscriberLag(std::string_view s, uint64_t l) override { core_.ReportSubscriberLag(s, l); }
  void ForgetSubscriber(std::string_view s) override { core_.ForgetSubscriber(s); }
  std::string MetricsText() override { return core_.MetricsText(); }
  std::vector<v1::PublicKey> PublicKeys() override { return core_.PublicKeys(); }
  StatusOr<std::vector<v1::PublicKey>> RotateSigningKey() override {
    return core_.RotateSigningKey();
  }
  StatusOr<std::map<std::string, std::string>> EvidenceBundle(std::string_view) override {
    ++bundles_started;
    std::this_thread::sleep_for(800ms);
    return std::map<std::string, std::string>{{"manifest.json", "{}"}};
  }
  StatusOr<std::string> StatisticsReport(const StatisticsQuery&) override {
    ++reports_started;
    std::this_thread::sleep_for(800ms);
    return std::string("{}\n");
  }
  bool Healthy() override { return core_.Healthy(); }
  std::shared_ptr<const access::Principal> Authenticate(std::string_view t) override {
    return core_.Authenticate(t);
  }
  void ReportAccessRefused(std::string_view s, std::string_view c, std::string_view d) override {
    core_.ReportAccessRefused(s, c, d);
  }
  void Audit(std::string_view a, const access::Principal& w, std::string_view s) override {
    core_.Audit(a, w, s);
  }
  StatusOr<v1::IssuedCredential> IssueCredential(const v1::Credential& r) override {
    return core_.IssueCredential(r);
  }
  std::vector<v1::Credential> ListCredentials() override { return core_.ListCredentials(); }
  StatusOr<v1::Credential> RevokeCredential(std::string_view id) override {
    return core_.RevokeCredential(id);
  }
  Status PutDeviceKey(std::string_view d, std::string k) override { return core_.PutDeviceKey(d, std::move(k)); }
  Status RemoveDeviceKey(std::string_view d) override { return core_.RemoveDeviceKey(d); }
  std::vector<std::string> KeyedDevices() override { return core_.KeyedDevices(); }

 private:
  daemon::Core& core_;
};

TEST(HttpApiSlowLane, ASlowEvidenceBundleHoldsUpNoOtherRequestAndASecondOneIsToldToWait) {
  ManualClock clock;
  daemon::Core core(CoreOptionsFor(clock));
  core.Start();
  SlowEvidenceCore service(core);
  asio::io_context io;
  {
    HttpApi api(service);
    HttpServer server(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), api.handler());
    server.Start();
    std::thread io_thread([&] { io.run(); });  // one io thread: a blocked one would show
    auto slow = std::async(std::launch::async, [&] {
      Client client(server.port());
      return client.Send(http::verb::get, "/v1/alerts/abc/evidence");
    });
    for (int i = 0; i < 500 && service.bundles_started == 0; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(service.bundles_started.load(), 1);
    const auto started = std::chrono::steady_clock::now();
    Client client(server.port());
    EXPECT_EQ(client.Send(http::verb::get, "/healthz").result(), http::status::ok);
    EXPECT_EQ(client.Send(http::verb::post, "/v1/orders", OrderJson(1)).result(), http::status::created);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "the io thread was blocked";
    auto busy = client.Send(http::verb::get, "/v1/alerts/abc/evidence");
    EXPECT_EQ(busy.result(), http::status::service_unavailable) << busy.body();
    EXPECT_EQ(busy[http::field::retry_after], "5");
    EXPECT_EQ(slow.get().result(), http::status::ok);
    EXPECT_EQ(service.bundles_started.load(), 1);
    server.Stop();
    io.stop();
    io_thread.join();
  }
  core.Stop();
}

TEST(HttpApiSlowLane, ASlowStatisticsReportHoldsUpNoOtherRequestAndASecondOneIsToldToWait) {
  ManualClock clock;
  daemon::Core core(CoreOptionsFor(clock));
  core.Start();
  SlowEvidenceCore service(core);
  asio::io_context io;
  {
    HttpApi api(service);
    HttpServer server(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0), api.handler());
    server.Start();
    std::thread io_thread([&] { io.run(); });
    const std::string target =
        "/v1/reports/summary?from=2026-03-01T00:00:00Z&to=2026-03-31T23:59:59Z";
    auto slow = std::async(std::launch::async, [&] {
      Client client(server.port());
      return client.Send(http::verb::get, target);
    });
    for (int i = 0; i < 500 && service.reports_started == 0; ++i) std::this_thread::sleep_for(1ms);
    ASSERT_EQ(service.reports_started.load(), 1);
    const auto started = std::chrono::steady_clock::now();
    Client client(server.port());
    EXPECT_EQ(client.Send(http::verb::get, "/healthz").result(), http::status::ok);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 500ms) << "the io thread was blocked";
    auto busy = client.Send(http::verb::get, target);
    EXPECT_EQ(busy.result(), http::status::service_unavailable) << busy.body();
    EXPECT_EQ(busy[http::field::retry_after], "5");
    // A bad period is refused at once, busy or not, and never reaches the core.
    auto reversed = client.Send(
        http::verb::get, "/v1/reports/summary?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z");
    EXPECT_EQ(reversed.result(), http::status::bad_request) << reversed.body();
    const auto done = slow.get();
    EXPECT_EQ(done.result(), http::status::ok);
    EXPECT_EQ(done.body(), "{}\n");
    EXPECT_EQ(service.reports_started.load(), 1);
    server.Stop();
    io.stop();
    io_thread.join();
  }
  core.Stop();
}

}  // namespace
}  // namespace stayaway::ingest
