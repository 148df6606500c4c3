#include "ingest/http_api.h"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "access/redaction.h"
#include "access/token.h"
#include "base/identifier.h"
#include "base/time.h"
#include "ingest/id_checks.h"
#include "ingest/json_codec.h"
#include "ingest/traccar_codec.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

constexpr std::string_view kSource = "http";

// --- small text helpers -------------------------------------------------------------

std::optional<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (ec != std::errc() || end != text.data() + i + 3) return std::nullopt;
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view TrimJsonSpace(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// Splits the JSON array `text` into its top-level element texts (trimmed) with one
// iterative byte scan, so that one bad fix does not spoil its neighbours. Brackets inside
// strings are skipped; anything else malformed inside an element is left to the element's
// own parser. Refuses a text that is not an array, is unterminated, or nests deeper than
// max_depth.
Status SplitJsonArray(std::string_view text, int max_depth, std::vector<std::string_view>* out) {
  text = TrimJsonSpace(text);
  if (text.empty() || text.front() != '[') {
    return InvalidArgument("expected a JSON array of fixes");
  }
  int depth = 0;
  std::size_t element_start = 1;
  bool closed = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) break;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) {
        return InvalidArgument("JSON is nested deeper than " + std::to_string(max_depth) +
                               " levels");
      }
    } else if (c == ']' || c == '}') {
      --depth;
      if (depth == 0) {
        const std::string_view last = TrimJsonSpace(text.substr(element_start, i - element_start));
        // "[]" has no element; "[a, ]" has an empty last one (reported per element).
        if (!last.empty() || !out->empty()) out->push_back(last);
        if (i + 1 != text.size()) return InvalidArgument("unexpected text after the array");
        closed = true;
        break;
      }
      if (depth < 0) break;
    } else if (c == ',' && depth == 1) {
      out->push_back(TrimJsonSpace(text.substr(element_start, i - element_start)));
      element_start = i + 1;
    }
  }
  if (!closed) return InvalidArgument("malformed JSON array: it does not end with ']'");
  return Status::Ok();
}

int JsonDepth(std::string_view text) {
  int depth = 0;
  int max_depth = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
    } else if (c == '[' || c == '{') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return max_depth;
}

pbutil::JsonPrintOptions PrintOptions() {
  pbutil::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  return options;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  if (!pbutil::MessageToJsonString(message, &out, PrintOptions()).ok()) {
    return "{\"encoding_error\":true}";  // only with corrupt strings (invalid UTF-8)
  }
  return out;
}

// `message` as JSON for a reader who sees it whole, or else reduced to the auditor's view
// (access/redaction.h; withheld fields are absent, not 0).
std::string JsonFor(bool whole, google::protobuf::Message* message) {
  if (whole) return ToJson(*message);
  access::RedactForAuditor(message);
  return RedactedToJson(*message);
}

http::status HttpStatusOf(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return http::status::ok;
    case StatusCode::kInvalidArgument: return http::status::bad_request;
    case StatusCode::kNotFound: return http::status::not_found;
    case StatusCode::kAlreadyExists: return http::status::conflict;
    case StatusCode::kFailedPrecondition: return http::status::conflict;
    case StatusCode::kInternal: return http::status::internal_server_error;
    case StatusCode::kUnauthenticated: return http::status::unauthorized;
    case StatusCode::kPermissionDenied: return http::status::forbidden;
  }
  return http::status::internal_server_error;
}

// The Location of a created resource: built only from a checked id, whose characters are
// all safe in a header (base/identifier.h), so request text never reaches a header.
std::string LocationOf(std::string_view collection, const Identifier& id) {
  return "/v1/" + std::string(collection) + "/" + id.str();
}

// A single JSON object parsed as a one-element document through `parse_list`
// (ParseOrdersJson / ParseZonesJson), so that an order sent to the API gets exactly the
// replay command's checks and messages; "orders[0].zones[1]: ..." reads "order.zones[1]".
template <typename T, typename ParseList>
StatusOr<T> ParseOne(std::string_view body, std::string_view list_name, std::string_view name,
                     ParseList parse_list) {
  const std::string_view trimmed = TrimJsonSpace(body);
  if (trimmed.empty() || trimmed.front() != '{') {
    return InvalidArgument("expected one JSON object (" + std::string(name) + ")");
  }
  StatusOr<std::vector<T>> list = parse_list("[" + std::string(trimmed) + "]");
  if (!list.ok()) {
    std::string message = list.status().message();
    const std::string prefix = std::string(list_name) + "[0]";
    if (message.starts_with(prefix)) message = std::string(name) + message.substr(prefix.size());
    return InvalidArgument(std::move(message));
  }
  if (list->size() != 1) return InvalidArgument("expected one JSON object (" + std::string(name) + ")");
  return std::move(list->front());
}

}  // namespace

// One request on its way through the routes.
struct HttpApi::Context {
  HttpRequest request;
  HttpResponder responder;
  std::string path;  // the target without its query, as sent
  std::map<std::string, std::string> query;
  bool bad_query = false;
  // Who sent it: set once the route's permission was checked (null on open routes).
  std::shared_ptr<const access::Principal> principal;

  void Reply(http::status status, std::string body,
             std::string_view content_type = "application/json") const {
    responder.Send(MakeResponse(request, status, std::move(body), content_type));
  }
};

HttpApi::HttpApi(MonitoringService& service, HttpApiOptions options)
    : service_(&service), options_(options), slow_lane_(options.slow_lane_threads) {}

HttpApi::~HttpApi() { slow_lane_.join(); }

void HttpApi::OffTheIoThread(std::function<void()> work) {
  // An exception out of a thread pool's thread would end the process: count it instead.
  // The request's responder goes with the work, which closes its connection.
  asio::post(slow_lane_, [service = service_, work = std::move(work)] {
    try {
      work();
    } catch (...) {
      service->CountRejected(kSource, "internal_error");
    }
  });
}


void HttpApi::Handle(HttpRequest request, HttpResponder responder) {
  auto ctx = std::make_shared<Context>(
      Context{std::move(request), std::move(responder), {}, {}, false, nullptr});
  const std::string_view target(ctx->request.target().data(), ctx->request.target().size());
  const auto question = target.find('?');
  ctx->path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    std::string_view rest = target.substr(question + 1);
    while (!rest.empty()) {
      const auto amp = rest.find('&');
      const std::string_view pair = rest.substr(0, amp);
      rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
      if (pair.empty()) continue;
      const auto eq = pair.find('=');
      auto key = PercentDecode(pair.substr(0, eq));
      auto value = PercentDecode(eq == std::string_view::npos ? std::string_view()
                                                              : pair.substr(eq + 1));
      if (!key || !value) {
        ctx->bad_query = true;
        break;
      }
      ctx->query[*key] = *value;
    }
  }
  Route(ctx);
}

namespace {

// Refuses the request with a JSON error, counting it.
void Refuse(MonitoringService& service, const HttpRequest& request, const HttpResponder& responder,
            http::status status, std::string_view code, std::string_view message) {
  service.CountRejected(kSource, code);
  responder.Send(MakeErrorResponse(request, status, code, message));
}

}  // namespace

void HttpApi::Route(const std::shared_ptr<Context>& ctx) {
  const HttpRequest& req = ctx->request;
  const http::verb method = req.method();
  auto refuse = [&](http::status status, std::string_view code, std::string_view message) {
    Refuse(*service_, req, ctx->responder, status, code, message);
  };
  // Who is asking comes before anything else: without a valid credential every path but
  // the two public ones answers 401, so nobody learns the route table (404, 405) or how
  // requests are checked (400) without signing in.
  const bool public_path = ctx->path == "/healthz" || ctx->path == "/v1/keys";
  if (!public_path && !SignIn(ctx)) return;
  if (ctx->bad_query) {
    refuse(http::status::bad_request, "invalid_argument", "malformed query string");
    return;
  }

  // The path's segments, percent-decoded (ids may hold reserved characters).
  std::vector<std::string> segments;
  {
    std::string_view rest = ctx->path;
    if (rest.empty() || rest.front() != '/') {
      refuse(http::status::bad_request, "invalid_argument", "request target must start with '/'");
      return;
    }
    rest.remove_prefix(1);
    while (true) {
      const auto slash = rest.find('/');
      auto segment = PercentDecode(rest.substr(0, slash));
      if (!segment) {
        refuse(http::status::bad_request, "invalid_argument", "malformed percent-encoding in path");
        return;
      }
      segments.push_back(std::move(*segment));
      if (slash == std::string_view::npos) break;
      rest.remove_prefix(slash + 1);
    }
  }
  const auto n = segments.size();
  const auto is = [&](std::initializer_list<std::string_view> want) {
    if (want.size() != n) return false;
    std::size_t i = 0;
    for (std::string_view w : want) {
      // "*" is an id: any segment, even an empty one (refused by the id check with 400).
      if (w != "*" && segments[i] != w) return false;
      ++i;
    }
    return true;
  };

  // The id a route's path carries ("order id" and the segment), checked against the
  // identifier rule once the caller may use the route: 400 before the handler sees it.
  std::optional<std::pair<std::string_view, std::string>> path_id;
  // Orders journaled before the identifier rule keep their ids: GET and DELETE still reach
  // one by its exact id, so a centre can read and end it (nothing builds a header from it).
  bool stored_order_outside_the_rule_ok = false;
  // Each route: its methods, who may call each, and what to run. Allow lists the
  // methods for 405 (the caller has signed in by then, unless the path is public).
  const auto dispatch = [&](std::string_view allow, std::initializer_list<Endpoint> endpoints) {
    for (const Endpoint& endpoint : endpoints) {
      if (endpoint.verb != method) continue;
      if (endpoint.gate != Gate::kOpen && !Admit(ctx, endpoint.gate, endpoint.permission)) return;
      if (path_id.has_value()) {
        if (Status s = CheckIdentifier(path_id->second, path_id->first); !s.ok()) {
          const bool stored_order = stored_order_outside_the_rule_ok &&
                                    (method == http::verb::get || method == http::verb::delete_) &&
                                    service_->GetOrder(path_id->second).ok();
          if (!stored_order) {
            refuse(http::status::bad_request, "invalid_argument", s.message());
            return;
          }
        }
      }
      endpoint.run();
      return;
    }
    service_->CountRejected(kSource, "method_not_allowed");
    HttpResponse response = MakeErrorResponse(
        req, http::status::method_not_allowed, "method_not_allowed",
        std::string(req.method_string()) + " is not allowed on " + ctx->path + "; allowed: " +
            std::string(allow));
    response.set(http::field::allow, Beast(allow));
    ctx->responder.Send(std::move(response));
  };
  using P = access::Permission;
  const auto open = [](http::verb verb, std::function<void()> run) {
    return Endpoint{verb, Gate::kOpen, P::kReadMetrics, std::move(run)};
  };
  const auto signed_in = [](http::verb verb, std::function<void()> run) {
    return Endpoint{verb, Gate::kSignedIn, P::kReadMetrics, std::move(run)};
  };
  const auto needs = [](http::verb verb, P permission, std::function<void()> run) {
    return Endpoint{verb, Gate::kPermission, permission, std::move(run)};
  };

  if (is({"healthz"})) {
    dispatch("GET", {open(http::verb::get, [&] {
               const bool healthy = service_->Healthy();
               ctx->Reply(healthy ? http::status::ok : http::status::service_unavailable,
                          healthy ? "ok\n" : "unavailable\n", "text/plain");
             })});
  } else if (is({"metrics"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadMetrics, [&] {
               ctx->Reply(http::status::ok, service_->MetricsText(), "text/plain; version=0.0.4");
             })});
  } else if (is({"v1", "keys"})) {
    // The keys a court checks the centre's checkpoints and bundles with: public.
    dispatch("GET", {open(http::verb::get, [&] {
               v1::PublicKeyList keys;
               for (v1::PublicKey& key : service_->PublicKeys()) *keys.add_keys() = std::move(key);
               ctx->Reply(http::status::ok, ToJson(keys) + "\n");
             })});
  } else if (is({"v1", "whoami"})) {
    dispatch("GET", {signed_in(http::verb::get, [&] { WhoAmI(ctx); })});
  } else if (is({"v1", "fixes"})) {
    dispatch("POST", {needs(http::verb::post, P::kSubmitFixes, [&] { PostFixes(ctx); })});
  } else if (is({"v1", "traccar"})) {
    dispatch("POST", {needs(http::verb::post, P::kSubmitFixes, [&] { PostTraccar(ctx); })});
  } else if (is({"v1", "orders"})) {
    dispatch("POST", {needs(http::verb::post, P::kWriteOrders, [&] {
               OffTheIoThread([this, ctx] { CreateOrder(ctx); });
             })});
  } else if (is({"v1", "orders", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("order id", segments[2]);
    stored_order_outside_the_rule_ok = true;
    dispatch("GET, PUT, DELETE",
             {needs(http::verb::get, P::kReadOrders, [&] { GetOrder(ctx, id); }),
              needs(http::verb::put, P::kWriteOrders,
                    [&] { OffTheIoThread([this, ctx, id] { PutOrder(ctx, id); }); }),
              needs(http::verb::delete_, P::kWriteOrders,
                    [&] { OffTheIoThread([this, ctx, id] { DeleteOrder(ctx, id); }); })});
  } else if (is({"v1", "zones"})) {
    dispatch("GET, POST",
             {needs(http::verb::get, P::kReadOrders, [&] { ListZones(ctx); }),
              needs(http::verb::post, P::kWriteOrders, [&] {
                OffTheIoThread([this, ctx] { PutZone(ctx, "", /*create=*/true); });
              })});
  } else if (is({"v1", "zones", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("zone id", segments[2]);
    dispatch("GET, PUT",
             {needs(http::verb::get, P::kReadOrders, [&] { GetZone(ctx, id); }),
              needs(http::verb::put, P::kWriteOrders, [&] {
                OffTheIoThread([this, ctx, id] { PutZone(ctx, id, /*create=*/false); });
              })});
  } else if (is({"v1", "alerts"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadAlerts, [&] { ListAlerts(ctx); })});
  } else if (is({"v1", "alerts", "*", "evidence"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("GET", {needs(http::verb::get, P::kExportEvidence, [&] { Evidence(ctx, id); })});
  } else if (is({"v1", "alerts", "*", "ack"})) {
    const std::string id = segments[2];
    path_id.emplace("alert id", segments[2]);
    dispatch("POST", {needs(http::verb::post, P::kAckAlerts, [&] {
               OffTheIoThread([this, ctx, id] { AckAlert(ctx, id); });
             })});
  } else if (is({"v1", "events", "stream"})) {
    dispatch("GET", {needs(http::verb::get, P::kReadEvents, [&] { StreamEvents(ctx); })});
  } else if (is({"v1", "devices", "keyed"})) {
    dispatch("GET", {needs(http::verb::get, P::kManageDeviceKeys, [&] {
               std::string body = "{\"devices\":[";
               bool first = true;
               for (const std::string& device : service_->KeyedDevices()) {
                 if (!first) body += ',';
                 first = false;
                 body += JsonQuote(device);
               }
               ctx->Reply(http::status::ok, body + "]}\n");
             })});
  } else if (is({"v1", "devices", "*", "key"})) {
    const std::string device = segments[2];
    path_id.emplace("device", segments[2]);
    dispatch("PUT, DELETE",
             {needs(http::verb::put, P::kManageDeviceKeys,
                    [&] { OffTheIoThread([this, ctx, device] { PutDeviceKey(ctx, device); }); }),
              needs(http::verb::delete_, P::kManageDeviceKeys, [&] {
                OffTheIoThread([this, ctx, device] { RemoveDeviceKey(ctx, device); });
              })});
  } else if (is({"v1", "credentials"})) {
    dispatch("GET, POST",
             {needs(http::verb::get, P::kManageCredentials, [&] { ListCredentials(ctx); }),
              needs(http::verb::post, P::kManageCredentials, [&] { IssueCredential(ctx); })});
  } else if (is({"v1", "credentials", "*"})) {
    const std::string id = segments[2];
    path_id.emplace("credential id", segments[2]);
    dispatch("DELETE", {needs(http::verb::delete_, P::kManageCredentials,
                              [&] { RevokeCredential(ctx, id); })});
  } else {
    refuse(http::status::not_found, "not_found",
           "no such endpoint: " + ctx->path);
  }
}

bool HttpApi::SignIn(const std::shared_ptr<Context>& ctx) {
  if (ctx->principal != nullptr) return true;
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  std::string_view token;
  if (const auto it = req.find(http::field::authorization); it != req.end()) {
    token = access::BearerToken(std::string_view(it->value().data(), it->value().size()));
  }
  auto principal = service_->Authenticate(token);
  if (principal == nullptr) {
    const std::string_view why = token.empty() ? "no bearer token" : "a token no credential has";
    service_->ReportAccessRefused(kSource, "unauthenticated",
                                  what + " from " + ctx->responder.remote() + ": " +
                                      std::string(why));
    HttpResponse response = MakeErrorResponse(
        req, http::status::unauthorized, "unauthenticated",
        token.empty() ? "this request needs an Authorization: Bearer TOKEN header"
                      : "the bearer token is not a credential's token");
    response.set(http::field::www_authenticate, "Bearer realm=\"stayaway\"");
    ctx->responder.Send(std::move(response));
    return false;
  }
  ctx->responder.MarkAuthenticated();  // the connection is no longer held to auth_timeout
  ctx->principal = std::move(principal);
  return true;
}

bool HttpApi::Admit(const std::shared_ptr<Context>& ctx, Gate gate, access::Permission permission) {
  if (!SignIn(ctx)) return false;
  const HttpRequest& req = ctx->request;
  const std::string what = std::string(req.method_string()) + " " + ctx->path;
  const std::shared_ptr<const access::Principal>& principal = ctx->principal;
  if (gate == Gate::kPermission && !principal->Has(permission)) {
    service_->ReportAccessRefused(kSource, "permission_denied",
                                  principal->Describe() + " " + what + " from " +
                                      ctx->responder.remote());
    ctx->responder.Send(MakeErrorResponse(
        req, http::status::forbidden, "permission_denied",
        "credential '" + principal->name() + "' may not " +
            std::string(access::PermissionName(permission)) + " (" + what + "); that needs the " +
            access::RolesGranting(permission) + " role"));
    return false;
  }
  return true;
}

// --- device keys --------------------------------------------------------------------------

void HttpApi::PutDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  // {"key": "64 hex digits"}: read as a Struct so a malformed key is never echoed back.
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  google::protobuf::Struct parsed;
  if (body.empty() || body.front() != '{' || JsonDepth(body) > 2 ||
      !pbutil::JsonStringToMessage(std::string(body), &parsed).ok() ||
      parsed.fields().size() != 1 || !parsed.fields().contains("key") ||
      !parsed.fields().at("key").has_string_value()) {
    return refuse(InvalidArgument("device key: expected {\"key\": \"64 hex digits\"}"));
  }
  if (Status s = service_->PutDeviceKey(device, parsed.fields().at("key").string_value());
      !s.ok()) {
    return refuse(s);
  }
  service_->Audit("device key set", *ctx->principal, "device " + device);
  ctx->Reply(http::status::ok,
             "{\"device\":" + JsonQuote(device) + ",\"keyed\":true}\n");
}

void HttpApi::RemoveDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device) {
  if (Status s = service_->RemoveDeviceKey(device); !s.ok()) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
    return;
  }
  service_->Audit("device key removed", *ctx->principal, "device " + device);
  ctx->Reply(http::status::ok,
             "{\"device\":" + JsonQuote(device) + ",\"keyed\":false}\n");
}

// --- credentials ----------------------------------------------------------------------------

void HttpApi::WhoAmI(const std::shared_ptr<Context>& ctx) {
  v1::Authenticated who;
  who.set_credential_id(ctx->principal->id());
  who.set_name(ctx->principal->name());
  for (access::Role role : ctx->principal->roles()) who.add_roles(role);
  ctx->Reply(http::status::ok, ToJson(who) + "\n");
}

void HttpApi::ListCredentials(const std::shared_ptr<Context>& ctx) {
  v1::CredentialList list;
  for (v1::Credential& credential : service_->ListCredentials()) {
    *list.add_credentials() = std::move(credential);
  }
  ctx->Reply(http::status::ok, ToJson(list) + "\n");
}

void HttpApi::IssueCredential(const std::shared_ptr<Context>& ctx) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return refuse(InvalidArgument(
        "credential: expected a JSON object such as {\"name\": \"gateway-north\", \"roles\": "
        "[\"ingest\"], \"devices\": [\"tag-*\"]}"));
  }
  if (JsonDepth(body) > 2) return refuse(InvalidArgument("credential: JSON is nested too deeply"));
  v1::Credential request;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &request, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    return refuse(InvalidArgument("credential: " + message.substr(0, message.find('\n'))));
  }
  // Names and device patterns are identifiers too: they reach logs, error messages and
  // the Prometheus text.
  if (Status s = CheckIdentifier(request.name(), "credential name"); !s.ok()) return refuse(s);
  for (int i = 0; i < request.devices_size(); ++i) {
    const std::string what = "credential devices[" + std::to_string(i) + "]";
    if (Status s = CheckDevicePattern(request.devices(i), what); !s.ok()) return refuse(s);
  }
  StatusOr<v1::IssuedCredential> issued = service_->IssueCredential(request);
  if (!issued.ok()) return refuse(issued.status());
  // The daemon chose the id ("cred-" and hex): it always passes.
  const StatusOr<Identifier> id = Identifier::Make(issued->credential().id(), "credential id");
  service_->Audit("credential issued", *ctx->principal,
                  issued->credential().id() + " '" + issued->credential().name() + "'");
  HttpResponse response = MakeResponse(ctx->request, http::status::created, ToJson(*issued) + "\n");
  if (id.ok()) response.set(http::field::location, LocationOf("credentials", *id));
  response.set(http::field::cache_control, "no-store");  // it holds a token
  ctx->responder.Send(std::move(response));
}

void HttpApi::RevokeCredential(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::Credential> revoked = service_->RevokeCredential(id);
  if (!revoked.ok()) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(revoked.status().code()),
           StatusCodeName(revoked.status().code()), revoked.status().message());
    return;
  }
  service_->Audit("credential revoked", *ctx->principal,
                  revoked->id() + " '" + revoked->name() + "'");
  ctx->Reply(http::status::ok, ToJson(*revoked) + "\n");
}

void HttpApi::Evidence(const std::shared_ptr<Context>& ctx, const std::string& id) {
  // A bundle replays the journal: seconds on a long history. One at a time, off the io
  // threads; a second request meanwhile is asked to come back.
  if (evidence_in_flight_.fetch_add(1) >= options_.max_evidence_in_flight) {
    evidence_in_flight_.fetch_sub(1);
    HttpResponse busy = MakeErrorResponse(ctx->request, http::status::service_unavailable, "busy",
                                          "an evidence bundle is being made; retry shortly");
    busy.set(http::field::retry_after, "5");
    service_->CountRejected(kSource, "busy");
    ctx->responder.Send(std::move(busy));
    return;
  }
  OffTheIoThread([this, ctx, id] {
    // {"alert_id": ..., "files": {name: content}}: write each file into a directory and
    // run `stayaway verify` on it.
    auto files = service_->EvidenceBundle(id);
    evidence_in_flight_.fetch_sub(1);
    if (files.ok()) service_->Audit("evidence exported", *ctx->principal, "alert " + id);
    if (!files.ok()) {
      Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(files.status().code()),
             StatusCodeName(files.status().code()), files.status().message());
      return;
    }
    google::protobuf::Struct body;
    (*body.mutable_fields())["alert_id"].set_string_value(id);
    auto* out = (*body.mutable_fields())["files"].mutable_struct_value();
    for (const auto& [name, content] : *files) {
      (*out->mutable_fields())[name].set_string_value(content);
    }
    ctx->Reply(http::status::ok, ToJson(body) + "\n");
  });
}

// --- fixes ------------------------------------------------------------------------------

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

std::string FixResultsJson(const std::vector<FixResult>& results) {
  std::size_t accepted = 0;
  std::size_t duplicates = 0;
  std::string items;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const FixResult& r = results[i];
    accepted += r.outcome.accepted ? 1 : 0;
    duplicates += r.outcome.duplicate ? 1 : 0;
    if (i > 0) items += ',';
    items += "{\"index\":" + std::to_string(i);
    if (r.parsed) {
      items += ",\"device\":" + JsonQuote(r.device) + ",\"seq\":" + std::to_string(r.seq);
    }
    items += ",\"accepted\":";
    items += r.outcome.accepted ? "true" : "false";
    if (r.outcome.accepted) {
      items += ",\"duplicate\":";
      items += r.outcome.duplicate ? "true" : "false";
    } else {
      items += ",\"code\":" + JsonQuote(r.outcome.code) + ",\"reason\":" + JsonQuote(r.outcome.reason);
    }
    items += '}';
  }
  return "{\"accepted\":" + std::to_string(accepted) + ",\"duplicates\":" +
         std::to_string(duplicates) + ",\"rejected\":" + std::to_string(results.size() - accepted) +
         ",\"results\":[" + items + "]}\n";
}

}  // namespace

void HttpApi::PostFixes(const std::shared_ptr<Context>& ctx) {
  std::vector<std::string_view> elements;
  if (Status s = SplitJsonArray(ctx->request.body(), kMaxDocumentDepth, &elements); !s.ok()) {
    Refuse(*service_, ctx->request, ctx->responder, http::status::bad_request,
           "invalid_argument", "fixes: " + s.message());
    return;
  }

  auto results = std::make_shared<std::vector<FixResult>>(elements.size());
  std::vector<v1::Fix> fixes;
  std::vector<std::size_t> positions;  // fixes[k] is element positions[k]
  for (std::size_t i = 0; i < elements.size(); ++i) {
    FixResult& result = (*results)[i];
    const auto refuse_element = [&](std::string reason) {
      service_->CountRejected(kSource, "invalid_argument");
      result.outcome.code = "invalid_argument";
      result.outcome.reason = std::move(reason);
    };
    if (elements[i].empty()) {
      refuse_element("empty array element");
      continue;
    }
    StatusOr<v1::Input> input = ParseReplayLine(elements[i]);
    if (!input.ok()) {
      refuse_element(input.status().message());
      continue;
    }
    if (!input->has_fix()) {
      // The daemon keeps its own clock; a client must not move the engine's "now".
      refuse_element("ticks are not accepted over HTTP: the daemon keeps its own clock");
      continue;
    }
    result.parsed = true;
    result.device = input->fix().device();
    result.seq = input->fix().seq();
    if (!ctx->principal->MayReportFor(result.device)) {
      result.outcome = DeviceNotPermitted(*service_, *ctx->principal, result.device, kSource);
      continue;
    }
    positions.push_back(i);
    fixes.push_back(std::move(*input->mutable_fix()));
  }

  if (fixes.empty()) {
    ctx->Reply(http::status::ok, FixResultsJson(*results));
    return;
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.submit_max_wait;
  SubmitWithRetry(
      ctx, std::move(fixes), kSource,
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
                              std::string_view source, std::function<void(std::vector<FixOutcome>)> done,
                              std::chrono::steady_clock::time_point deadline) {
  asio::any_io_executor executor = ctx->responder.executor();
  // The engine thread calls back; the answer is built on the connection's strand.
  auto on_applied = [executor, done](std::vector<FixOutcome> outcomes) {
    asio::post(executor, [done, o = std::move(outcomes)]() mutable { done(std::move(o)); });
  };
  if (service_->SubmitFixes(fixes, source, on_applied)) return;

  if (std::chrono::steady_clock::now() >= deadline) {
    service_->CountRejected(kSource, "unavailable");
    HttpResponse response = MakeErrorResponse(
        ctx->request, http::status::service_unavailable, "unavailable",
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
    Refuse(*service_, ctx->request, ctx->responder, http::status::bad_request,
           "invalid_argument", fix.status().message());
    return;
  }
  // Answered like /v1/fixes with one result. A fix the engine refuses still gets 200:
  // Traccar retries non-2xx forwards, and resending the same position cannot help.
  auto results = std::make_shared<std::vector<FixResult>>(1);
  (*results)[0].parsed = true;
  (*results)[0].device = fix->device();
  (*results)[0].seq = fix->seq();
  if (!ctx->principal->MayReportFor(fix->device())) {
    (*results)[0].outcome = DeviceNotPermitted(*service_, *ctx->principal, fix->device(), "traccar");
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

// --- orders and zones ---------------------------------------------------------------------

void HttpApi::CreateOrder(const std::shared_ptr<Context>& ctx) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  StatusOr<v1::Order> order = ParseOne<v1::Order>(ctx->request.body(), "orders", "order",
                                                  ParseOrdersJson);
  if (!order.ok()) return refuse(order.status());
  if (order->id().empty()) return refuse(InvalidArgument("order has no id"));
  StatusOr<Identifier> id = Identifier::Make(order->id(), "order id");
  if (!id.ok()) return refuse(id.status());
  if (service_->GetOrder(order->id()).ok()) {
    return refuse(AlreadyExists("order " + order->id() + " already exists; use PUT /v1/orders/" +
                                order->id() + " to replace it"));
  }
  if (Status s = service_->PutOrder(*order); !s.ok()) return refuse(s);
  service_->Audit("order created", *ctx->principal, "order " + order->id());
  StatusOr<v1::Order> stored = service_->GetOrder(order->id());
  HttpResponse response = MakeResponse(ctx->request, http::status::created,
                                       ToJson(stored.ok() ? *stored : *order) + "\n");
  response.set(http::field::location, LocationOf("orders", *id));
  ctx->responder.Send(std::move(response));
}

void HttpApi::GetOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  StatusOr<v1::Order> order = service_->GetOrder(id);
  if (!order.ok()) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(order.status().code()),
           StatusCodeName(order.status().code()), order.status().message());
    return;
  }
  ctx->Reply(http::status::ok, JsonFor(access::SeesPlacesWhole(*ctx->principal), &*order) + "\n");
}

void HttpApi::PutOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  StatusOr<v1::Order> order = ParseOne<v1::Order>(ctx->request.body(), "orders", "order",
                                                  ParseOrdersJson);
  if (!order.ok()) return refuse(order.status());
  if (order->id().empty()) order->set_id(std::string(id));
  if (order->id() != id) {
    return refuse(InvalidArgument("order id \"" + order->id() + "\" does not match the path's \"" +
                                  std::string(id) + "\""));
  }
  if (Status s = service_->PutOrder(*order); !s.ok()) return refuse(s);
  service_->Audit("order replaced", *ctx->principal, "order " + order->id());
  StatusOr<v1::Order> stored = service_->GetOrder(id);
  ctx->Reply(http::status::ok, ToJson(stored.ok() ? *stored : *order) + "\n");
}

void HttpApi::DeleteOrder(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  if (Status s = service_->RevokeOrder(id); !s.ok()) return refuse(s);
  service_->Audit("order revoked", *ctx->principal, "order " + std::string(id));
  StatusOr<v1::Order> revoked = service_->GetOrder(id);
  if (!revoked.ok()) return refuse(revoked.status());
  ctx->Reply(http::status::ok, ToJson(*revoked) + "\n");
}

void HttpApi::ListZones(const std::shared_ptr<Context>& ctx) {
  // A bare array, as ZONES.json, so the answer can be fed back to `stayaway replay`.
  const bool whole = access::SeesPlacesWhole(*ctx->principal);
  std::string body = "[";
  bool first = true;
  for (v1::Zone& zone : service_->ListGlobalZones()) {
    if (!first) body += ',';
    first = false;
    body += JsonFor(whole, &zone);
  }
  body += "]\n";
  ctx->Reply(http::status::ok, std::move(body));
}

void HttpApi::GetZone(const std::shared_ptr<Context>& ctx, std::string_view id) {
  for (v1::Zone& zone : service_->ListGlobalZones()) {
    if (zone.id() == id) {
      ctx->Reply(http::status::ok,
                 JsonFor(access::SeesPlacesWhole(*ctx->principal), &zone) + "\n");
      return;
    }
  }
  Refuse(*service_, ctx->request, ctx->responder, http::status::not_found, "not_found",
         "no global zone " + std::string(id));
}

void HttpApi::PutZone(const std::shared_ptr<Context>& ctx, std::string_view id, bool create) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  StatusOr<v1::Zone> zone =
      ParseOne<v1::Zone>(ctx->request.body(), "zones", "zone", ParseZonesJson);
  if (!zone.ok()) return refuse(zone.status());
  if (create) {
    if (zone->id().empty()) return refuse(InvalidArgument("zone has no id"));
    if (Status s = CheckIdentifier(zone->id(), "zone id"); !s.ok()) return refuse(s);
    for (const v1::Zone& existing : service_->ListGlobalZones()) {
      if (existing.id() == zone->id()) {
        return refuse(AlreadyExists("global zone " + zone->id() +
                                    " already exists; use PUT /v1/zones/" + zone->id()));
      }
    }
  } else {
    if (zone->id().empty()) zone->set_id(std::string(id));
    if (zone->id() != id) {
      return refuse(InvalidArgument("zone id \"" + zone->id() + "\" does not match the path's \"" +
                                    std::string(id) + "\""));
    }
  }
  StatusOr<Identifier> zone_id = Identifier::Make(zone->id(), "zone id");
  if (!zone_id.ok()) return refuse(zone_id.status());
  if (Status s = service_->PutGlobalZone(*zone); !s.ok()) return refuse(s);
  service_->Audit(create ? "zone created" : "zone replaced", *ctx->principal, "zone " + zone->id());
  HttpResponse response = MakeResponse(
      ctx->request, create ? http::status::created : http::status::ok, ToJson(*zone) + "\n");
  if (create) response.set(http::field::location, LocationOf("zones", *zone_id));
  ctx->responder.Send(std::move(response));
}

// --- alerts -------------------------------------------------------------------------------

void HttpApi::ListAlerts(const std::shared_ptr<Context>& ctx) {
  const auto refuse = [&](std::string message) {
    Refuse(*service_, ctx->request, ctx->responder, http::status::bad_request, "invalid_argument",
           message);
  };
  AlertQuery query;
  for (const auto& [key, value] : ctx->query) {
    if (key == "order") {
      if (Status s = CheckIdentifier(value, "order"); !s.ok()) return refuse(s.message());
      query.order_id = value;
    } else if (key == "state") {
      if (value == "open") {
        query.state = AlertQuery::State::kOpen;
      } else if (value == "closed") {
        query.state = AlertQuery::State::kClosed;
      } else if (value == "all") {
        query.state = AlertQuery::State::kAll;
      } else {
        return refuse("state \"" + value + "\" is not one of open, closed, all");
      }
    } else if (key == "since") {
      google::protobuf::Timestamp ts;
      if (!google::protobuf::util::TimeUtil::FromString(value, &ts)) {
        return refuse("since \"" + value +
                      "\" is not an RFC 3339 time such as 2025-03-01T10:00:00Z");
      }
      query.since = TimestampToMs(ts);
    } else {
      return refuse("unknown parameter \"" + key + "\"; known: order, state, since");
    }
  }
  v1::AlertList list;
  for (v1::AlertView& view : service_->ListAlerts(query)) *list.add_alerts() = std::move(view);
  ctx->Reply(http::status::ok, JsonFor(access::SeesEventsWhole(*ctx->principal), &list) + "\n");
}

void HttpApi::AckAlert(const std::shared_ptr<Context>& ctx, std::string_view id) {
  const auto refuse = [&](const Status& s) {
    Refuse(*service_, ctx->request, ctx->responder, HttpStatusOf(s.code()),
           StatusCodeName(s.code()), s.message());
  };
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return refuse(InvalidArgument("ack: expected a JSON object such as {\"by\": \"operator-7\"}"));
  }
  if (JsonDepth(body) > 2) return refuse(InvalidArgument("ack: JSON is nested too deeply"));
  v1::AlertAck ack;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &ack, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    message = message.substr(0, message.find('\n'));
    return refuse(InvalidArgument("ack: " + message));
  }
  if (!ack.alert_id().empty() && ack.alert_id() != id) {
    return refuse(InvalidArgument("ack alert_id \"" + ack.alert_id() + "\" does not match the path"));
  }
  if (!ack.credential().empty()) {
    return refuse(InvalidArgument("ack: \"credential\" is set by the daemon"));
  }
  // Who acknowledged is the credential it came with; "by" may name the person at the
  // console when a credential is shared by a desk, and defaults to the credential's name.
  if (ack.by().empty()) ack.set_by(ctx->principal->name());
  ack.set_credential(ctx->principal->id());
  ack.set_alert_id(std::string(id));
  ack.clear_time();  // the daemon stamps it
  if (Status s = service_->AckAlert(ack); !s.ok()) return refuse(s);
  service_->Audit("alert acknowledged", *ctx->principal, "alert " + std::string(id));

  AlertQuery query;
  query.state = AlertQuery::State::kAll;
  for (const v1::AlertView& view : service_->ListAlerts(query)) {
    if (view.alert_id() == id) {
      ctx->Reply(http::status::ok, ToJson(view) + "\n");
      return;
    }
  }
  ctx->Reply(http::status::ok, "{\"alert_id\":" + JsonQuote(id) + ",\"acknowledged\":true}\n");
}

// --- server-sent events ------------------------------------------------------------------

namespace {

// One SSE client. Lives on its connection's strand; kept alive by the stream's on_closed
// callback (until the connection ends) and by its own pending callbacks.
class SseSubscription : public std::enable_shared_from_this<SseSubscription> {
 public:
  SseSubscription(MonitoringService& service, std::string name, uint64_t from_seq,
                  std::shared_ptr<const access::Principal> principal,
                  const HttpApiOptions& options, asio::any_io_executor executor)
      : service_(service), name_(std::move(name)), principal_(std::move(principal)),
        whole_(access::SeesEventsWhole(*principal_)),
        next_seq_(from_seq),
        batch_(std::max<std::size_t>(options.sse_batch_events, 1)),
        keepalive_period_(options.sse_keepalive), executor_(executor), keepalive_(executor) {}

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
    const std::string value(TrimJsonSpace(std::string_view(it->value().data(), it->value().size())));
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
      *service_, "sse-" + std::to_string(next_subscriber_.fetch_add(1)), from_seq,
      ctx->principal, options_, ctx->responder.executor());
  HttpStream stream =
      ctx->responder.StartStream(std::move(header), [subscription] { subscription->OnClosed(); });
  subscription->Start(std::move(stream));
}

}  // namespace stayaway::ingest
