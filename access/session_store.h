// SessionStore: browser sessions of the HTTP API. A browser cannot keep a bearer token
// anywhere a page's scripts cannot read it (localStorage is open to any script on the
// origin), and an EventSource cannot send an Authorization header, so a browser signs in
// once with its token (POST /v1/session) and from then on carries an HttpOnly cookie that
// names a session held here.
//
// A session is the principal that signed in (the credential's Principal, shared with the
// credential store), a CSRF token for the page, and its times. Its id is 256 random bits
// from the system CSPRNG (base/random.h, like bearer tokens; 43 base64url characters),
// handed out once as the cookie's value; the store keeps only the id's SHA-256 (like
// credentials, access/token.h), so whoever reads the daemon's memory or a core dump learns
// no usable cookie. The CSRF token (another 256 random bits) is not a credential on its own:
// the page reads it back with GET /v1/session, so it is kept as it is.
//
// A session ends, and is forgotten, at the first of:
//   - sign-out (End);
//   - its credential being revoked (or the bootstrap admin's token rotated): checked at
//     every use, so the very next request of the session is refused;
//   - idle_timeout without use (every request, and an open event stream, uses it);
//   - lifetime after sign-in, however busy;
//   - max_sessions_per_credential newer sessions of its own credential: signing in past
//     that bound drops the credential's own oldest session, never another's.
// The store holds max_sessions at most. When that bound is full, a sign-in whose
// credential already holds a session replaces its own oldest; any other sign-in is
// refused (FailedPrecondition) rather than ending somebody else's session: otherwise a
// single leaked credential, signing in again and again, would sign every operator out.
// Each end is counted by reason (ended()).
//
// Times are the steady clock's (a stepped wall clock neither ends nor extends a session);
// `remaining` says how long a session has left if it is not used again.
//
// Thread-safe: one mutex; every call is a hash lookup, Create sweeps ended sessions.
#ifndef STAYAWAY_ACCESS_SESSION_STORE_H_
#define STAYAWAY_ACCESS_SESSION_STORE_H_

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "access/principal.h"
#include "base/status.h"

namespace stayaway::access {

// The name of the session cookie.
inline constexpr std::string_view kSessionCookie = "stayaway_session";

struct SessionOptions {
  // A session not used for this long ends. Default: 30 minutes.
  std::chrono::milliseconds idle_timeout{30 * 60 * 1000};
  // A session ends this long after sign-in, however busy. Default: 12 hours.
  std::chrono::milliseconds lifetime{12 * 60 * 60 * 1000};
  // Sessions at most, of all credentials together; when full, a credential with no
  // session of its own is refused. Default: 10,000.
  std::size_t max_sessions = 10'000;
  // Sessions of one credential at most; signing in past it ends that credential's oldest.
  // Default 20: a desk's browser tabs and a few machines, yet far below max_sessions, so
  // no one credential can fill the store.
  std::size_t max_sessions_per_credential = 20;
};

class SessionStore {
 public:
  using Clock = std::function<std::chrono::steady_clock::time_point()>;
  enum class EndReason { kSignedOut, kIdle, kExpired, kRevoked, kEvicted };
  static constexpr std::size_t kEndReasons = 5;
  // "signed_out", "idle", "expired", "revoked", "evicted": metric labels.
  static std::string_view EndReasonName(EndReason reason);

  // What a request learns of its session.
  struct Session {
    std::string digest;      // lowercase hex SHA-256 of the id: the store's key
    std::string csrf_token;  // what state-changing requests must send as X-CSRF-Token
    std::shared_ptr<const Principal> principal;
    std::chrono::milliseconds remaining{0};  // until it ends if not used again
  };
  // A new session: its id (the cookie's value) is in nothing else the store answers.
  struct Issued {
    std::string id;
    Session session;
  };

  explicit SessionStore(SessionOptions options = {}, Clock clock = std::chrono::steady_clock::now);
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // Opens a session for a signed-in principal, ending the credential's own oldest when it
  // is at max_sessions_per_credential (or the store is full and it holds one). Fails with
  // FailedPrecondition when the store is full of other credentials' sessions, Internal if
  // there are no random bytes.
  StatusOr<Issued> Create(std::shared_ptr<const Principal> principal);
  // The live session with this id (the cookie's value), which counts as a use; nullopt
  // when there is none, or it has ended (then it is forgotten and counted).
  std::optional<Session> Find(std::string_view id);
  // The same by digest, for a request already admitted that keeps a session in use (an
  // event stream): false once it has ended.
  bool Touch(std::string_view digest);
  // Sign-out: ends the session with this id. False when there was none.
  bool End(std::string_view id);

  // Whether `presented` is the session's CSRF token, compared in constant time.
  static bool CsrfMatches(const Session& session, std::string_view presented);

  // Sessions held (including ended ones not yet noticed: Sweep first for an exact count).
  std::size_t size() const;
  // Forgets every session that has ended, counting each.
  void Sweep();
  // Sessions ended for this reason since start.
  uint64_t ended(EndReason reason) const;

  const SessionOptions& options() const { return options_; }

 private:
  struct Entry {
    std::string csrf_token;
    std::shared_ptr<const Principal> principal;
    std::chrono::steady_clock::time_point created;
    std::chrono::steady_clock::time_point last_used;
    uint64_t serial = 0;  // order of creation, for eviction
  };
  using Map = std::unordered_map<std::string, Entry>;

  // Why the session has ended by `now`, if it has. Lock held.
  std::optional<EndReason> Ended(const Entry& entry,
                                 std::chrono::steady_clock::time_point now) const;
  // Forgets the session, counting it under `reason`. Lock held.
  void Erase(Map::iterator it, EndReason reason);
  // Forgets every session that has ended by `now`. Lock held.
  void EraseEnded(std::chrono::steady_clock::time_point now);
  // Uses the session: ends it if it has ended, else marks it used and describes it.
  std::optional<Session> Use(Map::iterator it);

  const SessionOptions options_;
  const Clock clock_;
  mutable std::mutex mu_;
  Map by_digest_;                              // guarded by mu_
  std::map<uint64_t, std::string> by_serial_;  // guarded by mu_: oldest first
  uint64_t next_serial_ = 1;                   // guarded by mu_
  std::array<uint64_t, kEndReasons> ended_{};  // guarded by mu_
};

}  // namespace stayaway::access

#endif  // STAYAWAY_ACCESS_SESSION_STORE_H_
