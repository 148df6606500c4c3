#include "tests/webhook_receiver.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <mutex>
#include <thread>

#include "ingest/tls_context.h"

namespace stayaway::testing_harness {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

std::string Lower(std::string_view text) {
  std::string out;
  for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string WebhookReceiver::Request::Header(const std::string& name) const {
  const std::string lower_head = Lower(head), lower_name = Lower(name);
  const size_t at = lower_head.find("\r\n" + lower_name + ":");
  if (at == std::string::npos) return "";
  size_t from = at + 2 + name.size() + 1;
  while (from < head.size() && head[from] == ' ') ++from;
  return head.substr(from, head.find("\r\n", from) - from);
}

struct WebhookReceiver::Impl {
  explicit Impl(WebhookReceiverOptions o) : options(std::move(o)) {}

  // One connection: the request read, the answer written, the connection closed.
  template <class Stream>
  void Handle(Stream& stream) {
    beast::flat_buffer buffer;
    http::request<http::string_body> request;
    beast::error_code ec;
    http::read(stream, buffer, request, ec);
    if (ec) return;
    const bool fail = requests++ < options.failures || refusing.load();
    http::response<http::empty_body> response;
    response.version(11);
    response.keep_alive(false);
    if (fail) {
      const size_t space = options.fail_status.find(' ');
      response.result(static_cast<unsigned>(std::stoi(options.fail_status.substr(0, space))));
      if (space != std::string::npos) response.reason(options.fail_status.substr(space + 1));
      response.content_length(0);
    } else {
      response.result(http::status::no_content);
    }
    http::write(stream, response, ec);
    if (fail) return;
    std::string head = std::string(request.method_string()) + " " + std::string(request.target()) +
                       " HTTP/1.1\r\n";
    for (const auto& field : request) {
      head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    std::lock_guard<std::mutex> lock(mu);
    accepted.push_back({std::move(head), std::move(request.body())});
  }

  // Blocking, one connection at a time: stayawayd posts one request at a time per
  // dispatcher and always finishes it or closes.
  void Serve(tcp::socket socket) {
    if (!tls) {
      Handle(socket);
      beast::error_code ignored;
      socket.shutdown(tcp::socket::shutdown_both, ignored);
      return;
    }
    ssl::stream<tcp::socket> stream(std::move(socket), *tls);
    beast::error_code ec;
    stream.handshake(ssl::stream_base::server, ec);
    if (ec) {
      ++failed_handshakes;
      return;
    }
    Handle(stream);
    stream.shutdown(ec);  // close_notify; the client may already be gone
  }

  void Accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;  // closed: the receiver is going away
      Serve(std::move(socket));
      Accept();
    });
  }

  const WebhookReceiverOptions options;
  std::shared_ptr<ssl::context> tls;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  uint16_t port = 0;
  std::atomic<int> requests{0};
  std::atomic<bool> refusing{false};
  std::atomic<int> failed_handshakes{0};
  mutable std::mutex mu;
  std::vector<Request> accepted;  // guarded by mu
  std::thread thread;
};

WebhookReceiver::WebhookReceiver(int failures, std::string fail_status)
    : WebhookReceiver(
          WebhookReceiverOptions{failures, std::move(fail_status), "", "", "127.0.0.1"}) {}

WebhookReceiver::WebhookReceiver(WebhookReceiverOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  if (!impl_->options.certificate_chain.empty()) {
    auto tls = ingest::MakeServerTlsContext(
        {impl_->options.certificate_chain, impl_->options.private_key, ""});
    EXPECT_TRUE(tls.ok()) << tls.status().message();
    if (tls.ok()) impl_->tls = *tls;
  }
  const tcp::endpoint loopback(asio::ip::address_v4::loopback(), 0);
  impl_->acceptor.open(loopback.protocol());
  impl_->acceptor.bind(loopback);
  impl_->acceptor.listen();
  impl_->port = impl_->acceptor.local_endpoint().port();
  impl_->Accept();
  impl_->thread = std::thread([impl = impl_.get()] { impl->io.run(); });
}

WebhookReceiver::~WebhookReceiver() {
  // The acceptor belongs to the serving thread: closed there, which ends its run().
  asio::post(impl_->io, [impl = impl_.get()] {
    beast::error_code ignored;
    impl->acceptor.close(ignored);
  });
  impl_->thread.join();
}

uint16_t WebhookReceiver::port() const { return impl_->port; }

std::string WebhookReceiver::url() const {
  return std::string(impl_->tls ? "https://" : "http://") + impl_->options.url_host + ":" +
         std::to_string(impl_->port) + "/hook";
}

int WebhookReceiver::requests() const { return impl_->requests; }

void WebhookReceiver::SetRefusing(bool refusing) { impl_->refusing.store(refusing); }

int WebhookReceiver::failed_handshakes() const { return impl_->failed_handshakes; }

std::vector<WebhookReceiver::Request> WebhookReceiver::accepted() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->accepted;
}

}  // namespace stayaway::testing_harness
