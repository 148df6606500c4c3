#include "tests/http_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <limits>

#include "base/blocking_step.h"

namespace stayaway::testing_harness {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

}  // namespace

HttpReply HttpExchange(uint16_t port, std::string_view method, std::string_view target,
                       const HttpHeaders& headers, std::string_view body,
                       std::chrono::milliseconds timeout) {
  HttpReply reply;
  http::request<http::string_body> request;
  const http::verb verb = http::string_to_verb(BeastText(method));
  if (verb == http::verb::unknown) {
    request.method_string(BeastText(method));
  } else {
    request.method(verb);
  }
  request.target(BeastText(target));
  request.version(11);
  request.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  request.set(http::field::connection, "close");
  for (const auto& [name, value] : headers) {
    // A Host of the caller's replaces ours; any other header is added (Cookie twice is two).
    if (beast::iequals(name, "Host")) {
      request.set(http::field::host, value);
    } else {
      request.insert(name, value);
    }
  }
  if (!body.empty() || verb == http::verb::post || verb == http::verb::put) {
    request.body() = std::string(body);
    request.prepare_payload();
  }

  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.expires_after(timeout);
  const tcp::endpoint endpoint(asio::ip::address_v4::loopback(), port);
  if (RunStep(io, [&](auto handler) { stream.async_connect(endpoint, std::move(handler)); })) {
    return reply;
  }
  stream.expires_after(timeout);
  if (RunStep(io, [&](auto handler) { http::async_write(stream, request, std::move(handler)); })) {
    return reply;
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());  // evidence bundles are large
  if (verb == http::verb::head) parser.skip(true);               // a length, but no body
  stream.expires_after(timeout);
  RunStep(io, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  if (!parser.is_header_done()) return reply;
  const auto& response = parser.get();
  reply.status = static_cast<int>(response.result_int());
  reply.head = "HTTP/" + std::to_string(response.version() / 10) + "." +
               std::to_string(response.version() % 10) + " " + std::to_string(reply.status) + " " +
               std::string(response.reason());
  for (const auto& field : response) {
    reply.head += "\r\n" + std::string(field.name_string()) + ": " + std::string(field.value());
  }
  reply.body = response.body();
  return reply;
}

}  // namespace stayaway::testing_harness
