#include "ingest/tcp_server.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "access/redaction.h"
#include "ingest/batch_ack_encoder.h"
#include "ingest/client_frame_decoder.h"
#include "ingest/connection_guard.h"
#include "ingest/event_cursor.h"
#include "ingest/id_checks.h"
#include "ingest/tls_stream.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using boost::system::error_code;

namespace {

constexpr std::string_view kSource = "tcp";
constexpr std::size_t kReadChunkBytes = 16 * 1024;
// After a framing error the server shuts its side, then drains the peer's input for this
// long before closing: closing with unread input makes the kernel send RST, which can
// destroy the ErrorFrame before the peer has read it.
constexpr auto kLingerAfterFramingError = std::chrono::seconds(1);
// Accept failures (out of file descriptors, say) are retried after this, not in a spin.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

std::string RemoteAddress(const tcp::socket& socket) {
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : peer.address().to_string() + ":" + std::to_string(peer.port());
}

std::string EncodeError(std::string_view code, std::string message) {
  v1::ServerFrame frame;
  frame.mutable_error()->set_code(std::string(code));
  frame.mutable_error()->set_message(std::move(message));
  return EncodeFrame(frame);
}

}  // namespace

// What the listener and every session share; handlers hold it by shared_ptr, so it lives
// until the last of them has run, whatever the order of destruction.
struct TcpIngestServer::Shared : std::enable_shared_from_this<Shared> {
  Shared(asio::io_context& io_context, FixSink& fix_sink, EventFeed& event_feed,
         AccessGate& access_gate, tcp::endpoint bind_to, TcpIngestOptions opts)
      : io(io_context),
        fixes(fix_sink),
        feed(event_feed),
        access(access_gate),
        endpoint(bind_to),
        options(opts),
        admission(opts.limits),
        acceptor(asio::make_strand(io_context)) {}

  void Accept();
  void Admit(tcp::socket socket);
  void Stop();
  void Forget(uint64_t session_id);
  void Evict(const std::vector<uint64_t>& session_ids);

  asio::io_context& io;
  FixSink& fixes;
  EventFeed& feed;
  AccessGate& access;
  const tcp::endpoint endpoint;
  const TcpIngestOptions options;
  ConnectionAdmission admission;
  tcp::acceptor acceptor;  // used on its own strand only (after Start)
  std::atomic<uint16_t> port{0};
  std::atomic<bool> stopping{false};

  mutable std::mutex mu;
  std::unordered_map<uint64_t, std::weak_ptr<Session>> sessions;  // guarded by mu
  uint64_t next_session_id = 1;                                   // guarded by mu
};

// One connection. Every member function runs on the connection's strand (executor_);
// the engine's callbacks reach it only by posting there.
class TcpIngestServer::Session : public std::enable_shared_from_this<Session> {
  // Every callback of this session is wrapped here (ingest/connection_guard.h): the wrapper
  // keeps the session alive until it has run, and nothing it throws gets past it. This is the
  // one place that stands between a connection's code and the io_context's threads: what is
  // thrown is counted ("internal_error") and closes this connection, never the process.
  template <class F>
  auto Guarded(F f) {
    return GuardCallback(shared_from_this(), &Session::OnException, std::move(f));
  }

 public:
  Session(std::shared_ptr<Shared> shared, uint64_t id, tcp::socket socket)
      : shared_(std::move(shared)),
        fixes_(shared_->fixes),
        feed_(shared_->feed),
        access_(shared_->access),
        options_(shared_->options),
        id_(id),
        socket_(std::move(socket), shared_->options.tls.get()),
        executor_(socket_.get_executor()),
        idle_timer_(executor_),
        retry_timer_(executor_),
        remote_(RemoteAddress(socket_.next_layer())),
        reader_(options_.max_frame_bytes) {}

  void Start() {
    asio::post(executor_, Guarded([this] { Begin(); }));
  }
  void RequestClose() {
    asio::post(executor_, Guarded([this] { Close(); }));
  }
  // This unauthenticated connection lost its place to a newer one (connection_admission.h).
  void Evict() {
    asio::post(executor_, Guarded([this] {
                 if (closed_) return;
                 fixes_.CountRejected(kSource, "evicted_unauthenticated");
                 Close();
               }));
  }

 private:
  // One reply owed to the client. Replies are written in the order their frames came
  // in, so a reply that is ready waits for the ones before it.
  struct OwedReply {
    uint64_t ticket = 0;
    std::optional<std::string> encoded;  // the ServerFrame, once known
    uint64_t batch_id = 0;
    BatchFixIds fixes;                 // what the ack names each fix by
    std::vector<FixOutcome> outcomes;  // one per fix: the refused ones filled in up front
    std::vector<std::size_t> submitted;  // positions of the fixes handed to the engine
  };

  void OnException() noexcept {
    try {
      fixes_.CountRejected(kSource, "internal_error");
    } catch (...) {
    }
    try {
      Close();
    } catch (...) {
      closed_ = true;
      error_code ignored;
      socket_.next_layer().close(ignored);
      shared_->Forget(id_);
    }
  }

  void Begin() {
    if (closed_) return;  // Stop() got here first
    last_activity_ = Clock::now();
    auth_deadline_ = last_activity_ + options_.limits.auth_timeout;
    ArmTimer(std::min<Clock::duration>(options_.idle_timeout, options_.limits.auth_timeout));
    if (!socket_.is_tls()) {
      ProcessFrames();
      return;
    }
    // The auth deadline also bounds the handshake: a client that never finishes it goes.
    socket_.async_handshake(Guarded([this](error_code ec) {
      if (closed_) return;
      if (ec) {
        fixes_.CountRejected(kSource, "tls_handshake");
        Close();
        return;
      }
      last_activity_ = Clock::now();
      ProcessFrames();
    }));
  }

  // ---- reading -------------------------------------------------------------------

  std::size_t Unanswered() const {
    return owed_.size() + replies_in_outbox_ + replies_in_write_;
  }

  // Handles buffered frames while the connection may take more, then reads. Not reading
  // is how every kind of push-back reaches the client: TCP flow control does the rest.
  void ProcessFrames() {
    std::string frame;
    while (!closed_ && !closing_ && !waiting_batch_ &&
           Unanswered() < options_.max_batches_in_flight) {
      switch (reader_.Next(&frame)) {
        case FrameReader::Result::kFrame:
          HandleFrame(frame);
          break;
        case FrameReader::Result::kNeedMore:
          if (peer_done_sending_) {
            FinishIfDone();
          } else {
            StartRead();
          }
          return;
        case FrameReader::Result::kError:
          OnFramingError();
          return;
      }
    }
  }

  void StartRead() {
    if (reading_ || closed_ || peer_done_sending_) return;
    reading_ = true;
    socket_.async_read_some(
        asio::buffer(read_buffer_),
        Guarded([this](error_code ec, std::size_t bytes) { OnRead(ec, bytes); }));
  }

  void OnRead(error_code ec, std::size_t bytes) {
    reading_ = false;
    if (closed_) return;
    if (lingering_) {  // draining input after a framing error: discard it
      if (ec) {
        Close();
      } else {
        StartRead();
      }
      return;
    }
    if (ec == asio::error::eof && !subscribed_) {
      // The client may half-close after its last batch and still wait for the acks.
      peer_done_sending_ = true;
      FinishIfDone();
      return;
    }
    if (ec) {  // reset, or a subscriber that went away
      Close();
      return;
    }
    reader_.Feed(std::string_view(read_buffer_.data(), bytes));
    ProcessFrames();
  }

  void HandleFrame(const std::string& bytes) {
    // Only whole frames count as activity: a peer trickling a frame byte by byte is
    // still idle (slow-loris).
    last_activity_ = Clock::now();
    const ClientFrameDecoder::Result decoded = decoder_.Decode(bytes);
    if (decoded == ClientFrameDecoder::Result::kMalformed) {
      Refuse("malformed_protobuf", "the frame's bytes are not a ClientFrame");
      return;
    }
    v1::ClientFrame& frame = decoder_.frame();  // unless it was a batch alone
    const v1::ClientFrame::FrameCase frame_case = decoded == ClientFrameDecoder::Result::kBatch
                                                      ? v1::ClientFrame::kBatch
                                                      : frame.frame_case();
    if (frame_case == v1::ClientFrame::kAuthenticate) {
      HandleAuthenticate(frame.authenticate());
      return;
    }
    if (frame_case == v1::ClientFrame::FRAME_NOT_SET) {
      Refuse("malformed_protobuf", "the frame holds neither a batch nor a subscribe");
      return;
    }
    if (principal_ == nullptr) {
      RefuseAccessAndClose("unauthenticated",
                           "the first frame must be an authenticate frame with a credential's token",
                           "a frame before authenticating");
      return;
    }
    if (principal_->Revoked()) {
      RefuseAccessAndClose("unauthenticated", "this connection's credential was revoked",
                           principal_->Describe() + " (revoked) sent a frame");
      return;
    }
    switch (frame_case) {
      case v1::ClientFrame::kBatch:
        if (!principal_->Has(access::Permission::kSubmitFixes)) {
          RefusePermission(access::Permission::kSubmitFixes);
          return;
        }
        HandleBatch(decoded == ClientFrameDecoder::Result::kBatch ? decoder_.batch()
                                                                  : *frame.mutable_batch());
        decoder_.Trim();
        return;
      case v1::ClientFrame::kSubscribe:
        if (!principal_->Has(access::Permission::kReadEvents)) {
          RefusePermission(access::Permission::kReadEvents);
          return;
        }
        HandleSubscribe(frame.subscribe());
        return;
      case v1::ClientFrame::kAuthenticate:
      case v1::ClientFrame::FRAME_NOT_SET:
        return;  // handled above
    }
  }

  // ---- access --------------------------------------------------------------------

  void HandleAuthenticate(const v1::Authenticate& authenticate) {
    if (principal_ != nullptr) {
      Refuse("already_authenticated", "this connection is already authenticated as " +
                                          principal_->name());
      return;
    }
    principal_ = access_.Authenticate(authenticate.token());
    if (principal_ == nullptr) {
      RefuseAccessAndClose("unauthenticated", "the token is not a credential's token",
                           authenticate.token().empty() ? "an empty token" : "an unknown token");
      return;
    }
    // No longer evicted to make room, nor held to the auth deadline. (False: evicted a
    // moment ago; the close is on its way.)
    shared_->admission.MarkAuthenticated(id_);
    withhold_protected_ = !access::SeesEventsWhole(*principal_);
    v1::ServerFrame frame;
    v1::Authenticated* who = frame.mutable_authenticated();
    who->set_credential_id(principal_->id());
    who->set_name(principal_->name());
    for (access::Role role : principal_->roles()) who->add_roles(role);
    OweReadyReply(EncodeFrame(frame));
  }

  // A known credential without the permission: refused, the connection carries on.
  void RefusePermission(access::Permission permission) {
    access_.ReportAccessRefused(kSource, "permission_denied",
                                principal_->Describe() + " may not " +
                                    std::string(access::PermissionName(permission)) +
                                    " (tcp from " + remote_ + ")");
    OweReadyReply(EncodeError("permission_denied",
                              "credential '" + principal_->name() + "' may not " +
                                  std::string(access::PermissionName(permission)) +
                                  "; that needs the " + access::RolesGranting(permission) +
                                  " role"));
  }

  // No credential, or a revoked one: answer, then close once the owed replies are out.
  void RefuseAccessAndClose(std::string_view code, std::string message, std::string detail) {
    access_.ReportAccessRefused(kSource, code, detail + " (tcp from " + remote_ + ")");
    closing_ = true;
    OweReadyReply(EncodeError(code, std::move(message)));
    FinishIfDone();
  }

  // A frame that was read whole but cannot be served: the stream is intact, carry on.
  void Refuse(std::string_view code, std::string message) {
    fixes_.CountRejected(kSource, code);
    OweReadyReply(EncodeError(code, std::move(message)));
  }

  // A frame that cannot even be delimited: no later byte can be trusted. Answer after
  // the replies already owed, then close (FinishIfDone).
  void OnFramingError() {
    closing_ = true;
    fixes_.CountRejected(kSource, reader_.error_code());
    OweReadyReply(EncodeError(reader_.error_code(), reader_.error_message()));
  }

  // ---- batches -------------------------------------------------------------------

  // Takes the fixes it hands to the engine out of `batch`, leaving used ones in their
  // place for the next frame to be decoded into.
  void HandleBatch(v1::FixBatch& batch) {
    const auto fix_count = static_cast<std::size_t>(batch.fixes_size());
    if (fix_count > options_.max_fixes_per_batch) {
      Refuse("too_many_fixes", "batch " + std::to_string(batch.batch_id()) + " has " +
                                   std::to_string(fix_count) + " fixes; the limit is " +
                                   std::to_string(options_.max_fixes_per_batch));
      return;
    }
    OwedReply reply;
    reply.ticket = next_ticket_++;
    reply.batch_id = batch.batch_id();
    std::size_t id_bytes = 0;
    for (const v1::Fix& fix : batch.fixes()) id_bytes += fix.device().size();
    reply.fixes.Reserve(fix_count, id_bytes);
    reply.outcomes.resize(fix_count);
    // The engine's used fixes are swapped in for the ones it gets.
    std::vector<v1::Fix> admitted = fixes_.TakeUsedFixes();
    admitted.reserve(fix_count);
    reply.submitted.reserve(fix_count);
    std::size_t admitted_count = 0;
    for (std::size_t i = 0; i < fix_count; ++i) {
      v1::Fix& fix = *batch.mutable_fixes(static_cast<int>(i));
      reply.fixes.Add(fix.device(), fix.seq());
      if (Status s = CheckFixIds(fix); !s.ok()) {  // refused by itself, as on every port
        fixes_.CountRejected(kSource, "invalid_argument");
        reply.outcomes[i].code = "invalid_argument";
        reply.outcomes[i].reason = s.message();
        continue;
      }
      if (!principal_->MayReportFor(fix.device())) {
        // Refused one by one: the gateway's other devices are not held hostage.
        access_.ReportAccessRefused(kSource, "permission_denied",
                                    principal_->Describe() + " sent a fix for device " +
                                        fix.device() + " (tcp from " + remote_ + ")");
        reply.outcomes[i].code = "permission_denied";
        reply.outcomes[i].reason =
            "credential '" + principal_->name() + "' may not send fixes for device " + fix.device();
        continue;
      }
      reply.submitted.push_back(i);
      if (admitted_count == admitted.size()) admitted.emplace_back();
      admitted[admitted_count++].Swap(&fix);
    }
    admitted.resize(admitted_count);
    if (admitted.empty()) {  // nothing for the engine to do
      reply.encoded = ack_encoder_.Encode(reply.batch_id, reply.fixes, reply.outcomes);
      owed_.push_back(std::move(reply));
      WriteReadyReplies();
      return;
    }
    waiting_ticket_ = reply.ticket;
    owed_.push_back(std::move(reply));
    waiting_batch_.emplace(std::move(admitted));
    retry_backoff_ = options_.min_retry_backoff;
    SubmitWaitingBatch();
  }

  // Hands the waiting batch to the engine; on a full queue, tries again after a backoff
  // and reads nothing from this client meanwhile. Never drops the batch.
  void SubmitWaitingBatch() {
    // A refused batch is left as it was: the same vector is offered again after the backoff.
    const uint64_t ticket = waiting_ticket_;
    const bool taken = fixes_.SubmitFixes(
        std::move(*waiting_batch_), kSource,
        [self = shared_from_this(), ticket](std::vector<FixOutcome> outcomes) {
          // On the engine thread: hop to the connection's strand.
          asio::post(self->executor_, self->Guarded([self = self.get(), ticket,
                                                     outcomes = std::move(outcomes)]() mutable {
            self->OnBatchDone(ticket, std::move(outcomes));
          }));
        });
    if (taken) {
      waiting_batch_.reset();
      ++batches_in_engine_;
      return;
    }
    retry_timer_.expires_after(retry_backoff_);
    retry_backoff_ = std::min(retry_backoff_ * 2, options_.max_retry_backoff);
    retry_timer_.async_wait(Guarded([this](error_code ec) {
      if (ec || closed_) return;
      SubmitWaitingBatch();
      if (!waiting_batch_) ProcessFrames();
    }));
  }

  void OnBatchDone(uint64_t ticket, std::vector<FixOutcome> outcomes) {
    --batches_in_engine_;
    if (closed_) return;
    last_activity_ = Clock::now();  // the idle clock restarts once the engine answered
    const auto reply = std::find_if(owed_.begin(), owed_.end(),
                                    [ticket](const OwedReply& r) { return r.ticket == ticket; });
    if (reply == owed_.end()) return;  // cannot happen: owed replies leave only when written
    for (std::size_t k = 0; k < reply->submitted.size(); ++k) {
      // The service promises one outcome per fix; if it ever breaks that, say so per fix
      // rather than claim the fix was taken in.
      reply->outcomes[reply->submitted[k]] =
          k < outcomes.size() ? std::move(outcomes[k])
                              : FixOutcome{false, false, "internal", "the engine reported no outcome"};
    }
    reply->encoded = ack_encoder_.Encode(reply->batch_id, reply->fixes, reply->outcomes);
    WriteReadyReplies();
  }

  // ---- subscriptions -------------------------------------------------------------

  void HandleSubscribe(const v1::Subscribe& subscribe) {
    if (subscribed_) {
      Refuse("already_subscribed", "this connection is already a subscriber");
      return;
    }
    if (!subscribe.name().empty()) {
      if (Status s = CheckIdentifier(subscribe.name(), "subscriber name"); !s.ok()) {
        Refuse("invalid_argument", s.message());
        return;
      }
    }
    subscribed_ = true;
    events_.emplace(feed_,
                    subscribe.name().empty() ? "tcp-" + std::to_string(id_) : subscribe.name(),
                    /*whole=*/!withhold_protected_);
    // A from_seq past the newest event means "nothing new yet": start with the next one
    // appended (event_cursor.h).
    if (subscribe.from_now()) {
      events_->StartNow();
    } else {
      events_->StartAt(subscribe.from_seq());
    }
    // Listen before reading the backlog, so an event appended in between is not missed.
    events_->Listen(executor_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->Guarded([self = self.get()] { self->Flush(); })();
    });
    events_->ReportLag();
    Flush();
  }

  // Appends the next chunk of events to *out; false when the subscriber is up to date.
  // (An auditor's records come reduced to the auditor's view by the cursor.)
  bool AppendEventChunk(std::string* out) {
    std::vector<v1::EventRecord> records;
    if (!events_->Read(options_.subscriber_chunk_events, &records)) return false;
    v1::ServerFrame frame;
    for (v1::EventRecord& record : records) {
      *frame.mutable_event() = std::move(record);
      AppendFrame(frame, out);
    }
    return true;
  }

  // ---- writing -------------------------------------------------------------------

  void OweReadyReply(std::string encoded) {
    OwedReply reply;
    reply.ticket = next_ticket_++;
    reply.encoded = std::move(encoded);
    owed_.push_back(std::move(reply));
    WriteReadyReplies();
  }

  // Moves the replies that are ready, in order, to the outbox and writes.
  void WriteReadyReplies() {
    while (!owed_.empty() && owed_.front().encoded) {
      outbox_ += *owed_.front().encoded;
      ++replies_in_outbox_;
      owed_.pop_front();
    }
    Flush();
  }

  // Starts the one write this connection may have outstanding: replies first, else the
  // subscriber's next chunk of events (read from the log only now, so a slow subscriber
  // costs a position in the log, not memory here).
  void Flush() {
    if (closed_) return;
    if (write_in_progress_) {
      // A subscriber that stopped reading never finishes its write: report the events it
      // is missing now, or the lag metric would stay at its last value while it grows.
      if (subscribed_) events_->ReportLag();
      return;
    }
    if (subscribed_ && !closing_ && principal_->Revoked()) {  // no more events for it
      RefuseAccessAndClose("unauthenticated", "this connection's credential was revoked",
                           principal_->Describe() + " (revoked) subscriber");
      return;
    }
    bool events = false;
    if (outbox_.empty() && subscribed_ && !closing_) events = AppendEventChunk(&outbox_);
    if (outbox_.empty()) return;
    writing_.swap(outbox_);
    outbox_.clear();
    replies_in_write_ = replies_in_outbox_;
    replies_in_outbox_ = 0;
    write_has_events_ = events;
    write_in_progress_ = true;
    asio::async_write(socket_, asio::buffer(writing_),
                      Guarded([this](error_code ec, std::size_t) { OnWritten(ec); }));
  }

  void OnWritten(error_code ec) {
    write_in_progress_ = false;
    if (closed_) return;
    if (ec) {
      Close();
      return;
    }
    last_activity_ = Clock::now();
    // A burst of events can make this buffer large; don't keep that for a quiet client.
    if (writing_.capacity() > 4 * kReadChunkBytes) {
      std::string().swap(writing_);
    } else {
      writing_.clear();
    }
    replies_in_write_ = 0;
    if (write_has_events_) events_->ReportLag();
    Flush();
    ProcessFrames();
    FinishIfDone();
  }

  // Closes once nothing more is owed: after a framing error (lingering first), or after
  // the client stopped sending.
  void FinishIfDone() {
    if (closed_ || lingering_) return;
    if (Unanswered() > 0 || write_in_progress_ || waiting_batch_) return;
    if (closing_) {
      StartLinger();
    } else if (peer_done_sending_) {
      Close();
    }
  }

  void StartLinger() {
    lingering_ = true;
    linger_deadline_ = Clock::now() + kLingerAfterFramingError;
    error_code ignored;
    socket_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
    if (peer_done_sending_) {
      Close();
      return;
    }
    ArmTimer(kLingerAfterFramingError);
    StartRead();
  }

  // ---- idle timeout and closing ----------------------------------------------------

  void ArmTimer(Clock::duration after) {
    idle_timer_.expires_after(after);
    idle_timer_.async_wait(Guarded([this](error_code ec) {
      if (!ec) OnTimer();
    }));
  }

  void OnTimer() {
    if (closed_) return;
    const auto now = Clock::now();
    if (lingering_) {
      if (now >= linger_deadline_) {
        Close();
      } else {
        ArmTimer(linger_deadline_ - now);
      }
      return;
    }
    if (principal_ == nullptr) {  // not authenticated in time: no more waiting
      if (now >= auth_deadline_) {
        fixes_.CountRejected(kSource, "auth_timeout");
        Close();
        return;
      }
    }
    // Silence is not the client's fault while the engine has its batch, or while a
    // subscriber simply has no new events to receive.
    const bool waiting_on_us = batches_in_engine_ > 0 || waiting_batch_.has_value() ||
                               (subscribed_ && !write_in_progress_);
    if (waiting_on_us) last_activity_ = now;
    const auto deadline = last_activity_ + options_.idle_timeout;
    if (now >= deadline) {
      fixes_.CountRejected(kSource, "idle_timeout");
      Close();
      return;
    }
    ArmTimer((principal_ == nullptr ? std::min(deadline, auth_deadline_) : deadline) - now);
  }

  void Close() {
    if (closed_) return;
    closed_ = true;
    idle_timer_.cancel();
    retry_timer_.cancel();
    error_code ignored;
    socket_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    socket_.next_layer().close(ignored);
    if (events_) events_->Close();  // stops listening, forgets the lag metric
    // A batch still waiting for room in the engine's queue was never acknowledged, so
    // dropping it here loses nothing the client was told is safe.
    waiting_batch_.reset();
    shared_->Forget(id_);
  }

  const std::shared_ptr<Shared> shared_;
  FixSink& fixes_;
  EventFeed& feed_;
  AccessGate& access_;
  const TcpIngestOptions& options_;
  const uint64_t id_;
  MaybeTlsStream<tcp::socket> socket_;
  const tcp::socket::executor_type executor_;  // the connection's strand
  asio::steady_timer idle_timer_;              // idle timeout, then the linger deadline
  asio::steady_timer retry_timer_;             // backoff while the engine's queue is full

  bool closed_ = false;
  Clock::time_point last_activity_;
  Clock::time_point auth_deadline_;  // closed then unless authenticated
  const std::string remote_;  // the peer's address, for logs
  // Who the connection speaks as, once its Authenticate frame was accepted.
  std::shared_ptr<const access::Principal> principal_;
  bool withhold_protected_ = true;  // it gets the auditor's view (access/redaction.h)

  // Reading.
  FrameReader reader_;
  ClientFrameDecoder decoder_;  // keeps the last batch's fixes for the next one
  std::array<char, kReadChunkBytes> read_buffer_;
  bool reading_ = false;
  bool peer_done_sending_ = false;
  // No frame is read any more: after a framing or access error, close once the replies
  // owed are written.
  bool closing_ = false;
  bool lingering_ = false;
  Clock::time_point linger_deadline_;

  // Replies and batches.
  BatchAckEncoder ack_encoder_;
  std::deque<OwedReply> owed_;  // not yet moved to the outbox, oldest first
  uint64_t next_ticket_ = 0;
  std::size_t batches_in_engine_ = 0;
  std::optional<std::vector<v1::Fix>> waiting_batch_;  // refused by a full queue
  uint64_t waiting_ticket_ = 0;
  std::chrono::milliseconds retry_backoff_{0};

  // Writing: at most one async_write outstanding.
  std::string outbox_;   // frames waiting for the next write
  std::size_t replies_in_outbox_ = 0;
  std::string writing_;  // the bytes of the outstanding write
  std::size_t replies_in_write_ = 0;
  bool write_has_events_ = false;
  bool write_in_progress_ = false;

  // Subscription.
  bool subscribed_ = false;
  std::optional<EventCursor> events_;  // once subscribed
};

// ---- the listener ------------------------------------------------------------------

void TcpIngestServer::Shared::Accept() {
  acceptor.async_accept(
      asio::make_strand(io), [self = shared_from_this()](error_code ec, tcp::socket socket) {
        if (ec == asio::error::operation_aborted || self->stopping) return;
        if (ec) {
          if (ec == asio::error::no_descriptors) {
            // Out of file descriptors: the oldest unauthenticated connection gives its up.
            if (const auto oldest = self->admission.EvictOldestUnauthenticated()) {
              self->Evict({*oldest});
            }
          }
          auto timer = std::make_shared<asio::steady_timer>(self->acceptor.get_executor(),
                                                            kAcceptRetryDelay);
          timer->async_wait([self, timer](error_code) {
            if (!self->stopping) self->Accept();
          });
          return;
        }
        try {
          // Acks and events are small frames; with Nagle's algorithm an ack waits for the
          // client's next frame or its delayed ACK (up to 40 ms) whenever the previous one
          // is unacknowledged. Measured by `stayaway loadgen`: ack p50 10 ms at 100
          // batches/s with it, about 1 ms without.
          error_code no_delay_error;
          socket.set_option(tcp::no_delay(true), no_delay_error);
          self->Admit(std::move(socket));
        } catch (...) {
          // Out of memory, say: this connection is lost (its socket closes), not the server.
          self->fixes.CountRejected(kSource, "internal_error");
        }
        self->Accept();
      });
}

void TcpIngestServer::Shared::Admit(tcp::socket socket) {
  error_code ignored;
  const std::string address = socket.remote_endpoint(ignored).address().to_string();
  std::shared_ptr<Session> session;
  ConnectionAdmission::Decision decision;
  {
    std::lock_guard lock(mu);
    const uint64_t id = next_session_id++;
    decision = admission.Admit(id, address);
    if (decision.admitted) {
      session = std::make_shared<Session>(shared_from_this(), id, std::move(socket));
      sessions.emplace(id, session);
    }
  }
  Evict(decision.evicted);
  if (!session) {
    fixes.CountRejected(kSource, "too_many_connections");
    socket.close(ignored);
    return;
  }
  session->Start();
}

void TcpIngestServer::Shared::Evict(const std::vector<uint64_t>& session_ids) {
  for (uint64_t id : session_ids) {
    std::shared_ptr<Session> session;
    {
      std::lock_guard lock(mu);
      if (const auto it = sessions.find(id); it != sessions.end()) session = it->second.lock();
    }
    if (session) session->Evict();
  }
}

void TcpIngestServer::Shared::Stop() {
  if (stopping.exchange(true)) return;
  asio::post(acceptor.get_executor(), [self = shared_from_this()] {
    error_code ignored;
    self->acceptor.close(ignored);
    std::vector<std::shared_ptr<Session>> open;
    {
      std::lock_guard lock(self->mu);
      for (const auto& [id, weak] : self->sessions) {
        if (auto session = weak.lock()) open.push_back(std::move(session));
      }
    }
    for (const auto& session : open) session->RequestClose();
  });
}

void TcpIngestServer::Shared::Forget(uint64_t session_id) {
  admission.Remove(session_id);
  std::lock_guard lock(mu);
  sessions.erase(session_id);
}

// ---- the public face ---------------------------------------------------------------

TcpIngestServer::TcpIngestServer(asio::io_context& io, MonitoringService& service,
                                 tcp::endpoint endpoint, TcpIngestOptions options)
    : TcpIngestServer(io, service, service, service, endpoint, std::move(options)) {}

TcpIngestServer::TcpIngestServer(asio::io_context& io, FixSink& fixes, EventFeed& feed,
                                 AccessGate& access, tcp::endpoint endpoint,
                                 TcpIngestOptions options)
    : shared_(std::make_shared<Shared>(io, fixes, feed, access, endpoint, std::move(options))) {}

TcpIngestServer::~TcpIngestServer() { Stop(); }

Status TcpIngestServer::Start() {
  tcp::acceptor& acceptor = shared_->acceptor;
  const tcp::endpoint& endpoint = shared_->endpoint;
  error_code ec;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    error_code ignored;
    acceptor.close(ignored);
    return FailedPrecondition("cannot listen for TCP ingest on " +
                              endpoint.address().to_string() + ":" +
                              std::to_string(endpoint.port()) + ": " + ec.message());
  }
  shared_->port = acceptor.local_endpoint().port();
  shared_->Accept();
  return Status::Ok();
}

void TcpIngestServer::Stop() { shared_->Stop(); }

uint16_t TcpIngestServer::port() const { return shared_->port; }

std::size_t TcpIngestServer::connection_count() const {
  std::lock_guard lock(shared_->mu);
  return shared_->sessions.size();
}

}  // namespace stayaway::ingest
