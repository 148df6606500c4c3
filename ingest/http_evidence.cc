// HttpApi's handlers for evidence (http_api.h): the evidence bundle of an alert
// (/v1/alerts/{id}/evidence, made on the slow lane, a bounded number at once) and the
// public keys a court verifies bundles with (/v1/keys), and their rotation
// (/v1/keys/rotate).
#include <google/protobuf/struct.pb.h>

#include <string>

#include "base/zip_archive.h"
#include "ingest/http_api.h"
#include "ingest/http_context.h"

namespace stayaway::ingest {

namespace asio = boost::asio;
namespace http = boost::beast::http;
namespace pbutil = google::protobuf::util;

void HttpApi::PublicKeys(const std::shared_ptr<Context>& ctx) {
  v1::PublicKeyList keys;
  for (v1::PublicKey& key : service_->PublicKeys()) *keys.add_keys() = std::move(key);
  ctx->Reply(http::status::ok, ToJson(keys) + "\n");
}

// Runs off the io threads: it waits for the engine thread, which signs the old key's last
// checkpoint and the new key's first.
void HttpApi::RotateSigningKey(const std::shared_ptr<Context>& ctx) {
  StatusOr<std::vector<v1::PublicKey>> history = service_->RotateSigningKey();
  if (!history.ok()) return ctx->Refuse(history.status());
  service_->Audit("signing key rotated", *ctx->principal,
                  "key " + (history->empty() ? std::string() : history->back().key_id()));
  v1::PublicKeyList keys;
  for (v1::PublicKey& key : *history) *keys.add_keys() = std::move(key);
  ctx->Reply(http::status::ok, ToJson(keys) + "\n");
}

void HttpApi::Evidence(const std::shared_ptr<Context>& ctx, const std::string& id) {
  // A bundle replays the journal: seconds on a long history. One at a time, off the io
  // threads; a second request meanwhile is asked to come back.
  if (evidence_in_flight_.fetch_add(1) >= options_.max_evidence_in_flight) {
    evidence_in_flight_.fetch_sub(1);
    HttpResponse busy = MakeErrorResponse(ctx->request, http::status::service_unavailable, "busy",
                                          "an evidence bundle is being made; retry shortly");
    busy.set(http::field::retry_after, "5");
    service_->CountRejected(kHttpApiSource, "busy");
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
      ctx->Refuse(files.status());
      return;
    }
    // Accept: application/zip asks for the bundle as one file (base/zip_archive.h).
    const std::string_view accept(ctx->request[http::field::accept].data(),
                                  ctx->request[http::field::accept].size());
    if (accept.find("application/zip") != std::string_view::npos) {
      StatusOr<std::string> archive = WriteZip(*files);
      if (!archive.ok()) return ctx->Refuse(archive.status());
      HttpResponse response =
          MakeResponse(ctx->request, http::status::ok, std::move(*archive), "application/zip");
      response.set(http::field::content_disposition,
                   Beast("attachment; filename=\"evidence-" + id + ".zip\""));
      ctx->responder.Send(std::move(response));
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

}  // namespace stayaway::ingest
