// End-to-end tests of the real stayawayd binary: each test starts the daemon on loopback
// with free ports in a fresh data directory and drives it the way integrators do, with
// real clients: HTTP requests, OsmAnd requests formed like the Traccar Client app's, a
// Traccar forward payload, Protobuf frames over TCP and a subscriber that resumes.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/hex.h"
#include "base/hmac_sha256.h"
#include "base/time.h"
#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"
#include "tests/daemon_harness.h"
#include "tests/webhook_receiver.h"
#include "tools/daemon_client.h"

extern char** environ;

namespace stayaway {
namespace {

using namespace testing_harness;  // NOLINT: the harness is this suite's vocabulary

// Reads frames until an event matching `want` arrives (or `limit` frames were read).
std::optional<v1::EventRecord> AwaitEvent(tools::DaemonClient& client,
                                          const std::function<bool(const v1::Event&)>& want,
                                          int limit = 50) {
  for (int i = 0; i < limit; ++i) {
    v1::ServerFrame frame;
    if (!client.Receive(&frame).ok()) return std::nullopt;
    if (frame.has_event() && want(frame.event().event())) return frame.event();
  }
  return std::nullopt;
}

TEST(Stayawayd, OrderOverHttpOsmAndAndTraccarFixesRaiseAnAlertSeenBySubscriberAndAcked) {
  Daemon daemon;
  const HttpReply created = Http(daemon.http(), "POST", "/v1/orders", OrderJson());
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(Http(daemon.http(), "GET", "/v1/orders/KG-7").status, 200);

  tools::DaemonClient subscriber;
  ASSERT_TRUE(ConnectAndAuthenticate(subscriber, daemon.ingest()).ok());
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(1);
  ASSERT_TRUE(subscriber.Send(subscribe).ok());

  const TimeMs t = NowMs() - 5'000;
  // The victim's phone app reports over OsmAnd; the tag arrives through Traccar, 100 m off.
  const HttpReply phone = Http(daemon.osmand(), "GET", OsmAndQuery("phone-2", t, 42.87, 74.59));
  ASSERT_EQ(phone.status, 200) << phone.body;
  for (int i = 0; i < 2; ++i) {
    const HttpReply tag = Http(daemon.http(), "POST", "/v1/traccar",
                               TraccarForward("tag-1", t + 1000 * (i + 1), 42.87, 74.5912));
    ASSERT_EQ(tag.status, 200) << tag.body;
  }
  const auto opened = AwaitEvent(subscriber, [](const v1::Event& e) {
    return e.kind() == v1::Event::proximity_violation && e.transition() == v1::Event::opened;
  });
  ASSERT_TRUE(opened.has_value()) << daemon.Log();
  EXPECT_EQ(opened->event().order_id(), "KG-7");
  EXPECT_GE(opened->seq(), 1u);

  const HttpReply alerts = Http(daemon.http(), "GET", "/v1/alerts?order=KG-7&state=open");
  ASSERT_EQ(alerts.status, 200);
  EXPECT_NE(alerts.body.find(opened->event().alert_id()), std::string::npos) << alerts.body;
  const HttpReply ack = Http(daemon.http(), "POST",
                             "/v1/alerts/" + opened->event().alert_id() + "/ack",
                             R"({"by": "operator-7", "note": "patrol sent"})");
  ASSERT_EQ(ack.status, 200) << ack.body;
  const auto acked = AwaitEvent(
      subscriber, [](const v1::Event& e) { return e.transition() == v1::Event::acknowledged; });
  ASSERT_TRUE(acked.has_value());
  EXPECT_EQ(acked->event().ack_by(), "operator-7");
  // What a monitoring system watches (issue 17): the violation entered, the time to its
  // acknowledgement, journal syncs, the build and the process.
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  for (const std::string& expected :
       {"stayaway_violations_entered_total{certainty=\"" +
            v1::Event::Certainty_Name(opened->event().certainty()) + "\"} 1\n",
        std::string("stayaway_ack_latency_seconds_count{kind=\"proximity_violation\"} 1\n"),
        std::string("# TYPE stayaway_journal_fsync_seconds histogram\n"),
        std::string("stayaway_build_info{version=\""), std::string("process_cpu_seconds_total "),
        std::string("process_resident_memory_bytes "), std::string("process_open_fds "),
        std::string("stayaway_checkpoint_age_seconds ")}) {
    EXPECT_NE(metrics.find(expected), std::string::npos) << expected << "\n" << metrics;
  }
  EXPECT_EQ(metrics.find("stayaway_journal_fsync_seconds_count 0\n"), std::string::npos);
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Stayawayd, FixBatchOverTcpIsAckedWithAcceptedAndRejectedFixes) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  v1::ClientFrame frame;
  auto* batch = frame.mutable_batch();
  batch->set_batch_id(42);
  const TimeMs t = NowMs();
  for (const auto& [device, lat] : std::vector<std::pair<std::string, double>>{
           {"tag-1", 42.87}, {"phone-2", 42.88}, {"tag-1", 91.0}, {"ghost", 42.87}}) {
    v1::Fix* fix = batch->add_fixes();
    fix->set_device(device);
    fix->set_seq(static_cast<uint64_t>(batch->fixes_size()));
    MsToTimestamp(t, fix->mutable_time());
    fix->set_lat(lat);
    fix->set_lon(74.59);
    fix->set_accuracy_m(10);
  }
  ASSERT_TRUE(client.Send(frame).ok());
  v1::ServerFrame reply;
  ASSERT_TRUE(client.Receive(&reply).ok());
  ASSERT_TRUE(reply.has_ack()) << reply.DebugString();
  EXPECT_EQ(reply.ack().batch_id(), 42u);
  EXPECT_EQ(reply.ack().accepted_size(), 2);
  ASSERT_EQ(reply.ack().rejected_size(), 2);
  EXPECT_EQ(reply.ack().rejected(0).index(), 2u);
  EXPECT_EQ(reply.ack().rejected(0).code(), "invalid_argument");
  EXPECT_EQ(reply.ack().rejected(1).code(), "not_found");
}

TEST(Stayawayd, MalformedInputOnEveryPortGetsAClearErrorAndTheDaemonKeepsServing) {
  Daemon daemon;
  // TCP: a length prefix that is not a varint; the daemon says why and closes.
  const std::string bad_frame(11, '\xff');
  {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(std::stoi(daemon.ingest().substr(10))));
    ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    ::send(fd, bad_frame.data(), bad_frame.size(), MSG_NOSIGNAL);
    std::string received;
    char buffer[4096];
    for (ssize_t n; (n = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) received.append(buffer, n);
    ::close(fd);
    ingest::FrameReader reader;
    reader.Feed(received);
    std::string payload;
    ASSERT_EQ(reader.Next(&payload), ingest::FrameReader::Result::kFrame);
    v1::ServerFrame error;
    ASSERT_TRUE(error.ParseFromString(payload));
    EXPECT_EQ(error.error().code(), "malformed_frame");
  }
  // HTTP API: broken JSON, a broken polygon, an oversized body.
  const HttpReply broken = Http(daemon.http(), "POST", "/v1/orders", "{\"id\": ");
  EXPECT_EQ(broken.status, 400) << broken.body;
  const HttpReply bow_tie = Http(daemon.http(), "POST", "/v1/orders",
      R"({"id": "K-9", "version": 1, "supervised": {"id": "a", "devices": ["t"]},
          "protected": [{"id": "b", "devices": ["p"]}], "violation_distance_m": 200,
          "zones": [{"id": "z", "kind": "exclusion", "geometry": {"type": "Polygon",
          "coordinates": [[[74.59, 42.87], [74.60, 42.88], [74.60, 42.87], [74.59, 42.88],
          [74.59, 42.87]]]}}]})");
  EXPECT_EQ(bow_tie.status, 400);
  EXPECT_NE(bow_tie.body.find("elf-intersection"), std::string::npos) << bow_tie.body;
  EXPECT_EQ(Http(daemon.http(), "POST", "/v1/fixes", std::string(2 << 20, '[')).status, 413);
  // OsmAnd: no latitude.
  const HttpReply no_lat = Http(daemon.osmand(), "GET", "/?id=phone-2&timestamp=1&lon=74.5");
  EXPECT_EQ(no_lat.status, 400);
  EXPECT_NE(no_lat.body.find("lat"), std::string::npos) << no_lat.body;
  // Still healthy, and every refusal counted.
  EXPECT_EQ(Http(daemon.http(), "GET", "/healthz").status, 200);
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("stayaway_fixes_rejected_total{source=\"osmand\""), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("stayaway_fixes_rejected_total{source=\"tcp\""), std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

TEST(Stayawayd, SubscriberResumesAfterDisconnectWithoutGapsOrDuplicates) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  // Strap open and closed on the tag, five times: ten events.
  for (int i = 0; i < 10; ++i) {
    const HttpReply reply = Http(daemon.http(), "POST", "/v1/traccar",
                                 TraccarForward("tag-1", t + 1000 * i, 42.87, 74.59,
                                                i % 2 == 0 ? "tampering" : ""));
    ASSERT_EQ(reply.status, 200) << reply.body;
  }
  std::vector<uint64_t> seqs;
  {
    tools::DaemonClient first;
    ASSERT_TRUE(ConnectAndAuthenticate(first, daemon.ingest()).ok());
    v1::ClientFrame subscribe;
    subscribe.mutable_subscribe()->set_from_seq(1);
    ASSERT_TRUE(first.Send(subscribe).ok());
    for (int i = 0; i < 4; ++i) {
      v1::ServerFrame frame;
      ASSERT_TRUE(first.Receive(&frame).ok());
      seqs.push_back(frame.event().seq());
    }
  }  // disconnects
  tools::DaemonClient second;
  ASSERT_TRUE(ConnectAndAuthenticate(second, daemon.ingest()).ok());
  v1::ClientFrame resume;
  resume.mutable_subscribe()->set_from_seq(seqs.back() + 1);
  ASSERT_TRUE(second.Send(resume).ok());
  for (int i = 0; i < 6; ++i) {
    v1::ServerFrame frame;
    ASSERT_TRUE(second.Receive(&frame).ok());
    seqs.push_back(frame.event().seq());
  }
  for (size_t i = 0; i < seqs.size(); ++i) EXPECT_EQ(seqs[i], i + 1) << "position " << i;
}

TEST(Stayawayd, WebhookReceiverThatFailsThenRecoversGetsEveryEventInOrder) {
  WebhookReceiver receiver(/*failures=*/3);
  const fs::path secret = fs::path(::testing::TempDir()) / "webhook-secret";
  std::ofstream(secret) << "a-secret-of-the-centre-and-its-receivers\n";
  Daemon daemon({"--webhook", receiver.url(), "--webhook-secret-file", secret.string()});
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  const TimeMs t = NowMs() - 60'000;
  for (int i = 0; i < 6; ++i) {  // strap open / closed three times: six events
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/traccar",
                   TraccarForward("tag-1", t + 1000 * i, 42.87, 74.59,
                                  i % 2 == 0 ? "tampering" : ""))
                  .status,
              200);
  }
  // Backoff after three failures: 0.1 + 0.2 + 0.4 s; give it a few seconds at most.
  for (int i = 0; i < 100 && receiver.accepted().size() < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::vector<WebhookReceiver::Request> requests = receiver.accepted();
  ASSERT_GE(requests.size(), 6u) << daemon.Log();
  EXPECT_GE(receiver.requests(), 9);  // three refusals were retried
  for (size_t i = 0; i < 6; ++i) {
    const std::string& body = requests[i].body;
    EXPECT_EQ(body.rfind("{\"seq\":" + std::to_string(i + 1) + ",", 0), 0u) << body;
    // Signed: the receiver recomputes the HMAC of the body under the shared secret.
    EXPECT_EQ(requests[i].Header("X-Stayaway-Signature"),
              "sha256=" + HexEncode(HmacSha256("a-secret-of-the-centre-and-its-receivers", body)));
    EXPECT_EQ(requests[i].Header("Host"), "127.0.0.1:" + std::to_string(receiver.port()));
  }
  const std::string metrics = Http(daemon.http(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("stayaway_subscriber_lag_events{subscriber=\"webhook:" + receiver.url()),
            std::string::npos)
      << metrics;
  // The three refusals and the deliveries, counted.
  EXPECT_NE(metrics.find("stayaway_webhook_deliveries_total{result=\"failed\"} 3\n"),
            std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("stayaway_webhook_deliveries_total{result=\"delivered\"} "),
            std::string::npos)
      << metrics;
  EXPECT_EQ(daemon.Stop(), 0);
}

// Every event from seq 1, as the daemon serves them, serialized deterministically.
std::vector<std::string> AllEvents(Daemon& daemon, size_t count) {
  tools::DaemonClient client;
  EXPECT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(1);
  EXPECT_TRUE(client.Send(subscribe).ok());
  std::vector<std::string> out;
  while (out.size() < count) {
    v1::ServerFrame frame;
    if (!client.Receive(&frame).ok()) break;
    if (frame.has_event() && frame.event().event().kind() != v1::Event::comms_lost) {
      out.push_back(std::to_string(frame.event().seq()) + " " +
                    frame.event().event().alert_id() + " " +
                    v1::Event::Transition_Name(frame.event().event().transition()));
    }
  }
  return out;
}

// A webhook added to a centre with history begins with the next event, not the archive;
// --webhook-from start sends it everything from event 1.
TEST(Stayawayd, ANewWebhookStartsFromNowUnlessToldToStartFromTheBeginning) {
  fs::path dir;
  {
    Daemon daemon;
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    const TimeMs t = NowMs() - 60'000;
    for (int i = 0; i < 4; ++i) {  // strap open / closed twice: four events
      ASSERT_EQ(
          Http(daemon.http(), "POST", "/v1/traccar",
               TraccarForward("tag-1", t + 1000 * i, 42.87, 74.59, i % 2 == 0 ? "tampering" : ""))
              .status,
          200);
    }
    EXPECT_EQ(AllEvents(daemon, 4).size(), 4u);  // waits for the four to be logged
    EXPECT_EQ(daemon.Stop(), 0);
  }
  // One more strap event after each restart: the only news a new webhook should get.
  auto one_more = [](Daemon& daemon, int seq) {
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/traccar",
                   TraccarForward("tag-1", NowMs() - 10'000 + seq, 42.87, 74.59,
                                  seq % 2 == 0 ? "tampering" : ""))
                  .status,
              200);
  };
  {
    WebhookReceiver receiver(/*failures=*/0);
    Daemon daemon({"--webhook", receiver.url()}, dir);
    one_more(daemon, 4);
    for (int i = 0; i < 100 && receiver.accepted().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing older follows
    const auto requests = receiver.accepted();
    ASSERT_EQ(requests.size(), 1u) << daemon.Log();
    EXPECT_EQ(requests[0].body.rfind("{\"seq\":5,", 0), 0u) << requests[0].body;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  {
    WebhookReceiver receiver(/*failures=*/0);
    Daemon daemon({"--webhook", receiver.url(), "--webhook-from", "start"}, dir);
    for (int i = 0; i < 100 && receiver.accepted().size() < 5; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    const auto requests = receiver.accepted();
    ASSERT_EQ(requests.size(), 5u) << daemon.Log();
    for (size_t i = 0; i < requests.size(); ++i) {
      EXPECT_EQ(requests[i].body.rfind("{\"seq\":" + std::to_string(i + 1) + ",", 0), 0u);
    }
    EXPECT_EQ(daemon.Stop(), 0);
  }
}

TEST(Stayawayd, AWebhookFilteredByKindGetsOnlyThoseAndItsCursorMovesPastTheRest) {
  WebhookReceiver receiver(/*failures=*/0);
  Daemon daemon({"--webhook", receiver.url(), "--webhook-kinds", "sos"});
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  // An SOS, then the strap opened and closed: events 1 (sos), 2 and 3 (strap_tamper).
  const TimeMs t = NowMs() - 60'000;
  const char* alarms[] = {"sos", "tampering", ""};
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/traccar",
                   TraccarForward("tag-1", t + 1000 * i, 42.87, 74.59, alarms[i]))
                  .status,
              200);
  }
  ASSERT_EQ(AllEvents(daemon, 3).size(), 3u);
  for (int i = 0; i < 100 && receiver.accepted().empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // nothing else follows
  const auto requests = receiver.accepted();
  ASSERT_EQ(requests.size(), 1u) << daemon.Log();
  EXPECT_EQ(requests[0].body.rfind("{\"seq\":1,", 0), 0u) << requests[0].body;
  EXPECT_NE(requests[0].body.find("\"kind\":\"sos\""), std::string::npos) << requests[0].body;
  EXPECT_EQ(daemon.Stop(), 0);
  // The cursor moved past the strap events too: a restart would not look at them again.
  std::string name = receiver.url();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
  }
  std::ifstream cursor(daemon.dir() / "data" / "webhooks" / (name + ".cursor"));
  uint64_t next = 0;
  ASSERT_TRUE(cursor >> next);
  EXPECT_EQ(next, 4u);
}

TEST(Stayawayd, KillNineThenRestartKeepsEveryAcknowledgedFixAndTheSameEvents) {
  fs::path dir;
  std::vector<std::string> before;
  v1::ClientFrame batch;
  {
    Daemon daemon;
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    tools::DaemonClient client;
    ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
    const TimeMs t = NowMs() - 30'000;
    batch.mutable_batch()->set_batch_id(1);
    for (int i = 0; i < 6; ++i) {  // the victim, then the tag approaching: a violation opens
      v1::Fix* fix = batch.mutable_batch()->add_fixes();
      fix->set_device(i == 0 ? "phone-2" : "tag-1");
      fix->set_seq(static_cast<uint64_t>(i + 1));
      MsToTimestamp(t + i * 1000, fix->mutable_time());
      fix->set_lat(42.87);
      fix->set_lon(i == 0 ? 74.59 : 74.5912 - i * 0.0001);
      fix->set_accuracy_m(5);
    }
    ASSERT_TRUE(client.Send(batch).ok());
    v1::ServerFrame ack;
    ASSERT_TRUE(client.Receive(&ack).ok());
    ASSERT_EQ(ack.ack().accepted_size(), 6);
    before = AllEvents(daemon, 1);  // the violation opened
    ASSERT_EQ(before.size(), 1u);
    EXPECT_NE(before[0].find("opened"), std::string::npos) << before[0];
    daemon.Kill();  // right after the ack: only the journal can have kept it
  }
  Daemon restarted({}, dir);
  EXPECT_NE(restarted.Log().find("recovered from the journal"), std::string::npos);
  // The same events, with the same numbers and ids, rebuilt by replaying the journal.
  EXPECT_EQ(AllEvents(restarted, before.size()), before);
  // Every acknowledged fix is there: sending the batch again finds only duplicates.
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, restarted.ingest()).ok());
  ASSERT_TRUE(client.Send(batch).ok());
  v1::ServerFrame ack;
  ASSERT_TRUE(client.Receive(&ack).ok());
  EXPECT_EQ(ack.ack().duplicates(), 6u) << ack.DebugString();
  const HttpReply alerts = Http(restarted.http(), "GET", "/v1/alerts?state=open");
  EXPECT_NE(alerts.body.find("proximity_violation"), std::string::npos) << alerts.body;
  EXPECT_EQ(restarted.Stop(), 0);
}

TEST(Stayawayd, RepeatedKillNineAtRandomMomentsNeverLosesAnAcknowledgedFix) {
  const unsigned seed = 20261127;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  fs::path dir;
  std::vector<v1::Fix> acknowledged;
  uint64_t next = 1;
  std::map<std::string, uint64_t> device_seq;  // each device counts up without gaps
  const TimeMs t0 = NowMs() - 3'600'000;
  for (int round = 0; round < 6; ++round) {
    Daemon daemon({}, dir);
    dir = daemon.dir();
    if (round == 0) {
      ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    }
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::thread feeder([&] {
      tools::DaemonClient client;
      if (!ConnectAndAuthenticate(client, daemon.ingest()).ok()) return;
      while (!stop) {
        v1::ClientFrame frame;
        std::vector<v1::Fix> sent;
        for (int i = 0; i < 20; ++i) {
          v1::Fix* fix = frame.mutable_batch()->add_fixes();
          const uint64_t n = next++;
          fix->set_device(n % 3 == 0 ? "phone-2" : "tag-1");
          const uint64_t seq = ++device_seq[fix->device()];
          fix->set_seq(seq);
          MsToTimestamp(t0 + static_cast<TimeMs>(n) * 500, fix->mutable_time());
          fix->set_lat(42.87 + (n % 3 == 0 ? 0 : 0.002 * std::sin(static_cast<double>(n) / 20)));
          fix->set_lon(74.59);
          fix->set_accuracy_m(5);
          sent.push_back(*fix);
        }
        v1::ServerFrame reply;
        if (!client.Send(frame).ok() || !client.Receive(&reply).ok()) return;
        std::lock_guard<std::mutex> lock(mu);
        for (const v1::FixRef& ref : reply.ack().accepted()) {
          for (const v1::Fix& fix : sent) {
            if (fix.device() == ref.device() && fix.seq() == ref.seq()) acknowledged.push_back(fix);
          }
        }
      }
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(50 + rng() % 250));
    daemon.Kill();  // mid-stream: some batches are in flight, unacknowledged
    stop = true;
    feeder.join();
  }
  ASSERT_GT(acknowledged.size(), 100u);
  Daemon last({}, dir);
  // Every fix ever acknowledged is there: sent again, each one is a duplicate.
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, last.ingest()).ok());
  for (size_t at = 0; at < acknowledged.size(); at += 500) {
    v1::ClientFrame frame;
    for (size_t i = at; i < std::min(acknowledged.size(), at + 500); ++i) {
      *frame.mutable_batch()->add_fixes() = acknowledged[i];
    }
    ASSERT_TRUE(client.Send(frame).ok());
    v1::ServerFrame reply;
    ASSERT_TRUE(client.Receive(&reply).ok());
    EXPECT_EQ(reply.ack().duplicates(), static_cast<uint32_t>(frame.batch().fixes_size()))
        << "batch at " << at << " of " << acknowledged.size();
  }
  EXPECT_EQ(last.Stop(), 0);
  EXPECT_NE(last.Log().find("recovered from the journal"), std::string::npos);
}

TEST(Stayawayd, RecoveryLoadsTheNewestSnapshotAndReplaysOnlyTheTail) {
  const fs::path config = fs::path(::testing::TempDir()) / ("snap-" + std::to_string(::getpid()) + ".toml");
  std::ofstream(config) << "snapshot_every_records = 5\n";
  fs::path dir;
  std::vector<std::string> before;
  v1::ClientFrame batch;
  const TimeMs t = NowMs() - 30'000;
  {
    Daemon daemon({"--config", config.string()});
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    tools::DaemonClient client;
    ASSERT_TRUE(ConnectAndAuthenticate(client, daemon.ingest()).ok());
    batch.mutable_batch()->set_batch_id(1);
    for (int i = 0; i < 6; ++i) {
      v1::Fix* fix = batch.mutable_batch()->add_fixes();
      fix->set_device(i == 0 ? "phone-2" : "tag-1");
      fix->set_seq(static_cast<uint64_t>(i + 1));
      MsToTimestamp(t + i * 1000, fix->mutable_time());
      fix->set_lat(42.87);
      fix->set_lon(i == 0 ? 74.59 : 74.5912 - i * 0.0001);
      fix->set_accuracy_m(5);
    }
    ASSERT_TRUE(client.Send(batch).ok());
    v1::ServerFrame ack;
    ASSERT_TRUE(client.Receive(&ack).ok());
    before = AllEvents(daemon, 1);
    ASSERT_EQ(before.size(), 1u);
    // Wait for a complete snapshot; the clock's ticks keep adding records after it.
    auto has_snapshot = [&] {
      std::error_code ec;
      for (const auto& entry : fs::directory_iterator(dir / "data" / "snapshots", ec)) {
        if (entry.path().extension() == ".bin") return true;
      }
      return false;
    };
    for (int i = 0; i < 100 && !has_snapshot(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_TRUE(has_snapshot());
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // a tail of ticks
    daemon.Kill();  // the snapshot is some records behind: the tail must be replayed
  }
  ASSERT_TRUE(fs::exists(dir / "data" / "snapshots"));
  Daemon restarted({"--config", config.string()}, dir);
  const std::string log = restarted.Log();
  const size_t recovered = log.rfind("recovered from the journal");
  ASSERT_NE(recovered, std::string::npos) << log;
  EXPECT_EQ(log.find("\"from_snapshot\":\"none\"", recovered), std::string::npos) << log;
  EXPECT_EQ(AllEvents(restarted, before.size()), before);
  tools::DaemonClient client;
  ASSERT_TRUE(ConnectAndAuthenticate(client, restarted.ingest()).ok());
  ASSERT_TRUE(client.Send(batch).ok());
  v1::ServerFrame ack;
  ASSERT_TRUE(client.Receive(&ack).ok());
  EXPECT_EQ(ack.ack().duplicates(), 6u) << ack.DebugString();
  EXPECT_EQ(restarted.Stop(), 0);
  // A damaged newest snapshot is skipped for an older one or a full replay, never trusted.
  for (const auto& entry : fs::directory_iterator(dir / "data" / "snapshots")) {
    std::fstream f(entry.path(), std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(20);
    f.put('\x55');
  }
  Daemon again({"--config", config.string()}, dir);
  EXPECT_NE(again.Log().find("skipping a snapshot"), std::string::npos);
  EXPECT_EQ(AllEvents(again, before.size()), before);
  EXPECT_EQ(again.Stop(), 0);
}

TEST(Stayawayd, DamagedJournalStopsStartUpWithTheSegmentAndOffsetUnlessSalvaging) {
  fs::path dir;
  {
    Daemon daemon;
    dir = daemon.dir();
    ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
    ASSERT_EQ(Http(daemon.http(), "PUT", "/v1/orders/KG-7", OrderJson(2)).status, 200);
    EXPECT_EQ(daemon.Stop(), 0);
  }
  const fs::path segment = dir / "data" / "journal" / "journal-000001.log";
  ASSERT_TRUE(fs::exists(segment));
  {
    std::fstream f(segment, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(12);
    f.put('\x7f');  // inside the first record
  }
  const std::string binary = DaemonBinary().string();
  const std::string command = binary + " --data-dir " + (dir / "data").string() +
                              " --ingest-port 0 --http-port 0 --osmand-port 0 2>" +
                              (dir / "refused.log").string();
  EXPECT_NE(std::system(command.c_str()), 0);
  std::ifstream in(dir / "refused.log");
  const std::string refused((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(refused.find("journal-000001.log at offset 0"), std::string::npos) << refused;
  Daemon salvaged({"--salvage"}, dir);
  EXPECT_NE(salvaged.Log().find("salvage"), std::string::npos);
  EXPECT_EQ(salvaged.Stop(), 0);
}

TEST(Stayawayd, TwoHundredConcurrentConnectionsAreAllAcknowledged) {
  Daemon daemon;
  ASSERT_EQ(Http(daemon.http(), "POST", "/v1/orders", OrderJson()).status, 201);
  constexpr int kClients = 200;
  constexpr int kBatches = 5;
  std::atomic<int> acked{0};
  std::vector<std::thread> clients;
  const TimeMs t = NowMs() - 600'000;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      tools::DaemonClient client;
      if (!ConnectAndAuthenticate(client, daemon.ingest()).ok()) return;
      for (int b = 0; b < kBatches; ++b) {
        v1::ClientFrame frame;
        frame.mutable_batch()->set_batch_id(static_cast<uint64_t>(b));
        v1::Fix* fix = frame.mutable_batch()->add_fixes();
        fix->set_device(c % 2 ? "tag-1" : "phone-2");
        fix->set_seq(static_cast<uint64_t>(c * kBatches + b + 1));
        MsToTimestamp(t + c * kBatches + b, fix->mutable_time());
        fix->set_lat(42.87 + (c % 2) * 0.1);
        fix->set_lon(74.59);
        fix->set_accuracy_m(10);
        v1::ServerFrame reply;
        if (!client.Send(frame).ok() || !client.Receive(&reply).ok()) return;
        if (reply.has_ack() && reply.ack().batch_id() == static_cast<uint64_t>(b) &&
            reply.ack().accepted_size() == 1) {
          ++acked;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(acked.load(), kClients * kBatches);
  EXPECT_EQ(daemon.Stop(), 0);
  EXPECT_NE(daemon.Log().find("\"msg\":\"stopped\""), std::string::npos);
}

}  // namespace
}  // namespace stayaway
