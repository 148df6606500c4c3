// DaemonClient: a small blocking client of stayawayd's ingest port (varint-delimited
// ClientFrame / ServerFrame, see proto/stayaway.proto), for the command-line tools.
// Not for servers: it blocks the calling thread. Thread-compatible, with one exception for
// full-duplex use (the load generator): one thread may Send while another Receives, and
// Shutdown may be called from any thread to end a Receive blocked on another.
#ifndef STAYAWAY_TOOLS_DAEMON_CLIENT_H_
#define STAYAWAY_TOOLS_DAEMON_CLIENT_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"

namespace stayaway::tools {

class DaemonClient {
 public:
  DaemonClient() = default;
  ~DaemonClient();
  DaemonClient(const DaemonClient&) = delete;
  DaemonClient& operator=(const DaemonClient&) = delete;

  // `target` is HOST:PORT (an IPv4 address or a name).
  Status Connect(std::string_view target);
  // Sends the authenticate frame and waits for the daemon's answer (the first thing to
  // do on a new connection). Unauthenticated with the daemon's reason when refused.
  Status Authenticate(std::string_view token);
  Status Send(const v1::ClientFrame& frame);
  // Blocks until a whole frame arrives; FailedPrecondition when the daemon closed, or
  // when nothing arrived for the receive timeout (if one is set).
  Status Receive(v1::ServerFrame* frame);
  // Receive gives up after `ms` without a byte (0, the default: waits for ever, as a
  // subscriber does). Tests set one, so that a daemon that stops answering fails a test
  // with a message instead of hanging it. After Connect.
  void SetReceiveTimeout(int ms);
  // Shuts the connection down in both directions: a blocked Receive returns
  // FailedPrecondition, later Sends fail. The descriptor is closed by the destructor.
  void Shutdown();

 private:
  int fd_ = -1;
  ingest::FrameReader reader_;
};

}  // namespace stayaway::tools

#endif  // STAYAWAY_TOOLS_DAEMON_CLIENT_H_
