// HttpApi's handlers for access administration (http_api.h): who the caller is
// (/v1/whoami), credentials (/v1/credentials) and device keys (/v1/devices/{id}/key,
// /v1/devices/keyed).
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <string>

#include "base/identifier.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"
#include "ingest/http_text.h"
#include "ingest/id_checks.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

namespace {

v1::DeviceKeyState KeyState(const std::string& device, bool keyed) {
  v1::DeviceKeyState state;
  state.set_device(device);
  state.set_keyed(keyed);
  return state;
}

}  // namespace

// --- device keys --------------------------------------------------------------------------

void HttpApi::PutDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device) {
  // {"key": "64 hex digits"}: read as a Struct so a malformed key is never echoed back.
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  google::protobuf::Struct parsed;
  if (body.empty() || body.front() != '{' || JsonDepth(body) > 2 ||
      !pbutil::JsonStringToMessage(std::string(body), &parsed).ok() ||
      parsed.fields().size() != 1 || !parsed.fields().contains("key") ||
      !parsed.fields().at("key").has_string_value()) {
    return ctx->Refuse(InvalidArgument("device key: expected {\"key\": \"64 hex digits\"}"));
  }
  if (Status s = service_->PutDeviceKey(device, parsed.fields().at("key").string_value());
      !s.ok()) {
    return ctx->Refuse(s);
  }
  service_->Audit("device key set", *ctx->principal, "device " + device);
  ctx->Reply(http::status::ok, ToJson(KeyState(device, /*keyed=*/true)) + "\n");
}

void HttpApi::RemoveDeviceKey(const std::shared_ptr<Context>& ctx, const std::string& device) {
  if (Status s = service_->RemoveDeviceKey(device); !s.ok()) {
    ctx->Refuse(s);
    return;
  }
  service_->Audit("device key removed", *ctx->principal, "device " + device);
  ctx->Reply(http::status::ok, ToJson(KeyState(device, /*keyed=*/false)) + "\n");
}

void HttpApi::KeyedDevices(const std::shared_ptr<Context>& ctx) {
  v1::KeyedDeviceList list;
  for (std::string& device : service_->KeyedDevices()) list.add_devices(std::move(device));
  ctx->Reply(http::status::ok, ToJson(list) + "\n");
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
  const std::string_view body = TrimJsonSpace(ctx->request.body());
  if (body.empty() || body.front() != '{') {
    return ctx->Refuse(InvalidArgument(
        "credential: expected a JSON object such as {\"name\": \"gateway-north\", \"roles\": "
        "[\"ingest\"], \"devices\": [\"tag-*\"]}"));
  }
  if (JsonDepth(body) > 2)
    return ctx->Refuse(InvalidArgument("credential: JSON is nested too deeply"));
  v1::Credential request;
  pbutil::JsonParseOptions parse_options;
  parse_options.ignore_unknown_fields = false;
  if (auto s = pbutil::JsonStringToMessage(std::string(body), &request, parse_options); !s.ok()) {
    std::string message(s.message().data(), s.message().size());
    return ctx->Refuse(InvalidArgument("credential: " + message.substr(0, message.find('\n'))));
  }
  // Names and device patterns are identifiers too: they reach logs, error messages and
  // the Prometheus text.
  if (Status s = CheckIdentifier(request.name(), "credential name"); !s.ok()) return ctx->Refuse(s);
  for (int i = 0; i < request.devices_size(); ++i) {
    const std::string what = "credential devices[" + std::to_string(i) + "]";
    if (Status s = CheckDevicePattern(request.devices(i), what); !s.ok()) return ctx->Refuse(s);
  }
  StatusOr<v1::IssuedCredential> issued = service_->IssueCredential(request);
  if (!issued.ok()) return ctx->Refuse(issued.status());
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
    ctx->Refuse(revoked.status());
    return;
  }
  service_->Audit("credential revoked", *ctx->principal,
                  revoked->id() + " '" + revoked->name() + "'");
  ctx->Reply(http::status::ok, ToJson(*revoked) + "\n");
}

}  // namespace stayaway::ingest
