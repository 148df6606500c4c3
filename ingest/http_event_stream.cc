// HttpApi's server-sent event stream (http_api.h, GET /v1/events/stream): where a
// stream starts (?from=, Last-Event-ID) and the subscription that writes the event log
// to one client at its own pace.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <string>
#include <vector>

#include "access/redaction.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

// One SSE client. Lives on its connection's strand; kept alive by the stream's on_closed
// callback (until the connection ends) and by its own pending callbacks.
class SseSubscription : public std::enable_shared_from_this<SseSubscription> {
 public:
  SseSubscription(MonitoringService& service, std::string name, uint64_t from_seq,
                  std::shared_ptr<const access::Principal> principal, const HttpApiOptions& options,
                  asio::any_io_executor executor)
      : service_(service),
        name_(std::move(name)),
        principal_(std::move(principal)),
        whole_(access::SeesEventsWhole(*principal_)),
        next_seq_(from_seq),
        batch_(std::max<std::size_t>(options.sse_batch_events, 1)),
        keepalive_period_(options.sse_keepalive),
        executor_(executor),
        keepalive_(executor) {}

  void Start(HttpStream stream) {
    stream_ = std::move(stream);
    // The listener runs on the engine thread: it only posts a wake-up to the strand.
    std::weak_ptr<SseSubscription> weak = weak_from_this();
    listener_ = service_.AddEventListener([weak, executor = executor_] {
      asio::post(executor, [weak] {
        if (auto self = weak.lock()) self->Pump();
      });
    });
    // Registered before the first read, so no event can fall between the two.
    Pump();
    ArmKeepAlive();
  }

  void OnClosed() {
    if (closed_) return;
    closed_ = true;
    service_.RemoveEventListener(listener_);
    service_.ForgetSubscriber(name_);
    keepalive_.cancel();
    stream_ = HttpStream();
  }

 private:
  // Reads the next events and writes them, unless a write is still outstanding (then its
  // completion pumps again: backpressure).
  void Pump() {
    if (closed_ || writing_) return;
    if (principal_->Revoked()) {  // its credential was revoked: the stream ends here
      stream_.Close();
      OnClosed();
      return;
    }
    std::vector<v1::EventRecord> records;
    const uint64_t next = service_.ReadEvents(next_seq_, batch_, &records);
    if (records.empty()) return;
    next_seq_ = std::max(next, records.back().seq() + 1);
    std::string text;
    for (v1::EventRecord& record : records) {
      text += "id: " + std::to_string(record.seq()) + "\n";
      text += "event: " + v1::Event::Kind_Name(record.event().kind()) + "\n";
      text += "data: " + JsonFor(whole_, &record) + "\n\n";
    }
    Write(std::move(text));
  }

  void Write(std::string text) {
    writing_ = true;
    stream_.Write(std::move(text), [self = shared_from_this()](bool ok) { self->OnWritten(ok); });
  }

  void OnWritten(bool ok) {
    writing_ = false;
    if (closed_) return;
    if (!ok) {
      OnClosed();
      return;
    }
    const uint64_t head = service_.NextEventSeq();
    service_.ReportSubscriberLag(name_, head > next_seq_ ? head - next_seq_ : 0);
    Pump();
  }

  void ArmKeepAlive() {
    keepalive_.expires_after(keepalive_period_);
    keepalive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      // Only when idle: a stream busy with events needs no comment.
      if (!self->writing_) self->Write(": keep-alive\n\n");
      self->ArmKeepAlive();
    });
  }

  MonitoringService& service_;
  const std::string name_;
  const std::shared_ptr<const access::Principal> principal_;
  const bool whole_;  // false: this reader gets the auditor's view (access/redaction.h)
  uint64_t next_seq_;
  const std::size_t batch_;
  const std::chrono::milliseconds keepalive_period_;
  asio::any_io_executor executor_;
  asio::steady_timer keepalive_;
  HttpStream stream_;
  uint64_t listener_ = 0;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

void HttpApi::StreamEvents(const std::shared_ptr<Context>& ctx) {
  const auto refuse = [&](std::string message) {
    Refuse(*service_, ctx->request, ctx->responder, http::status::bad_request, "invalid_argument",
           message);
  };
  // A position past the newest event (a client that remembers another log, or an absurd
  // number) means "nothing new yet": the stream starts with the next event appended. Read
  // before the subscription listens, so no event can fall in between.
  const uint64_t next_seq = std::max<uint64_t>(service_->NextEventSeq(), 1);
  uint64_t from_seq = 1;
  for (const auto& [key, value] : ctx->query) {
    if (key != "from") return refuse("unknown parameter \"" + key + "\"; known: from");
    if (value == "now") {  // only what happens from here on
      from_seq = next_seq;
      continue;
    }
    const auto seq = ParseUint(value);
    if (!seq) {
      return refuse("from \"" + PrintableId(value) +
                    "\" is neither a sequence number (0 to 18446744073709551615) nor now");
    }
    from_seq = std::clamp<uint64_t>(*seq, 1, next_seq);
  }
  // A reconnecting EventSource sends the last id it received: resume right after it.
  if (const auto it = ctx->request.find("Last-Event-ID"); it != ctx->request.end()) {
    const std::string value(
        TrimJsonSpace(std::string_view(it->value().data(), it->value().size())));
    const auto last = ParseUint(value);
    if (!last) {
      return refuse("Last-Event-ID \"" + PrintableId(value) +
                    "\" is not a sequence number (0 to 18446744073709551615)");
    }
    from_seq = *last < next_seq ? *last + 1 : next_seq;  // never wraps around to 0
  }

  HttpStreamHeader header(http::status::ok, ctx->request.version());
  header.set(http::field::content_type, "text/event-stream");
  header.set(http::field::cache_control, "no-cache");
  auto subscription = std::make_shared<SseSubscription>(
      *service_, "sse-" + std::to_string(next_subscriber_.fetch_add(1)), from_seq, ctx->principal,
      options_, ctx->responder.executor());
  HttpStream stream =
      ctx->responder.StartStream(std::move(header), [subscription] { subscription->OnClosed(); });
  subscription->Start(std::move(stream));
}

}  // namespace stayaway::ingest
