// OsmAndEndpoint: the handler of the OsmAnd port. Phone apps such as Traccar Client report
// here exactly as they report to a Traccar server: GET or form POST of `/?id=..&lat=..`,
// or the JSON location object newer app versions POST. Each request is one fix, submitted
// with source "osmand"; the app gets 200 once the engine has taken it in, 400 with the
// reason when it cannot be read or is refused (counted as rejected "osmand" fixes), 503
// when the engine stays too busy (the app retries, it buffers).
// Access: the phone's credential (ingest role, registered for its device) comes as a
// `token` parameter of the server URL the app is given, `https://centre:5055/?token=..`
// (the app keeps it when adding its own parameters), or as Authorization: Bearer. No known
// token: 401; a device the credential is not registered for: 403. Serve this port over
// TLS: the token travels in the URL.
//
// Thread-safety: Handle may run on any connection strand concurrently.
#ifndef STAYAWAY_INGEST_OSMAND_ENDPOINT_H_
#define STAYAWAY_INGEST_OSMAND_ENDPOINT_H_

#include <chrono>

#include "ingest/http_server.h"
#include "ingest/monitoring_service.h"

namespace stayaway::ingest {

class OsmAndEndpoint {
 public:
  explicit OsmAndEndpoint(MonitoringService& service,
                          std::chrono::milliseconds max_wait = std::chrono::seconds(5))
      : OsmAndEndpoint(service, service, max_wait) {}
  // The same with the core's roles given one by one (each must outlive the endpoint).
  OsmAndEndpoint(FixSink& fixes, AccessGate& access,
                 std::chrono::milliseconds max_wait = std::chrono::seconds(5))
      : fixes_(&fixes), access_(&access), max_wait_(max_wait) {}

  void Handle(HttpRequest request, HttpResponder responder);
  HttpServer::Handler handler() {
    return [this](HttpRequest request, HttpResponder responder) {
      Handle(std::move(request), std::move(responder));
    };
  }

 private:
  FixSink* fixes_;
  AccessGate* access_;
  std::chrono::milliseconds max_wait_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_OSMAND_ENDPOINT_H_
