// HttpApi's server-sent event streams (http_api.h): GET /v1/events/stream and /v1/events,
// and the protected person's GET /v1/me/events (http_me.cc), which shows each event through
// its own renderer. Where a stream starts (?from=, Last-Event-ID), whether its events are
// named by kind or unnamed (?stream=message), and the subscription that writes the event
// log to one client at its own pace, through an EventCursor (event_cursor.h).
#include <algorithm>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "access/redaction.h"
#include "ingest/event_cursor.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"
#include "ingest/json_codec.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

// One SSE client. Lives on its connection's strand; kept alive by the stream's on_closed
// callback (until the connection ends) and by its own pending callbacks.
class SseSubscription : public std::enable_shared_from_this<SseSubscription> {
 public:
  // `still_signed_in`, for a stream a browser session opened, keeps the session in use
  // and says whether it is still live (signed out, expired: the stream ends); empty for a
  // bearer token.
  // `whole`: the cursor reads whole records (else the auditor's view, event_cursor.h);
  // `render` gives each record's data line, or nothing to leave the record out.
  SseSubscription(MonitoringService& service, std::string name, StreamStart start, EventNames names,
                  bool whole, EventRenderer render, std::function<bool()> still_signed_in,
                  std::shared_ptr<const access::Principal> principal, const HttpApiOptions& options,
                  asio::any_io_executor executor)
      : principal_(std::move(principal)),
        names_(names),
        render_(std::move(render)),
        still_signed_in_(std::move(still_signed_in)),
        cursor_(service, std::move(name), whole),
        batch_(std::max<std::size_t>(options.sse_batch_events, 1)),
        keepalive_period_(options.sse_keepalive),
        executor_(executor),
        keepalive_(executor) {
    switch (start.from) {
      case StreamStart::From::kSeq:
        cursor_.StartAt(start.seq);
        break;
      case StreamStart::From::kAfter:
        cursor_.StartAfter(start.seq);
        break;
      case StreamStart::From::kNow:
        cursor_.StartNow();
        break;
    }
  }

  void Start(HttpStream stream) {
    stream_ = std::move(stream);
    // Registered before the first read, so no event can fall between the two.
    cursor_.Listen(executor_, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->Pump();
    });
    Pump();
    ArmKeepAlive();
  }

  void OnClosed() {
    if (closed_) return;
    closed_ = true;
    cursor_.Close();
    keepalive_.cancel();
    stream_ = HttpStream();
  }

 private:
  // Reads the next events and writes them, unless a write is still outstanding (then its
  // completion pumps again: backpressure).
  void Pump() {
    if (closed_ || writing_) return;
    if (Ended()) {  // its credential was revoked, or its session ended: the stream ends here
      stream_.Close();
      OnClosed();
      return;
    }
    // Batches whose records the renderer all leaves out write nothing: read on.
    std::string text;
    std::vector<v1::EventRecord> records;
    while (text.empty() && cursor_.Read(batch_, &records)) {
      for (const v1::EventRecord& record : records) {
        std::optional<std::string> data = render_(record);
        if (!data) continue;
        text += "id: " + std::to_string(record.seq()) + "\n";
        if (names_ == EventNames::kByKind) {
          text += "event: " + v1::Event::Kind_Name(record.event().kind()) + "\n";
        }
        text += "data: " + *data + "\n\n";
      }
      records.clear();
    }
    if (!text.empty()) Write(std::move(text));
  }

  bool Ended() const { return principal_->Revoked() || (still_signed_in_ && !still_signed_in_()); }

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
    cursor_.ReportLag();
    Pump();
  }

  void ArmKeepAlive() {
    keepalive_.expires_after(keepalive_period_);
    keepalive_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
      if (ec || self->closed_) return;
      if (self->Ended()) {  // an idle stream also learns of a sign-out, at the latest here
        self->stream_.Close();
        self->OnClosed();
        return;
      }
      // Only when idle: a stream busy with events needs no comment.
      if (!self->writing_) self->Write(": keep-alive\n\n");
      self->ArmKeepAlive();
    });
  }

  const std::shared_ptr<const access::Principal> principal_;
  const EventNames names_;
  const EventRenderer render_;
  const std::function<bool()> still_signed_in_;
  EventCursor cursor_;
  const std::size_t batch_;
  const std::chrono::milliseconds keepalive_period_;
  asio::any_io_executor executor_;
  asio::steady_timer keepalive_;
  HttpStream stream_;
  bool writing_ = false;
  bool closed_ = false;
};

}  // namespace

StatusOr<StreamStart> HttpApi::ParseStreamStart(const Context& ctx, EventNames* names) {
  const auto refuse = [](const std::string& message) { return InvalidArgument(message); };
  // A position past the newest event (a client that remembers another log, or an absurd
  // number) means "nothing new yet": the stream starts with the next event appended
  // (event_cursor.h).
  StreamStart start;
  for (const auto& [key, value] : ctx.query) {
    if (key == "stream" && names != nullptr) {
      if (value == "message") {
        *names = EventNames::kNone;
      } else if (value != "named") {
        return refuse("stream \"" + PrintableId(value) + "\" is not one of message, named");
      }
      continue;
    }
    if (key != "from") {
      return refuse("unknown parameter \"" + key + "\"; known: from" +
                    (names != nullptr ? ", stream" : ""));
    }
    if (value == "now") {  // only what happens from here on
      start.from = StreamStart::From::kNow;
      continue;
    }
    const auto seq = ParseUint(value);
    if (!seq) {
      return refuse("from \"" + PrintableId(value) +
                    "\" is neither a sequence number (0 to 18446744073709551615) nor now");
    }
    start = {StreamStart::From::kSeq, *seq};
  }
  // A reconnecting EventSource sends the last id it received: resume right after it.
  if (const auto it = ctx.request.find("Last-Event-ID"); it != ctx.request.end()) {
    const std::string value(
        TrimJsonSpace(std::string_view(it->value().data(), it->value().size())));
    const auto last = ParseUint(value);
    if (!last) {
      return refuse("Last-Event-ID \"" + PrintableId(value) +
                    "\" is not a sequence number (0 to 18446744073709551615)");
    }
    start = {StreamStart::From::kAfter, *last};
  }
  return start;
}

void HttpApi::StartEventStream(const std::shared_ptr<Context>& ctx, StreamStart start,
                               EventNames names, bool whole, EventRenderer render) {
  HttpStreamHeader header(http::status::ok, ctx->request.version());
  header.set(http::field::content_type, "text/event-stream");
  header.set(http::field::cache_control, "no-cache");
  std::function<bool()> still_signed_in;
  if (ctx->session) {
    still_signed_in = [sessions = sessions_, digest = ctx->session->digest] {
      return sessions->Touch(digest);
    };
  }
  auto subscription = std::make_shared<SseSubscription>(
      *service_, "sse-" + std::to_string(next_subscriber_.fetch_add(1)), start, names, whole,
      std::move(render), std::move(still_signed_in), ctx->principal, options_,
      ctx->responder.executor());
  HttpStream stream =
      ctx->responder.StartStream(std::move(header), [subscription] { subscription->OnClosed(); });
  subscription->Start(std::move(stream));
}

void HttpApi::StreamEvents(const std::shared_ptr<Context>& ctx) {
  EventNames names = EventNames::kByKind;
  StatusOr<StreamStart> start = ParseStreamStart(*ctx, &names);
  if (!start.ok()) return ctx->Refuse(start.status());
  // An auditor's records come reduced by the cursor: withheld fields are absent.
  const bool whole = access::SeesEventsWhole(*ctx->principal);
  StartEventStream(ctx, *start, names, whole, [whole](const v1::EventRecord& record) {
    return std::optional<std::string>(whole ? ToJson(record) : RedactedToJson(record));
  });
}

}  // namespace stayaway::ingest
