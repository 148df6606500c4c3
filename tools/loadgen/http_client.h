// HttpRequest: one blocking HTTP/1.1 request to stayawayd's API on its own connection
// (Connection: close), over Boost.Beast, for setting up a load test: orders and zones.
// Not a general client: no TLS, no redirects. Each step (connect, write, read) waits at
// most 60 s. Thread-safe (no state); Beast stays in http_client.cc.
#ifndef STAYAWAY_TOOLS_LOADGEN_HTTP_CLIENT_H_
#define STAYAWAY_TOOLS_LOADGEN_HTTP_CLIENT_H_

#include <string>
#include <string_view>

#include "base/status.h"

namespace stayaway::loadgen {

struct HttpResponse {
  int status = 0;
  std::string body;  // decoded (a chunked body arrives whole)
};

// `target` is HOST:PORT; `path` starts with '/'. FailedPrecondition when the server cannot
// be reached or answers with something that is not HTTP/1.x; any HTTP status is a value.
// `token`, when not empty, goes in Authorization: Bearer.
StatusOr<HttpResponse> HttpRequest(std::string_view target, std::string_view method,
                                   std::string_view path, std::string_view json_body = {},
                                   std::string_view token = {});

}  // namespace stayaway::loadgen

#endif  // STAYAWAY_TOOLS_LOADGEN_HTTP_CLIENT_H_
