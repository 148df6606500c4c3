// MaybeTlsStream: a connection that is TLS or plain, decided when it is accepted, with the
// one interface the servers' read and write code needs (Asio's AsyncReadStream and
// AsyncWriteStream). `NextLayer` is what carries the bytes: tcp::socket for the ingest
// port, beast::tcp_stream (with its timeouts) for the HTTP ports.
//
// Thread-compatible, like the streams it wraps: use it from its connection's strand.
#ifndef STAYAWAY_INGEST_TLS_STREAM_H_
#define STAYAWAY_INGEST_TLS_STREAM_H_

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <memory>
#include <optional>
#include <utility>

namespace stayaway::ingest {

template <class NextLayer>
class MaybeTlsStream {
 public:
  using executor_type = typename NextLayer::executor_type;

  // TLS when `tls` is not null (the context must outlive the stream).
  MaybeTlsStream(NextLayer next, boost::asio::ssl::context* tls) {
    if (tls != nullptr) {
      tls_ = std::make_unique<boost::asio::ssl::stream<NextLayer>>(std::move(next), *tls);
    } else {
      plain_.emplace(std::move(next));
    }
  }

  bool is_tls() const { return tls_ != nullptr; }
  NextLayer& next_layer() { return tls_ ? tls_->next_layer() : *plain_; }
  executor_type get_executor() { return next_layer().get_executor(); }

  // The server side of the TLS handshake; completes at once on a plain connection.
  template <class Handler>
  void async_handshake(Handler&& handler) {
    if (tls_) {
      tls_->async_handshake(boost::asio::ssl::stream_base::server, std::forward<Handler>(handler));
    } else {
      boost::asio::post(get_executor(), [h = std::forward<Handler>(handler)]() mutable {
        h(boost::system::error_code{});
      });
    }
  }

  template <class MutableBuffers, class Handler>
  void async_read_some(const MutableBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_read_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_read_some(buffers, std::forward<Handler>(handler));
    }
  }

  template <class ConstBuffers, class Handler>
  void async_write_some(const ConstBuffers& buffers, Handler&& handler) {
    if (tls_) {
      tls_->async_write_some(buffers, std::forward<Handler>(handler));
    } else {
      plain_->async_write_some(buffers, std::forward<Handler>(handler));
    }
  }

 private:
  std::unique_ptr<boost::asio::ssl::stream<NextLayer>> tls_;
  std::optional<NextLayer> plain_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_TLS_STREAM_H_
