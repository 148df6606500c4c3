// End-to-end tests of where an event stream starts, against the real stayawayd: a
// Last-Event-ID, a ?from= or a TCP Subscribe.from_seq past the newest event (up to
// 2^64-1) means "nothing new yet" (the stream starts with the next event appended, it never
// wraps around to event 1), and a value that is not a decimal number from 0 to 2^64-1 is
// refused with 400.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "proto/stayaway.pb.h"
#include "tests/client_watchdog.h"
#include "tests/daemon_harness.h"
#include "tests/wire_fixtures.h"
#include "tools/daemon_client.h"

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

constexpr uint64_t kMaxSeq = std::numeric_limits<uint64_t>::max();

// An event stream read as raw bytes from its own connection.
class RawStream {
 public:
  RawStream(uint16_t port, const std::string& target, const std::string& extra_headers = "") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{};
    tv.tv_usec = 100'000;  // reads wake up every 100 ms
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
                                "Authorization: Bearer " + std::string(kHarnessToken) + "\r\n" +
                                extra_headers + "\r\n";
    ::send(fd_, request.data(), request.size(), MSG_NOSIGNAL);
  }
  ~RawStream() { ::close(fd_); }
  RawStream(const RawStream&) = delete;
  RawStream& operator=(const RawStream&) = delete;

  // Reads for `period`, or until `until` has been seen (when not empty); returns all read so far.
  const std::string& ReadFor(std::chrono::milliseconds period, const std::string& until = "") {
    const auto deadline = std::chrono::steady_clock::now() + period;
    char buffer[65536];
    while (std::chrono::steady_clock::now() < deadline) {
      if (!until.empty() && text_.find(until) != std::string::npos) break;
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n > 0) text_.append(buffer, static_cast<size_t>(n));
      if (n == 0) break;  // closed
    }
    return text_;
  }
  int Status() const {
    return text_.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(text_.substr(9, 3)) : 0;
  }

 private:
  int fd_ = -1;
  std::string text_;
};

// The sequence numbers of the "id: N" lines in an event stream's bytes.
std::vector<uint64_t> Ids(const std::string& text) {
  std::vector<uint64_t> ids;
  for (size_t at = text.find("\nid: "); at != std::string::npos; at = text.find("\nid: ", at + 1)) {
    ids.push_back(std::stoull(text.substr(at + 5, text.find('\n', at + 5) - at - 5)));
  }
  return ids;
}

// Device `phone` presses the panic button: one new alert, so new events.
void PressSos(uint16_t port, const std::string& phone, int seq) {
  const std::string body = R"([{"device": ")" + phone + R"(", "seq": )" + std::to_string(seq) +
                           R"(, "time": ")" + FormatRfc3339(NowMs() - 1'000) +
                           R"(", "lat": 42.87, "lon": 74.59, "accuracy_m": 5, "flags": ["sos"]}])";
  const HttpReply reply = Http(port, "POST", "/v1/fixes", body);
  ASSERT_EQ(reply.status, 200) << reply.body;
  ASSERT_NE(reply.body.find(R"("accepted":1,)"), std::string::npos) << reply.body;
}

std::string PairOrderJson(const std::string& id, const std::string& tag, const std::string& phone) {
  return R"({"id": ")" + id + R"(", "version": 1, "supervised": {"id": "s-)" + id +
         R"(", "devices": [")" + tag + R"("]}, "protected": [{"id": "v-)" + id +
         R"(", "devices": [")" + phone +
         R"("]}], "violation_distance_m": 300, "valid_from": "2020-01-01T00:00:00Z"})";
}

class EventResumeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 1; i <= kOrders; ++i) {
      const std::string n = std::to_string(i);
      ASSERT_EQ(Http(daemon_.http(), "POST", "/v1/orders",
                     PairOrderJson("KG-" + n, "tag-" + n, "phone-" + n))
                    .status,
                201);
    }
    PressSos(daemon_.http(), "phone-1", 1);
    RawStream all(daemon_.http(), "/v1/events/stream?from=1");
    newest_ = 0;
    for (uint64_t id : Ids(all.ReadFor(std::chrono::milliseconds(800))))
      newest_ = std::max(newest_, id);
    ASSERT_GE(newest_, 1u) << "the panic button made events";
  }

  // A stream that must start with the next event: nothing of the backlog, then the events
  // of a new panic button press from newest_ + 1 on.
  void ExpectNothingNewYetThenTheNextEvent(RawStream& stream, int order) {
    const std::string& before = stream.ReadFor(std::chrono::milliseconds(600));
    EXPECT_EQ(stream.Status(), 200) << before;
    EXPECT_TRUE(Ids(before).empty()) << "replayed the backlog: " << before;
    PressSos(daemon_.http(), "phone-" + std::to_string(order), 1);
    const std::string& after = stream.ReadFor(std::chrono::seconds(5), "\nid: ");
    const std::vector<uint64_t> ids = Ids(after);
    ASSERT_FALSE(ids.empty()) << "the new event never came: " << after;
    EXPECT_EQ(ids.front(), newest_ + 1) << after;
    newest_ = ids.back();
  }

  static constexpr int kOrders = 6;
  Daemon daemon_;
  uint64_t newest_ = 0;
};

TEST_F(EventResumeTest, ALastEventIdPastTheNewestMeansNothingNewYet) {
  RawStream stream(daemon_.http(), "/v1/events/stream",
                   "Last-Event-ID: " + std::to_string(kMaxSeq) + "\r\n");
  ExpectNothingNewYetThenTheNextEvent(stream, 2);
  RawStream beyond(daemon_.http(), "/v1/events/stream",
                   "Last-Event-ID: " + std::to_string(newest_ + 1000) + "\r\n");
  ExpectNothingNewYetThenTheNextEvent(beyond, 3);
  // An ordinary resume still starts right after the id it names.
  RawStream resume(daemon_.http(), "/v1/events/stream", "Last-Event-ID: 1\r\n");
  const std::vector<uint64_t> ids = Ids(resume.ReadFor(std::chrono::seconds(5), "\nid: 2\n"));
  ASSERT_FALSE(ids.empty());
  EXPECT_EQ(ids.front(), 2u);
}

TEST_F(EventResumeTest, AFromPastTheNewestMeansNothingNewYet) {
  RawStream stream(daemon_.http(), "/v1/events/stream?from=" + std::to_string(kMaxSeq));
  ExpectNothingNewYetThenTheNextEvent(stream, 4);
  RawStream beyond(daemon_.http(), "/v1/events/stream?from=" + std::to_string(newest_ + 5));
  ExpectNothingNewYetThenTheNextEvent(beyond, 5);
}

TEST_F(EventResumeTest, MalformedPositionsAreRefusedWith400) {
  for (const std::string& target :
       {std::string("/v1/events/stream?from=18446744073709551616"),
        std::string("/v1/events/stream?from=-1"), std::string("/v1/events/stream?from=1e3"),
        std::string("/v1/events/stream?from=")}) {
    const HttpReply reply = Http(daemon_.http(), "GET", target);
    EXPECT_EQ(reply.status, 400) << target << ": " << reply.body;
    EXPECT_NE(reply.body.find("is neither a sequence number"), std::string::npos) << reply.body;
  }
  for (const std::string& value : {std::string("18446744073709551616"), std::string("-1"),
                                   std::string("abc"), std::string("0x10")}) {
    RawStream stream(daemon_.http(), "/v1/events/stream", "Last-Event-ID: " + value + "\r\n");
    const std::string& text = stream.ReadFor(std::chrono::seconds(5), "\r\n\r\n");
    EXPECT_EQ(stream.Status(), 400) << value << ": " << text;
  }
}

TEST_F(EventResumeTest, ATcpSubscriptionPastTheNewestMeansNothingNewYet) {
  for (const uint64_t from : {kMaxSeq, newest_ + 1000}) {
    tools::DaemonClient client;
    ClientWatchdog watchdog(client);
    ASSERT_TRUE(ConnectAndAuthenticate(client, daemon_.ingest()).ok());
    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_from_seq(from);
    subscribe.mutable_subscribe()->set_name("console-" + std::to_string(from % 1000));
    ASSERT_TRUE(client.Send(subscribe).ok());
    // Wait until the subscription is in place (it shows in the metrics), then make news.
    const std::string label = "subscriber=\"console-" + std::to_string(from % 1000) + "\"";
    for (int i = 0; i < 100; ++i) {
      if (Http(daemon_.http(), "GET", "/metrics").body.find(label) != std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    PressSos(daemon_.http(), from == kMaxSeq ? "phone-5" : "phone-6", 1);
    v1::ServerFrame frame;
    ASSERT_TRUE(client.Receive(&frame).ok());
    ASSERT_TRUE(frame.has_event()) << frame.DebugString();
    EXPECT_EQ(frame.event().seq(), newest_ + 1) << "from " << from << ": " << frame.DebugString();
    // What it was sent is the news; the next subscription's news comes after it.
    newest_ = frame.event().seq();
    while (true) {
      RawStream probe(daemon_.http(), "/v1/events/stream?from=" + std::to_string(newest_ + 1));
      const std::vector<uint64_t> ids = Ids(probe.ReadFor(std::chrono::milliseconds(300)));
      if (ids.empty()) break;
      newest_ = ids.back();
    }
  }
}

}  // namespace
}  // namespace stayaway
