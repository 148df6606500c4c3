// HttpApi's handlers for fixes (http_api.h): POST /v1/fixes (a JSON array, answered per
// fix), POST /v1/traccar (a Traccar server's forward), POST /v1/owntracks (the OwnTracks
// app's HTTP mode) and POST /v1/me/sos (a protected
// person's app pressing its panic button), all handed to the engine without blocking an
// io thread, retried while its queue is full.
#include <google/protobuf/util/json_util.h>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/time.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/json_codec.h"
#include "ingest/owntracks_codec.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

// What became of one element of a POST /v1/fixes array.
struct FixResult {
  bool parsed = false;
  std::string device;
  uint64_t seq = 0;
  FixOutcome outcome;
};

// The outcome of a fix for a device the sender is not registered for (reported: logged
// and counted like every refusal of access).
FixOutcome DeviceNotPermitted(MonitoringService& service, const access::Principal& who,
                              const std::string& device, std::string_view source) {
  service.ReportAccessRefused(source, "permission_denied",
                              who.Describe() + " sent a fix for device " + device);
  FixOutcome outcome;
  outcome.code = "permission_denied";
  outcome.reason = "credential '" + who.name() + "' may not send fixes for device " + device;
  return outcome;
}

// The one answer still written by hand: since the start it gives each fix's seq as a JSON
// number ("seq":1), and Protobuf's JSON mapping prints every 64-bit integer as a string
// ("seq":"1"), so printing it through a message would change what clients parse. Device
// ids, codes and reasons are quoted by JsonQuote (base/json_quote.h).
// Written into one buffer, sized for the common result up front: no allocation a fix.
std::string FixResultsJson(const std::vector<FixResult>& results) {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::size_t id_bytes = 0;
  for (const FixResult& r : results) {
    accepted += r.outcome.accepted ? 1 : 0;
    duplicates += r.outcome.duplicate ? 1 : 0;
    id_bytes += r.device.size();
  }
  const auto number = [](std::string* out, uint64_t value) {
    char digits[24];
    const auto end = std::to_chars(digits, digits + sizeof digits, value).ptr;
    out->append(digits, end);
  };
  std::string json;
  json.reserve(96 + results.size() * 80 + id_bytes);
  json += "{\"accepted\":";
  number(&json, accepted);
  json += ",\"duplicates\":";
  number(&json, duplicates);
  json += ",\"rejected\":";
  number(&json, results.size() - accepted);
  json += ",\"results\":[";
  for (std::size_t i = 0; i < results.size(); ++i) {
    const FixResult& r = results[i];
    if (i > 0) json += ',';
    json += "{\"index\":";
    number(&json, i);
    if (r.parsed) {
      json += ",\"device\":";
      json += JsonQuote(r.device);
      json += ",\"seq\":";
      number(&json, r.seq);
    }
    json += ",\"accepted\":";
    json += r.outcome.accepted ? "true" : "false";
    if (r.outcome.accepted) {
      json += ",\"duplicate\":";
      json += r.outcome.duplicate ? "true" : "false";
    } else {
      json += ",\"code\":";
      json += JsonQuote(r.outcome.code);
      json += ",\"reason\":";
      json += JsonQuote(r.outcome.reason);
    }
    json += '}';
  }
  json += "]}\n";
  return json;
}

}  // namespace

void HttpApi::PostFixes(const std::shared_ptr<Context>& ctx) {
  std::vector<std::string_view> elements;
  if (Status s = SplitJsonArray(ctx->request.body(), kMaxDocumentDepth, &elements); !s.ok()) {
    ctx->Refuse(http::status::bad_request, "invalid_argument", "fixes: " + s.message());
    return;
  }

  auto results = std::make_shared<std::vector<FixResult>>(elements.size());
  // Each element is decoded into one Input, and each fix for the engine swapped out of it
  // for a fix the engine has finished with (FixSink::TakeUsedFixes), which the next
  // element is then decoded into: common lines cost no allocation a fix.
  std::vector<v1::Fix> fixes = service_->TakeUsedFixes();
  std::size_t admitted = 0;
  v1::Input input;
  std::vector<std::size_t> positions;  // fixes[k] is element positions[k]
  positions.reserve(elements.size());
  for (std::size_t i = 0; i < elements.size(); ++i) {
    FixResult& result = (*results)[i];
    const auto refuse_element = [&](std::string reason) {
      service_->CountRejected(kHttpApiSource, "invalid_argument");
      result.outcome.code = "invalid_argument";
      result.outcome.reason = std::move(reason);
    };
    if (elements[i].empty()) {
      refuse_element("empty array element");
      continue;
    }
    if (Status s = ParseReplayLineInto(elements[i], &input); !s.ok()) {
      refuse_element(s.message());
      continue;
    }
    if (!input.has_fix()) {
      // The daemon keeps its own clock; a client must not move the engine's "now".
      refuse_element("ticks are not accepted over HTTP: the daemon keeps its own clock");
      continue;
    }
    result.parsed = true;
    result.device = input.fix().device();
    result.seq = input.fix().seq();
    if (!ctx->principal->MayReportFor(result.device)) {
      result.outcome =
          DeviceNotPermitted(*service_, *ctx->principal, result.device, kHttpApiSource);
      continue;
    }
    positions.push_back(i);
    if (admitted == fixes.size()) fixes.emplace_back();
    fixes[admitted++].Swap(input.mutable_fix());
  }
  fixes.resize(admitted);

  if (fixes.empty()) {
    ctx->Reply(http::status::ok, FixResultsJson(*results));
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.submit_max_wait;
  SubmitWithRetry(
      ctx, std::move(fixes), kHttpApiSource,
      [ctx, results, positions = std::move(positions)](std::vector<FixOutcome> outcomes) {
        for (std::size_t k = 0; k < positions.size() && k < outcomes.size(); ++k) {
          (*results)[positions[k]].outcome = std::move(outcomes[k]);
        }
        ctx->Reply(http::status::ok, FixResultsJson(*results));
      },
      deadline);
}

// Submits `fixes`; `done` runs on the connection's strand. While the engine's queue is
// full, waits on a timer (never blocking the io thread) until `deadline`, then 503.
void HttpApi::SubmitWithRetry(const std::shared_ptr<Context>& ctx, std::vector<v1::Fix> fixes,
                              std::string_view source,
                              std::function<void(std::vector<FixOutcome>)> done,
                              std::chrono::steady_clock::time_point deadline) {
  asio::any_io_executor executor = ctx->responder.executor();
  // The engine thread calls back; the answer is built on the connection's strand.
  auto on_applied = [executor, done](std::vector<FixOutcome> outcomes) {
    asio::post(executor, [done, o = std::move(outcomes)]() mutable { done(std::move(o)); });
  };
  // Refused, `fixes` is left as it was, for the retry below.
  if (service_->SubmitFixes(std::move(fixes), source, on_applied)) return;

  if (std::chrono::steady_clock::now() >= deadline) {
    service_->CountRejected(kHttpApiSource, "unavailable");
    HttpResponse response =
        MakeErrorResponse(ctx->request, http::status::service_unavailable, "unavailable",
                          "the engine's queue is full; retry later");
    response.set(http::field::retry_after, "1");
    ctx->responder.Send(std::move(response));
    return;
  }
  auto timer = std::make_shared<asio::steady_timer>(executor, options_.submit_retry_interval);
  timer->async_wait([this, ctx, timer, f = std::move(fixes), source = std::string(source),
                     done = std::move(done), deadline](boost::system::error_code) mutable {
    SubmitWithRetry(ctx, std::move(f), source, std::move(done), deadline);
  });
}

void HttpApi::PostTraccar(const std::shared_ptr<Context>& ctx) {
  StatusOr<v1::Fix> fix = ParseTraccarForward(ctx->request.body());
  if (!fix.ok()) {
    ctx->Refuse(http::status::bad_request, "invalid_argument", fix.status().message());
    return;
  }
  // Answered like /v1/fixes with one result. A fix the engine refuses still gets 200:
  // Traccar retries non-2xx forwards, and resending the same position cannot help.
  auto results = std::make_shared<std::vector<FixResult>>(1);
  (*results)[0].parsed = true;
  (*results)[0].device = fix->device();
  (*results)[0].seq = fix->seq();
  if (!ctx->principal->MayReportFor(fix->device())) {
    (*results)[0].outcome =
        DeviceNotPermitted(*service_, *ctx->principal, fix->device(), "traccar");
    ctx->Reply(http::status::ok, FixResultsJson(*results));
    return;
  }
  std::vector<v1::Fix> fixes;
  fixes.push_back(std::move(*fix));
  SubmitWithRetry(
      ctx, std::move(fixes), "traccar",
      [ctx, results](std::vector<FixOutcome> outcomes) {
        if (!outcomes.empty()) (*results)[0].outcome = std::move(outcomes[0]);
        ctx->Reply(http::status::ok, FixResultsJson(*results));
      },
      std::chrono::steady_clock::now() + options_.submit_max_wait);
}

void HttpApi::MySos(const std::shared_ptr<Context>& ctx) {
  // {"lat", "lon", "accuracy_m"} from her browser's Geolocation, or {"no_position": true}
  // when it has none; the daemon chooses the rest, so her app needs no device id or
  // sequence number: her credential's first device, the time now, seq the time in ms.
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  v1::Fix fix;
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (body.empty() || body.front() != '{' || JsonDepth(body) > 1 ||
      !pbutil::JsonStringToMessage(std::string(body), &fix, options).ok()) {
    return ctx->Refuse(
        InvalidArgument("sos: expected {\"lat\": 42.87, \"lon\": 74.59, \"accuracy_m\": 20} or "
                        "{\"no_position\": true}"));
  }
  if (!fix.device().empty() || fix.seq() != 0 || fix.has_time() || fix.has_received() ||
      fix.flags_size() != 0 || !fix.mac().empty()) {
    return ctx->Refuse(InvalidArgument(
        "sos: device, seq, time, received, flags and mac are chosen by the daemon"));
  }
  if (ctx->principal->devices().empty()) {
    return ctx->Refuse(FailedPrecondition("sos: this credential names no device to send it for"));
  }
  const TimeMs now = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  fix.set_device(ctx->principal->devices().front());
  fix.set_seq(static_cast<uint64_t>(now));
  MsToTimestamp(now, fix.mutable_time());
  fix.add_flags(v1::Fix::sos);
  auto results = std::make_shared<std::vector<FixResult>>(1);
  (*results)[0].parsed = true;
  (*results)[0].device = fix.device();
  (*results)[0].seq = fix.seq();
  std::vector<v1::Fix> fixes;
  fixes.push_back(std::move(fix));
  SubmitWithRetry(
      ctx, std::move(fixes), kHttpApiSource,
      [ctx, results](std::vector<FixOutcome> outcomes) {
        if (!outcomes.empty()) (*results)[0].outcome = std::move(outcomes[0]);
        ctx->Reply(http::status::ok, FixResultsJson(*results));
      },
      std::chrono::steady_clock::now() + options_.submit_max_wait);
}

void HttpApi::PostOwnTracks(const std::shared_ptr<Context>& ctx) {
  constexpr std::string_view kSource = "owntracks";
  // The app names its user and device in headers (its HTTP mode has no topic).
  const auto header = ctx->request.find("X-Limit-D");
  const std::string_view device =
      header == ctx->request.end()
          ? std::string_view()
          : std::string_view(header->value().data(), header->value().size());
  StatusOr<OwnTracksMessage> message = ParseOwnTracks(ctx->request.body(), device);
  if (!message.ok()) {
    ctx->Refuse(http::status::bad_request, "invalid_argument", message.status().message());
    return;
  }
  // The app expects a JSON array back (cards and commands for it; none from a centre).
  if (!message->fix.has_value()) {
    ctx->Reply(http::status::ok, "[]\n");
    return;
  }
  if (!ctx->principal->MayReportFor(message->fix->device())) {
    const FixOutcome outcome =
        DeviceNotPermitted(*service_, *ctx->principal, message->fix->device(), kSource);
    ctx->responder.Send(
        MakeErrorResponse(ctx->request, http::status::forbidden, outcome.code, outcome.reason));
    return;
  }
  std::vector<v1::Fix> fixes;
  fixes.push_back(std::move(*message->fix));
  SubmitWithRetry(
      ctx, std::move(fixes), kSource,
      [ctx](std::vector<FixOutcome> outcomes) {
        // A fix the engine refuses is counted there; resending it cannot help, so the app
        // is told it arrived. Only a journal that cannot take it asks for a retry.
        if (!outcomes.empty() && outcomes[0].code == "unavailable") {
          HttpResponse response = MakeErrorResponse(ctx->request, http::status::service_unavailable,
                                                    "unavailable", outcomes[0].reason);
          response.set(http::field::retry_after, "1");
          ctx->responder.Send(std::move(response));
          return;
        }
        ctx->Reply(http::status::ok, "[]\n");
      },
      std::chrono::steady_clock::now() + options_.submit_max_wait);
}

}  // namespace stayaway::ingest
