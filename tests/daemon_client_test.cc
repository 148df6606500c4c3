// The tools' ingest client against a peer that accepts and then says nothing: with a
// receive timeout it gives up with a message (tests use one so that a silent daemon fails
// a test instead of hanging it); without one it would wait for ever, as a subscriber must.
#include "tools/daemon_client.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "tests/raw_http.h"

namespace stayaway {
namespace {

TEST(DaemonClient, AReceiveTimeoutEndsTheWaitForASilentPeerWithAMessage) {
  uint16_t port = 0;
  const int listener = testing_harness::ListenLoopback(port);
  ASSERT_GE(listener, 0);
  tools::DaemonClient client;
  ASSERT_TRUE(client.Connect("127.0.0.1:" + std::to_string(port)).ok());
  client.SetReceiveTimeout(200);
  const auto started = std::chrono::steady_clock::now();
  v1::ServerFrame frame;
  const Status received = client.Receive(&frame);
  const auto waited = std::chrono::steady_clock::now() - started;
  EXPECT_FALSE(received.ok());
  EXPECT_NE(received.message().find("receive timeout"), std::string::npos) << received.message();
  EXPECT_GE(waited, std::chrono::milliseconds(150));
  EXPECT_LT(waited, std::chrono::seconds(5));
  ::close(listener);
}

}  // namespace
}  // namespace stayaway
