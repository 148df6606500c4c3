// An HTTP/1.1 client for the test suites, over Boost.Beast: one request on its own
// connection to a loopback port, the whole response read (by Content-Length, chunked, or to
// the close). The suites' ordinary requests go through it; raw_http.h keeps hand-written
// bytes for the suites that must send malformed ones on purpose. Beast stays in
// http_client.cc (the stayaway_test_support library), out of the many suites that include
// this. Reentrant: nothing is shared between calls.
#ifndef STAYAWAY_TESTS_HTTP_CLIENT_H_
#define STAYAWAY_TESTS_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stayaway::testing_harness {

struct HttpReply {
  int status = 0;    // 0 when no status line came back
  std::string head;  // the status line and headers ("Name: value" lines), without the blank line
  std::string body;  // decoded: chunked framing removed
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// `method` `target` on a new connection to 127.0.0.1:`port` with `headers` and `body`,
// Host 127.0.0.1:PORT (unless `headers` names another) and Connection: close; a body, and
// every POST and PUT, gets its Content-Length. Each step
// (connect, write, read) waits at most `timeout`. A refused connection or a broken answer
// gives status 0, or what arrived of it.
HttpReply HttpExchange(uint16_t port, std::string_view method, std::string_view target,
                       const HttpHeaders& headers, std::string_view body,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_HTTP_CLIENT_H_
