// The wrapper every asynchronous callback of a server connection (HTTP and TCP ingest)
// goes through: it keeps the connection alive until the callback has run, and nothing the
// callback throws gets past it into the io_context's threads, where it would end the
// process. This is the one place that stands between a connection's code and those threads.
#ifndef STAYAWAY_INGEST_CONNECTION_GUARD_H_
#define STAYAWAY_INGEST_CONNECTION_GUARD_H_

#include <functional>
#include <memory>
#include <utility>

namespace stayaway::ingest {

// `f` as a callback that holds `connection` and, when `f` throws anything, calls
// `on_exception` on it instead (a member that counts the failure and closes the
// connection; it must not throw). Runs on whatever thread invokes the callback: the
// connection's strand, for the servers.
template <class Connection, class F>
auto GuardCallback(std::shared_ptr<Connection> connection,
                   void (Connection::*on_exception)() noexcept, F f) {
  return
      [connection = std::move(connection), on_exception, f = std::move(f)](auto&&... args) mutable {
        try {
          f(std::forward<decltype(args)>(args)...);
        } catch (...) {
          std::invoke(on_exception, *connection);
        }
      };
}

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_CONNECTION_GUARD_H_
