// The blocking HTTP clients on Asio and Beast (webhook and victim gateway POSTs, the load
// generator's API client, the test harness): each step is started asynchronously, so the
// stream's expiry can end it, and run to completion here on the client's own io_context.
// Header-only; an io_context serves one thread at a time.
#ifndef STAYAWAY_BASE_BLOCKING_STEP_H_
#define STAYAWAY_BASE_BLOCKING_STEP_H_

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <string_view>

namespace stayaway {

// Starts one asynchronous operation with a handler that keeps its error, runs `io` until
// it completes and returns that error.
template <class Start>
boost::beast::error_code RunStep(boost::asio::io_context& io, Start&& start) {
  boost::beast::error_code result;
  start([&result](boost::beast::error_code ec, auto&&...) { result = ec; });
  io.restart();
  io.run();
  return result;
}

// Beast in Boost 1.74 takes boost::string_view.
inline boost::beast::string_view BeastText(std::string_view text) {
  return {text.data(), text.size()};
}

}  // namespace stayaway

#endif  // STAYAWAY_BASE_BLOCKING_STEP_H_
