// The TCP ingest port end to end: the real daemon::Core behind a TcpIngestServer on a
// loopback port, driven by plain blocking POSIX clients that write varint-delimited
// ClientFrames the way any Protobuf library would.
#include "ingest/tcp_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "base/time.h"
#include "daemon/core.h"
#include "ingest/frame_codec.h"
#include "journal/journal.h"
#include "proto/stayaway.pb.h"
#include "tests/wire_fixtures.h"

namespace stayaway {
namespace {

using testing_fixtures::MakeFix;
using testing_fixtures::PairOrder;

using namespace std::chrono_literals;

constexpr TimeMs kStart = 1741600800000;  // 2025-03-10T10:00:00Z



// The two devices of KG-1 side by side, long enough for the violation to open.
std::vector<v1::Fix> Meeting(uint64_t first_seq, TimeMs time) {
  return {MakeFix("phone-2", first_seq, time, 42.87, 74.59),
          MakeFix("tag-1", first_seq, time, 42.87, 74.5905),
          MakeFix("tag-1", first_seq + 1, time + 10'000, 42.87, 74.5905)};
}

v1::ClientFrame Batch(uint64_t batch_id, std::vector<v1::Fix> fixes) {
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(batch_id);
  for (v1::Fix& fix : fixes) *frame.mutable_batch()->add_fixes() = std::move(fix);
  return frame;
}

v1::ClientFrame Subscribe(uint64_t from_seq, const std::string& name) {
  v1::ClientFrame frame;
  frame.mutable_subscribe()->set_from_seq(from_seq);
  frame.mutable_subscribe()->set_name(name);
  return frame;
}

// A blocking client on a plain POSIX socket, with a receive timeout so that a server
// that fails to answer fails the test instead of hanging it.
class Client {
 public:
  // With a token, authenticates first (and fails the test if that is refused).
  explicit Client(uint16_t port, const std::string& token = "") {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address),
                           sizeof(address)) == 0;
    const timeval timeout{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    if (!token.empty()) {
      v1::ClientFrame hello;
      hello.mutable_authenticate()->set_token(token);
      const auto answer = Send(hello) ? Receive() : std::nullopt;
      EXPECT_TRUE(answer && answer->has_authenticated()) << "the harness credential was refused";
    }
  }
  ~Client() { Disconnect(); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }

  bool SendRaw(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }
  bool Send(const v1::ClientFrame& frame) { return SendRaw(ingest::EncodeFrame(frame)); }

  // The next ServerFrame; nullopt once the server closed the connection (closed_by_server)
  // or nothing came for 10 seconds.
  std::optional<v1::ServerFrame> Receive() {
    std::string bytes;
    while (true) {
      switch (reader_.Next(&bytes)) {
        case ingest::FrameReader::Result::kFrame: {
          v1::ServerFrame frame;
          if (!frame.ParseFromString(bytes)) {
            ADD_FAILURE() << "the server sent bytes that are not a ServerFrame";
            return std::nullopt;
          }
          return frame;
        }
        case ingest::FrameReader::Result::kError:
          ADD_FAILURE() << "the server broke framing: " << reader_.error_message();
          return std::nullopt;
        case ingest::FrameReader::Result::kNeedMore:
          break;
      }
      char buffer[16384];
      const ssize_t received = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (received == 0 || (received < 0 && errno == ECONNRESET)) closed_by_server_ = true;
      if (received <= 0) return std::nullopt;
      reader_.Feed(std::string_view(buffer, static_cast<size_t>(received)));
    }
  }

  // True when the server closes the connection without sending anything more.
  bool ServerCloses() { return !Receive().has_value() && closed_by_server_; }

  void Disconnect() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_by_server_ = false;
  ingest::FrameReader reader_{64 * 1024 * 1024};
};

class TcpIngestServerTest : public ::testing::Test {
 protected:
  void StartCore(size_t queue_capacity = 65536) {
    daemon::CoreOptions options;
    options.clock = [this] { return now_.load(); };
    options.queue_capacity = queue_capacity;
    options.tick_interval_ms = 10;
    options.journal_dir = journal_dir_;
    auto credentials = access::CredentialStore::Open("");
    ASSERT_TRUE(credentials.ok());
    options.credentials = std::move(credentials.value());
    token_ = testing_fixtures::IssueEverythingCredential(*options.credentials, kStart);
    credentials_ = options.credentials;
    core_ = std::make_unique<daemon::Core>(options);
    core_->Start();
    ASSERT_TRUE(core_->PutOrder(PairOrder("KG-1", "tag-1", "phone-2")).ok());
  }

  void StartServer(ingest::TcpIngestOptions options = {}) {
    if (!core_) StartCore();
    server_ = std::make_unique<ingest::TcpIngestServer>(
        io_, *core_,
        boost::asio::ip::tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0),
        options);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    ASSERT_NE(server_->port(), 0);
    io_thread_ = std::thread([this] { io_.run(); });
  }

  void TearDown() override {
    if (server_) {
      server_->Stop();
      for (int i = 0; i < 500 && server_->connection_count() > 0; ++i) {
        std::this_thread::sleep_for(10ms);
      }
      EXPECT_EQ(server_->connection_count(), 0u) << "Stop() leaves no connection open";
    }
    io_.stop();
    if (io_thread_.joinable()) io_thread_.join();
    if (core_) core_->Stop();
  }

  std::string Metrics() { return core_->MetricsText(); }
  bool MetricsHave(const std::string& line) {
    return Metrics().find(line) != std::string::npos;
  }

  // Waits (bounded) until `condition` holds.
  template <typename Condition>
  static bool Eventually(Condition condition) {
    for (int i = 0; i < 1000; ++i) {
      if (condition()) return true;
      std::this_thread::sleep_for(5ms);
    }
    return condition();
  }

  // A token of the "everything" credential (all roles, every device), and the store, for
  // the access tests to issue narrower ones.
  std::string token_;
  std::shared_ptr<access::CredentialStore> credentials_;
  std::atomic<TimeMs> now_{kStart};
  std::string journal_dir_;  // set before StartCore: the core journals there
  boost::asio::io_context io_;
  std::unique_ptr<daemon::Core> core_;
  std::unique_ptr<ingest::TcpIngestServer> server_;
  std::thread io_thread_;
};

TEST_F(TcpIngestServerTest, ABatchIsAcknowledgedWithItsAcceptedAndRejectedFixes) {
  StartServer();
  Client client(server_->port(), token_);
  ASSERT_TRUE(client.connected());
  ASSERT_TRUE(client.Send(Batch(7, {MakeFix("phone-2", 1, kStart, 42.87, 74.59),
                                    MakeFix("tag-1", 1, kStart, 42.87, 74.5905),
                                    MakeFix("tag-1", 1, kStart, 42.87, 74.5905),
                                    MakeFix("tag-9", 1, kStart, 42.87, 74.59),
                                    MakeFix("tag-1", 2, kStart, 91, 74.59)})));
  const auto reply = client.Receive();
  ASSERT_TRUE(reply.has_value());
  ASSERT_TRUE(reply->has_ack()) << reply->DebugString();
  const v1::BatchAck& ack = reply->ack();
  EXPECT_EQ(ack.batch_id(), 7u);
  ASSERT_EQ(ack.accepted_size(), 3);
  EXPECT_EQ(ack.accepted(0).device(), "phone-2");
  EXPECT_EQ(ack.accepted(1).device(), "tag-1");
  EXPECT_EQ(ack.accepted(1).seq(), 1u);
  EXPECT_EQ(ack.duplicates(), 1u);
  ASSERT_EQ(ack.rejected_size(), 2);
  EXPECT_EQ(ack.rejected(0).index(), 3u);
  EXPECT_EQ(ack.rejected(0).device(), "tag-9");
  EXPECT_EQ(ack.rejected(0).code(), "not_found");
  EXPECT_EQ(ack.rejected(1).index(), 4u);
  EXPECT_EQ(ack.rejected(1).seq(), 2u);
  EXPECT_EQ(ack.rejected(1).code(), "invalid_argument");
  EXPECT_NE(ack.rejected(1).reason().find("91"), std::string::npos) << ack.rejected(1).reason();
  EXPECT_TRUE(MetricsHave("stayaway_fixes_total{source=\"tcp\",outcome=\"duplicate\"} 1"))
      << Metrics();
}

TEST_F(TcpIngestServerTest, AnOversizeFrameIsRefusedAndClosesTheConnectionButEarlierBatchesStay) {
  ingest::TcpIngestOptions options;
  options.max_frame_bytes = 64 * 1024;
  StartServer(options);
  Client client(server_->port(), token_);
  ASSERT_TRUE(client.Send(Batch(1, {MakeFix("phone-2", 1, kStart, 42.87, 74.59)})));
  const auto ack = client.Receive();
  ASSERT_TRUE(ack.has_value() && ack->has_ack());
  ASSERT_EQ(ack->ack().accepted_size(), 1);

  // A prefix announcing 1 MiB, and the start of its bytes.
  std::string oversize = "\x80\x80\x40";  // 2^20
  oversize += std::string(1000, 'x');
  ASSERT_TRUE(client.SendRaw(oversize));
  const auto error = client.Receive();
  ASSERT_TRUE(error.has_value());
  ASSERT_TRUE(error->has_error()) << error->DebugString();
  EXPECT_EQ(error->error().code(), "frame_too_large");
  EXPECT_EQ(error->error().message(), "frame of 1048576 bytes exceeds the limit of 65536 bytes");
  EXPECT_TRUE(client.ServerCloses());
  EXPECT_TRUE(MetricsHave("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"frame_too_large\"} 1"))
      << Metrics();

  // The fix acknowledged before the bad frame is still in the engine: sent again on a new
  // connection it is a duplicate.
  Client again(server_->port(), token_);
  ASSERT_TRUE(again.Send(Batch(2, {MakeFix("phone-2", 1, kStart, 42.87, 74.59)})));
  const auto second = again.Receive();
  ASSERT_TRUE(second.has_value() && second->has_ack());
  EXPECT_EQ(second->ack().accepted_size(), 1);
  EXPECT_EQ(second->ack().duplicates(), 1u);
}

TEST_F(TcpIngestServerTest, AMalformedLengthPrefixIsRefusedAndClosesTheConnection) {
  StartServer();
  Client client(server_->port(), token_);
  ASSERT_TRUE(client.SendRaw(std::string(10, '\x80')));
  const auto error = client.Receive();
  ASSERT_TRUE(error.has_value() && error->has_error());
  EXPECT_EQ(error->error().code(), "malformed_frame");
  EXPECT_TRUE(client.ServerCloses());
}

TEST_F(TcpIngestServerTest, AFrameThatIsNotAClientFrameIsRefusedAndTheConnectionCarriesOn) {
  StartServer();
  Client client(server_->port(), token_);
  // Field 1 with wire type 7, which does not exist: not a Protobuf message at all.
  ASSERT_TRUE(client.SendRaw(std::string("\x03\x0f\xff\xff", 4)));
  // A well-formed but empty ClientFrame: neither a batch nor a subscribe.
  ASSERT_TRUE(client.Send(v1::ClientFrame()));
  ASSERT_TRUE(client.Send(Batch(3, {MakeFix("phone-2", 1, kStart, 42.87, 74.59)})));

  const auto not_protobuf = client.Receive();
  ASSERT_TRUE(not_protobuf.has_value() && not_protobuf->has_error());
  EXPECT_EQ(not_protobuf->error().code(), "malformed_protobuf");
  const auto empty = client.Receive();
  ASSERT_TRUE(empty.has_value() && empty->has_error());
  EXPECT_EQ(empty->error().code(), "malformed_protobuf");
  const auto ack = client.Receive();
  ASSERT_TRUE(ack.has_value() && ack->has_ack()) << "the connection is still usable";
  EXPECT_EQ(ack->ack().batch_id(), 3u);
  EXPECT_EQ(ack->ack().accepted_size(), 1);
  EXPECT_TRUE(
      MetricsHave("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"malformed_protobuf\"} 2"))
      << Metrics();
}

TEST_F(TcpIngestServerTest, ABatchOverTheFixLimitIsRefusedWholeAndTheConnectionCarriesOn) {
  ingest::TcpIngestOptions options;
  options.max_fixes_per_batch = 3;
  StartServer(options);
  Client client(server_->port(), token_);
  std::vector<v1::Fix> four;
  for (uint64_t seq = 1; seq <= 4; ++seq) four.push_back(MakeFix("tag-1", seq, kStart, 42.87, 74.7));
  ASSERT_TRUE(client.Send(Batch(1, four)));
  const auto error = client.Receive();
  ASSERT_TRUE(error.has_value() && error->has_error());
  EXPECT_EQ(error->error().code(), "too_many_fixes");
  EXPECT_EQ(error->error().message(), "batch 1 has 4 fixes; the limit is 3");

  // None of the four was applied: the first three are new to the engine.
  four.pop_back();
  ASSERT_TRUE(client.Send(Batch(2, four)));
  const auto ack = client.Receive();
  ASSERT_TRUE(ack.has_value() && ack->has_ack());
  EXPECT_EQ(ack->ack().accepted_size(), 3);
  EXPECT_EQ(ack->ack().duplicates(), 0u);
}

TEST_F(TcpIngestServerTest, PipelinedBatchesAreAcknowledgedInOrderWhenTheEngineQueueIsFull) {
  StartCore(/*queue_capacity=*/8);
  StartServer();
  Client client(server_->port(), token_);
  constexpr uint64_t kBatches = 60;
  for (uint64_t b = 0; b < kBatches; ++b) {
    std::vector<v1::Fix> fixes;
    for (uint64_t i = 0; i < 5; ++i) {
      const uint64_t seq = b * 5 + i + 1;
      fixes.push_back(MakeFix("tag-1", seq, kStart + static_cast<TimeMs>(seq) * 1000, 42.87, 74.7));
    }
    ASSERT_TRUE(client.Send(Batch(b, fixes)));
  }
  for (uint64_t b = 0; b < kBatches; ++b) {
    const auto ack = client.Receive();
    ASSERT_TRUE(ack.has_value() && ack->has_ack()) << "batch " << b;
    EXPECT_EQ(ack->ack().batch_id(), b);
    EXPECT_EQ(ack->ack().accepted_size(), 5) << "pushed back, never dropped";
    EXPECT_EQ(ack->ack().duplicates(), 0u);
  }
  // Whether the queue actually filled depends on how fast this machine's engine thread
  // drains it; what must hold either way is above: every fix acknowledged, in order.
  // (core_test's FullQueuePushesBackInsteadOfDropping forces the full queue for certain.)
  if (!MetricsHave("stayaway_backpressure_total{source=\"tcp\"}")) {
    std::cout << "note: the engine kept up; no backpressure happened in this run\n";
  }
}

// The port decodes each batch into the fixes of batches before it (client_frame_decoder.h,
// FixSink::TakeUsedFixes): nothing one fix held may show in another.
TEST_F(TcpIngestServerTest, EveryFixIsJournaledExactlyAsSentWhateverTheFixesBeforeItHeld) {
  journal_dir_ =
      (std::filesystem::path(::testing::TempDir()) / ("tcp-journal-" + std::to_string(::getpid())))
          .string();
  std::filesystem::remove_all(journal_dir_);
  StartServer();
  Client client(server_->port(), token_);
  std::mt19937_64 rng(20261207);
  auto coin = [&] { return rng() % 2 == 0; };
  std::vector<v1::Fix> expected;
  uint64_t seqs[2] = {0, 0};
  for (uint64_t b = 0; b < 60; ++b) {
    std::vector<v1::Fix> fixes;
    // Sizes from 1 to 40: the used fixes handed back are sometimes fewer, sometimes more.
    for (uint64_t i = 0, n = 1 + rng() % 40; i < n; ++i) {
      const int who = coin() ? 0 : 1;
      const TimeMs t =
          kStart - 3'600'000 + static_cast<TimeMs>(expected.size() + fixes.size()) * 1000;
      v1::Fix fix = MakeFix(who == 0 ? "tag-1" : "phone-2", ++seqs[who], t,
                            42.87 + static_cast<double>(rng() % 1000) * 1e-5, 74.59);
      if (coin()) fix.set_accuracy_m(static_cast<double>(rng() % 500) / 10);
      if (coin()) fix.set_speed_mps(static_cast<double>(rng() % 30));
      if (coin()) fix.set_heading_deg(static_cast<double>(rng() % 360));
      if (coin()) fix.set_battery_pct(static_cast<double>(rng() % 101));
      if (coin()) fix.set_source(v1::Fix::wifi);
      if (rng() % 8 == 0) fix.add_flags(v1::Fix::jamming_suspected);
      if (coin()) MsToTimestamp(t + 500, fix.mutable_received());  // the core stamps its own
      fixes.push_back(fix);
    }
    ASSERT_TRUE(client.Send(Batch(b, fixes)));
    const auto ack = client.Receive();
    ASSERT_TRUE(ack.has_value() && ack->has_ack()) << "batch " << b;
    ASSERT_EQ(ack->ack().accepted_size(), static_cast<int>(fixes.size()))
        << ack->ShortDebugString();
    for (v1::Fix& fix : fixes) {
      MsToTimestamp(kStart, fix.mutable_received());  // the core's clock
      expected.push_back(std::move(fix));
    }
  }
  std::vector<v1::Fix> journaled;
  const auto read = journal::ReadAll(
      journal_dir_, /*salvage=*/false,
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

TEST_F(TcpIngestServerTest, ASubscriberGetsTheBacklogThenLiveEventsAndResumesWithoutGaps) {
  StartServer();
  // A backlog: the two devices of KG-1 meet.
  {
    Client sender(server_->port(), token_);
    ASSERT_TRUE(sender.Send(Batch(1, Meeting(1, kStart))));
    ASSERT_TRUE(sender.Receive().has_value());
  }
  const uint64_t backlog_end = core_->NextEventSeq();
  ASSERT_GT(backlog_end, 1u) << "the meeting produced events";

  std::vector<uint64_t> seen;
  auto receive_until = [&](Client& subscriber, uint64_t next_seq) {
    while (seen.empty() || seen.back() + 1 < next_seq) {
      const auto frame = subscriber.Receive();
      if (!frame.has_value()) return false;
      EXPECT_TRUE(frame->has_event()) << frame->DebugString();
      seen.push_back(frame->event().seq());
    }
    return true;
  };

  auto subscriber = std::make_unique<Client>(server_->port(), token_);
  ASSERT_TRUE(subscriber->Send(Subscribe(1, "watcher")));
  ASSERT_TRUE(receive_until(*subscriber, backlog_end));
  EXPECT_TRUE(Eventually([&] {
    return MetricsHave("stayaway_subscriber_lag_events{subscriber=\"watcher\"} 0");
  })) << Metrics();

  // Live: both devices fall silent for 11 minutes; the core's ticks report it.
  now_ = kStart + 11 * 60'000;
  ASSERT_TRUE(Eventually([&] { return core_->NextEventSeq() > backlog_end; }));
  const uint64_t live_end = core_->NextEventSeq();
  ASSERT_TRUE(receive_until(*subscriber, live_end));

  // Gone: events keep coming while nobody listens; the subscriber's lag is forgotten.
  subscriber.reset();
  EXPECT_TRUE(Eventually([&] { return !MetricsHave("subscriber=\"watcher\""); })) << Metrics();
  {
    Client sender(server_->port(), token_);
    ASSERT_TRUE(sender.Send(Batch(2, Meeting(3, now_))));
    ASSERT_TRUE(sender.Receive().has_value());
  }
  const uint64_t offline_end = core_->NextEventSeq();
  ASSERT_GT(offline_end, live_end) << "the devices coming back produced events";

  // Back: resume after the last event seen.
  Client resumed(server_->port(), token_);
  ASSERT_TRUE(resumed.Send(Subscribe(seen.back() + 1, "watcher")));
  ASSERT_TRUE(receive_until(resumed, offline_end));
  ASSERT_EQ(seen.size(), offline_end - 1);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], i + 1) << "no gap, no repeat";
}

TEST_F(TcpIngestServerTest, ASubscriberFromNowGetsOnlyWhatHappensAfterIt) {
  StartServer();
  {
    Client sender(server_->port(), token_);
    ASSERT_TRUE(sender.Send(Batch(1, Meeting(1, kStart))));
    ASSERT_TRUE(sender.Receive().has_value());
  }
  const uint64_t backlog_end = core_->NextEventSeq();
  ASSERT_GT(backlog_end, 1u) << "the meeting produced events";

  Client subscriber(server_->port(), token_);
  v1::ClientFrame from_now = Subscribe(1, "now-watcher");
  from_now.mutable_subscribe()->set_from_now(true);
  ASSERT_TRUE(subscriber.Send(from_now));
  ASSERT_TRUE(Eventually([&] { return MetricsHave("subscriber=\"now-watcher\""); }))
      << "the subscription is in place";
  {
    Client sender(server_->port(), token_);  // they part: the violation closes
    ASSERT_TRUE(sender.Send(Batch(2, {MakeFix("tag-1", 3, kStart + 60'000, 42.90, 74.70),
                                       MakeFix("tag-1", 4, kStart + 70'000, 42.90, 74.70)})));
    ASSERT_TRUE(sender.Receive().has_value());
  }
  ASSERT_GT(core_->NextEventSeq(), backlog_end) << "parting produced events";
  const auto first = subscriber.Receive();
  ASSERT_TRUE(first.has_value() && first->has_event());
  EXPECT_EQ(first->event().seq(), backlog_end) << "the backlog is skipped, nothing new is";
}

TEST_F(TcpIngestServerTest, TwoHundredConnectionsStreamingAtOnceAreAllAcknowledged) {
  StartCore();
  constexpr int kOrders = 20;
  for (int k = 0; k < kOrders; ++k) {
    const std::string n = std::to_string(k);
    ASSERT_TRUE(core_->PutOrder(PairOrder("O-" + n, "tag-o" + n, "phone-o" + n)).ok());
  }
  StartServer();
  constexpr int kConnections = 200;
  constexpr int kBatchesEach = 5;
  constexpr int kFixesPerBatch = 20;
  std::atomic<int> acked_batches{0};
  std::atomic<int> accepted_fixes{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> clients;
  const auto started = std::chrono::steady_clock::now();
  for (int c = 0; c < kConnections; ++c) {
    clients.emplace_back([&, c] {
      Client client(server_->port(), token_);
      if (!client.connected()) {
        ++failures;
        return;
      }
      const std::string device = "tag-o" + std::to_string(c % kOrders);
      // Pipelined: every batch goes out before the first ack is read.
      for (int b = 0; b < kBatchesEach; ++b) {
        std::vector<v1::Fix> fixes;
        for (int i = 0; i < kFixesPerBatch; ++i) {
          const auto seq = static_cast<uint64_t>(c * 1000 + b * kFixesPerBatch + i + 1);
          fixes.push_back(MakeFix(device, seq, kStart, 42.87, 74.7));
        }
        if (!client.Send(Batch(static_cast<uint64_t>(b), fixes))) ++failures;
      }
      for (int b = 0; b < kBatchesEach; ++b) {
        const auto reply = client.Receive();
        if (!reply.has_value() || !reply->has_ack() ||
            reply->ack().batch_id() != static_cast<uint64_t>(b)) {
          ++failures;
          return;
        }
        ++acked_batches;
        accepted_fixes += reply->ack().accepted_size();
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(acked_batches.load(), kConnections * kBatchesEach);
  EXPECT_EQ(accepted_fixes.load(), kConnections * kBatchesEach * kFixesPerBatch);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 30s);
}

TEST_F(TcpIngestServerTest, ConnectionsBeyondTheLimitAreClosedAtOnce) {
  ingest::TcpIngestOptions options;
  options.limits.max_connections = 2;
  StartServer(options);
  Client first(server_->port(), token_);
  Client second(server_->port(), token_);
  for (Client* client : {&first, &second}) {
    ASSERT_TRUE(client->Send(Batch(1, {})));
    const auto ack = client->Receive();
    ASSERT_TRUE(ack.has_value() && ack->has_ack()) << "an empty batch is acknowledged too";
  }
  Client third(server_->port());  // refused before it could authenticate
  EXPECT_TRUE(third.ServerCloses());
  EXPECT_TRUE(
      MetricsHave("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"too_many_connections\"} 1"))
      << Metrics();
  // The first two are unaffected.
  ASSERT_TRUE(first.Send(Batch(2, {})));
  EXPECT_TRUE(first.Receive().has_value());
}

TEST_F(TcpIngestServerTest, ASilentConnectionIsClosedButAQuietSubscriberIsNot) {
  ingest::TcpIngestOptions options;
  options.idle_timeout = 200ms;
  StartServer(options);
  Client silent(server_->port(), token_);
  Client subscriber(server_->port(), token_);
  ASSERT_TRUE(subscriber.Send(Subscribe(core_->NextEventSeq(), "quiet")));

  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.ServerCloses());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);

  // Well past the idle timeout, the subscriber still gets the next event.
  std::this_thread::sleep_for(400ms);
  const uint64_t next = core_->NextEventSeq();
  {
    Client sender(server_->port(), token_);
    ASSERT_TRUE(sender.Send(Batch(1, Meeting(1, kStart))));
    ASSERT_TRUE(sender.Receive().has_value());
  }
  const auto event = subscriber.Receive();
  ASSERT_TRUE(event.has_value());
  ASSERT_TRUE(event->has_event());
  EXPECT_EQ(event->event().seq(), next);
}

TEST_F(TcpIngestServerTest, AFrameTrickledByteByByteDoesNotKeepTheConnectionAlive) {
  ingest::TcpIngestOptions options;
  options.idle_timeout = 200ms;
  StartServer(options);
  Client slow(server_->port(), token_);
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(slow.SendRaw("\x40"));  // announces 64 bytes, then sends them slowly
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(50ms);
    if (!slow.SendRaw("x")) break;  // the server may already have closed
  }
  EXPECT_TRUE(slow.ServerCloses());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_TRUE(MetricsHave("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"idle_timeout\"} 1"))
      << Metrics();
}

TEST_F(TcpIngestServerTest, AnUnauthenticatedConnectionIsClosedAtTheAuthDeadline) {
  ingest::TcpIngestOptions options;
  options.limits.auth_timeout = 200ms;
  StartServer(options);
  Client silent(server_->port());
  Client authenticated(server_->port(), token_);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.ServerCloses());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(Eventually([&] {
    return MetricsHave("stayaway_fixes_rejected_total{source=\"tcp\",reason=\"auth_timeout\"} 1");
  })) << Metrics();
  std::this_thread::sleep_for(300ms);
  ASSERT_TRUE(authenticated.Send(Batch(1, {})));
  EXPECT_TRUE(authenticated.Receive().has_value());
}

}  // namespace
}  // namespace stayaway
