#include "tools/loadgen/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <limits>

#include "base/blocking_step.h"

namespace stayaway::loadgen {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kStepTimeout = std::chrono::seconds(60);

}  // namespace

StatusOr<HttpResponse> HttpRequest(std::string_view target, std::string_view method,
                                   std::string_view path, std::string_view json_body,
                                   std::string_view token) {
  const size_t colon = target.rfind(':');
  if (colon == std::string_view::npos) return InvalidArgument("address must be HOST:PORT");
  const std::string host(target.substr(0, colon)), port(target.substr(colon + 1));

  http::request<http::string_body> request;
  if (const http::verb verb = http::string_to_verb(BeastText(method));
      verb != http::verb::unknown) {
    request.method(verb);
  } else {
    request.method_string(BeastText(method));
  }
  request.target(BeastText(path));
  request.version(11);
  request.set(http::field::host, BeastText(target));
  request.set(http::field::connection, "close");
  if (!token.empty()) request.set(http::field::authorization, "Bearer " + std::string(token));
  if (!json_body.empty() || method == "POST" || method == "PUT") {
    request.set(http::field::content_type, "application/json");
    request.body() = std::string(json_body);
    request.prepare_payload();
  }

  asio::io_context io;
  tcp::resolver resolver(io);
  beast::error_code ec;
  const auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return FailedPrecondition("cannot resolve " + std::string(target) + ": " + ec.message());
  beast::tcp_stream stream(io);
  stream.expires_after(kStepTimeout);
  if ((ec = RunStep(io, [&](auto done) { stream.async_connect(endpoints, std::move(done)); }))) {
    return FailedPrecondition("cannot connect to " + std::string(target) + ": " + ec.message());
  }
  stream.expires_after(kStepTimeout);
  if ((ec = RunStep(io, [&](auto done) { http::async_write(stream, request, std::move(done)); }))) {
    return FailedPrecondition("send failed: " + ec.message());
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  stream.expires_after(kStepTimeout);
  if ((ec = RunStep(
           io, [&](auto done) { http::async_read(stream, buffer, parser, std::move(done)); }))) {
    return FailedPrecondition("no HTTP response from " + std::string(target) + ": " + ec.message());
  }
  HttpResponse reply;
  reply.status = static_cast<int>(parser.get().result_int());
  reply.body = std::move(parser.get().body());
  return reply;
}

}  // namespace stayaway::loadgen
