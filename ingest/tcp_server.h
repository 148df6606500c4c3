// TcpIngestServer: the daemon's Protobuf-over-TCP port, on Boost.Asio. Integrators stream
// fixes into it and subscribers take events out of it; it only talks to the core through
// three of MonitoringService's role interfaces: FixSink, EventFeed and AccessGate.
//
// Protocol (proto/stayaway.proto, "the daemon's wire protocol"): both directions carry
// varint-delimited frames (frame_codec.h). A client sends ClientFrames, the first of
// them `authenticate` with a credential's bearer token (access/): the server answers
// `authenticated`, or an ErrorFrame "unauthenticated" and closes the connection, as it
// does for any other frame sent first and for every frame once the credential is revoked.
// A batch needs the ingest role (fixes for devices the credential is not registered for
// are rejected one by one, "permission_denied") and a subscribe the operator or auditor
// role (an auditor's events come reduced to the auditor's view, access/redaction.h); without
// it the frame gets an ErrorFrame "permission_denied" and the connection carries on. Every
// refusal is reported to the service (logged and counted). A `batch` is handed
// to the engine whole; once the engine has taken every fix in, the server answers with a
// BatchAck echoing the batch_id and listing the accepted fixes (device, seq), the rejected
// ones with their index, a code and a reason, and how many were duplicates. A full engine
// queue pushes back on the connection (the server stops reading it and retries after a
// short backoff); it never drops a batch. Replies go out in the order their frames came in.
// A `subscribe` turns the connection into a subscriber: it receives every EventRecord with
// seq >= from_seq, the backlog first, then live events, at its own pace (with from_now,
// or a from_seq past the newest event, only events appended after the subscription).
// Device ids and subscriber names follow the identifier rule (base/identifier.h): a fix
// with another device id is refused by itself ("invalid_argument"). A frame whose
// bytes are not a ClientFrame, or a batch over max_fixes_per_batch, gets an ErrorFrame and
// the connection carries on; a frame over max_frame_bytes or with a malformed length gets
// an ErrorFrame and the connection is closed, since the stream cannot be resynchronised.
// Whatever was acknowledged before an error stays in the engine. No exception escapes a
// connection: every callback of a session runs through one guard that counts what is
// thrown ("internal_error") and closes that connection.
//
//   TcpIngestServer server(io, core, {boost::asio::ip::make_address("127.0.0.1"), 7100});
//   if (Status started = server.Start(); !started.ok()) ...;
//   io.run();                        // on one or more threads
//   server.Stop();                   // from any thread
//
// Memory per connection is bounded: at most max_batches_in_flight unanswered frames, one
// frame being read, one write outstanding, the fixes of its last batch when it had at most
// 1,024 (kept to decode the next one into: client_frame_decoder.h), and for a subscriber
// one chunk of events; a slow subscriber only falls behind (its lag is reported), it
// never holds up ingest.
//
// Thread-safety: all work runs on the io_context (each connection on its own strand, so
// the io_context may be run by several threads). Start() must be called once, before
// Stop(). Stop() may be called from any thread: it posts the shutdown to the io_context,
// so the io_context must keep running until the connections have closed. The service
// must outlive the server, and callbacks the core still holds post into the io_context:
// stop the core before destroying the io_context.
#ifndef STAYAWAY_INGEST_TCP_SERVER_H_
#define STAYAWAY_INGEST_TCP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>

#include "base/status.h"
#include "ingest/connection_admission.h"
#include "ingest/frame_codec.h"
#include "ingest/monitoring_service.h"

namespace boost::asio::ssl {
class context;
}

namespace stayaway::ingest {

struct TcpIngestOptions {
  // TLS on every connection when set (tls_context.h; with a client CA: mutual TLS). A
  // client that does not complete the handshake is closed and counted ("tls_handshake").
  std::shared_ptr<boost::asio::ssl::context> tls;
  // Largest ClientFrame accepted; a larger one closes the connection.
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  // Largest batch accepted; a larger one is refused whole with "too_many_fixes".
  std::size_t max_fixes_per_batch = 10000;
  // An authenticated connection that completes no frame and reads nothing for this long is
  // closed (slow-loris protection: trickling bytes of a frame does not count). Time spent
  // waiting on the engine, and a subscriber waiting for new events, do not count.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);
  // Open and unauthenticated connections at most, and the time allowed to authenticate
  // (connection_admission.h): a connection that has sent no accepted authenticate frame
  // within limits.auth_timeout of its accept (TLS handshake included) is closed
  // ("auth_timeout"); too many unauthenticated connections, in all or from one address,
  // close the oldest of them ("evicted_unauthenticated"); past max_connections with every
  // connection authenticated, a new one is closed as soon as it is accepted
  // ("too_many_connections"). Defaults: 4096 open, 512 unauthenticated, 64
  // unauthenticated per client address, 10 s.
  ConnectionLimits limits{.max_connections = 4096};
  // Frames read but not yet answered; past this the connection is not read until replies
  // have been written (a client that never reads its acks stops being read).
  std::size_t max_batches_in_flight = 16;
  // Events read from the log and written to a subscriber at a time.
  std::size_t subscriber_chunk_events = 256;
  // Backoff between attempts to hand a batch to a full engine queue: starts at the
  // minimum, doubles up to the maximum.
  std::chrono::milliseconds min_retry_backoff = std::chrono::milliseconds(1);
  std::chrono::milliseconds max_retry_backoff = std::chrono::milliseconds(5);
};

class TcpIngestServer {
 public:
  TcpIngestServer(boost::asio::io_context& io, MonitoringService& service,
                  boost::asio::ip::tcp::endpoint endpoint, TcpIngestOptions options = {});
  // The same with the core's roles given one by one (each must outlive the server).
  TcpIngestServer(boost::asio::io_context& io, FixSink& fixes, EventFeed& feed, AccessGate& access,
                  boost::asio::ip::tcp::endpoint endpoint, TcpIngestOptions options = {});
  ~TcpIngestServer();  // Stop()s
  TcpIngestServer(const TcpIngestServer&) = delete;
  TcpIngestServer& operator=(const TcpIngestServer&) = delete;

  // Binds and listens, then accepts on the io_context. Fails with a message naming the
  // address when the port cannot be bound.
  Status Start();
  // Closes the listening socket and every connection. Idempotent; any thread.
  void Stop();

  // The port actually bound (useful after binding port 0); 0 before Start().
  uint16_t port() const;
  // Connections currently open.
  std::size_t connection_count() const;

 private:
  struct Shared;
  class Session;
  std::shared_ptr<Shared> shared_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_TCP_SERVER_H_
