// ConnectionAdmission: which connections a server keeps open, so that clients that have
// not authenticated cannot crowd out those that have. Every network server (the TCP ingest
// port, the HTTP API port, the OsmAnd port) keeps one and asks it on every accept.
//
// A connection is "unauthenticated" from its accept until its client proves a
// credential (an accepted authenticate frame on TCP, a request with a known token on HTTP)
// and "authenticated" from then on. Limits (ConnectionLimits, all per port):
//   - at most max_unauthenticated_per_address unauthenticated connections from one client
//     address (ClientAddressGroup: an IPv4 address, or an IPv6 /64, since one IPv6 client
//     is handed a whole /64): a new one from that address takes the place of its oldest;
//   - at most max_unauthenticated unauthenticated connections in all: a new one takes the
//     place of the oldest;
//   - at most max_connections connections in all: a new one takes the place of the oldest
//     unauthenticated connection, and is refused only when every open connection is
//     authenticated;
//   - each server closes a connection that has not authenticated within auth_timeout.
// New connections evict old unauthenticated ones rather than being refused, because a real
// client's connection is also unauthenticated when it arrives (possibly from the same
// address as an attacker, such as a shared NAT or, in tests, 127.0.0.1): refusing new
// connections would let whoever holds idle connections lock everyone out, while evicting
// the oldest lets a real client in and costs an idle attacker his oldest connection.
// Authenticated connections are never evicted.
//
//   ConnectionAdmission admission(limits);
//   auto decision = admission.Admit(id, "192.0.2.7");   // ids increase with accept order
//   for (uint64_t old : decision.evicted) ...close connection `old` ("evicted_unauthenticated")
//   if (!decision.admitted) ...refuse ("too_many_connections")
//   admission.MarkAuthenticated(id);  // once its client proved a credential
//   admission.Remove(id);             // once it closed, for whatever reason
//
// Thread-safety: every member may be called from any thread (one mutex inside).
#ifndef STAYAWAY_INGEST_CONNECTION_ADMISSION_H_
#define STAYAWAY_INGEST_CONNECTION_ADMISSION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace stayaway::ingest {

struct ConnectionLimits {
  // Open connections at most, authenticated or not.
  std::size_t max_connections = 1024;
  // Unauthenticated connections at most (each at least 1).
  std::size_t max_unauthenticated = 512;
  // Unauthenticated connections from one client address at most (ClientAddressGroup).
  std::size_t max_unauthenticated_per_address = 64;
  // Time from accept (TLS handshake included) within which a connection must authenticate;
  // the server closes it then ("auth_timeout").
  std::chrono::milliseconds auth_timeout{10'000};
};

// What counts as one client address for max_unauthenticated_per_address: an IPv4 address
// as it is ("192.0.2.7"), an IPv4-mapped IPv6 address as its IPv4 address, and any other
// IPv6 address as its /64 prefix ("2001:db8:1:2::/64"): a single subscriber or host is
// routinely given a /64 and can pick any of its 2^64 addresses. Text that is not an IP
// address is its own group. Pure; thread-safe.
std::string ClientAddressGroup(const std::string& address);

class ConnectionAdmission {
 public:
  explicit ConnectionAdmission(ConnectionLimits limits) : limits_(limits) {}

  struct Decision {
    // False: refused, every open connection is authenticated and the limit is reached.
    bool admitted = false;
    // Unauthenticated connections that lost their place to this one, oldest first. They
    // are already forgotten here; the caller closes them.
    std::vector<uint64_t> evicted;
  };

  // A new connection `id` from `peer_address` (as the socket reports it). Ids must increase with
  // the order of accepts (they say which connection is oldest). An admitted connection counts until
  // Remove.
  Decision Admit(uint64_t id, const std::string& peer_address);
  // Connection `id` authenticated: it is no longer evicted. False when it is not (or no
  // longer) admitted, e.g. evicted a moment before; its closing is then under way.
  bool MarkAuthenticated(uint64_t id);
  // Connection `id` closed. Idempotent; unknown ids are ignored.
  void Remove(uint64_t id);
  // Forgets the oldest unauthenticated connection and returns it, for a server that has
  // run out of file descriptors; nullopt when there is none.
  std::optional<uint64_t> EvictOldestUnauthenticated();

  std::size_t open() const;
  std::size_t unauthenticated() const;
  const ConnectionLimits& limits() const { return limits_; }

 private:
  // Forgets unauthenticated connection `id`; the caller holds mu_.
  void ForgetUnauthenticated(uint64_t id);

  const ConnectionLimits limits_;
  mutable std::mutex mu_;
  std::map<uint64_t, std::string> unauthenticated_;  // id -> address, oldest first
  std::unordered_map<std::string, std::set<uint64_t>> unauthenticated_by_address_;
  std::unordered_set<uint64_t> authenticated_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_CONNECTION_ADMISSION_H_
