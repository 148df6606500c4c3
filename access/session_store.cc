#include "access/session_store.h"

#include <sodium.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "access/token.h"
#include "base/base64url.h"
#include "base/random.h"
#include "base/sha256.h"

namespace stayaway::access {

namespace {

// 256 random bits as 43 base64url characters.
StatusOr<std::string> RandomText() {
  std::array<uint8_t, 32> random{};
  if (Status s = RandomBytes(random); !s.ok()) return s;
  return Base64UrlEncode(random);
}

}  // namespace

std::string_view SessionStore::EndReasonName(EndReason reason) {
  switch (reason) {
    case EndReason::kSignedOut:
      return "signed_out";
    case EndReason::kIdle:
      return "idle";
    case EndReason::kExpired:
      return "expired";
    case EndReason::kRevoked:
      return "revoked";
    case EndReason::kEvicted:
      return "evicted";
  }
  return "unknown";
}

SessionStore::SessionStore(SessionOptions options, Clock clock)
    : options_(options), clock_(std::move(clock)) {}

StatusOr<SessionStore::Issued> SessionStore::Create(std::shared_ptr<const Principal> principal) {
  StatusOr<std::string> id = RandomText();
  if (!id.ok()) return id.status();
  StatusOr<std::string> csrf = RandomText();
  if (!csrf.ok()) return csrf.status();
  const std::string digest = TokenDigest(*id);

  std::lock_guard lock(mu_);
  const auto now = clock_();
  // Sign-in is rare: forget what has ended, so the bound counts live sessions only.
  EraseEnded(now);
  // This credential's live sessions, oldest first (by_serial_ is in sign-in order).
  std::vector<Map::iterator> own;
  for (const auto& [serial, key] : by_serial_) {
    const auto it = by_digest_.find(key);
    if (it->second.principal->id() == principal->id()) own.push_back(it);
  }
  const std::size_t per_credential = std::max<std::size_t>(options_.max_sessions_per_credential, 1);
  const std::size_t max_sessions = std::max<std::size_t>(options_.max_sessions, 1);
  std::size_t dropped = 0;
  while (dropped < own.size() &&
         (own.size() - dropped >= per_credential || by_digest_.size() >= max_sessions)) {
    Erase(own[dropped++], EndReason::kEvicted);
  }
  if (by_digest_.size() >= max_sessions) {
    return FailedPrecondition("the daemon holds its most browser sessions (" +
                              std::to_string(max_sessions) +
                              "), all of other credentials; try again when some have ended");
  }
  Entry entry;
  entry.csrf_token = *csrf;
  entry.principal = std::move(principal);
  entry.created = now;
  entry.last_used = now;
  entry.serial = next_serial_++;
  by_serial_.emplace(entry.serial, digest);
  const auto [it, inserted] = by_digest_.emplace(digest, std::move(entry));
  (void)inserted;  // 256 random bits do not collide
  Issued issued;
  issued.id = std::move(*id);
  issued.session = Session{digest, it->second.csrf_token, it->second.principal,
                           std::min(options_.idle_timeout, options_.lifetime)};
  return issued;
}

std::optional<SessionStore::Session> SessionStore::Find(std::string_view id) {
  if (id.empty()) return std::nullopt;
  const std::string digest = TokenDigest(id);
  std::lock_guard lock(mu_);
  const auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return std::nullopt;
  return Use(it);
}

bool SessionStore::Touch(std::string_view digest) {
  std::lock_guard lock(mu_);
  const auto it = by_digest_.find(std::string(digest));
  if (it == by_digest_.end()) return false;
  return Use(it).has_value();
}

bool SessionStore::End(std::string_view id) {
  if (id.empty()) return false;
  const std::string digest = TokenDigest(id);
  std::lock_guard lock(mu_);
  const auto it = by_digest_.find(digest);
  if (it == by_digest_.end()) return false;
  Erase(it, EndReason::kSignedOut);
  return true;
}

bool SessionStore::CsrfMatches(const Session& session, std::string_view presented) {
  if (session.csrf_token.empty()) return false;
  // Digests of both, so that neither the bytes nor the length of the presented text
  // change how long the comparison takes.
  const Sha256Digest want = Sha256(session.csrf_token);
  const Sha256Digest got = Sha256(presented);
  return sodium_memcmp(want.data(), got.data(), want.size()) == 0;
}

std::size_t SessionStore::size() const {
  std::lock_guard lock(mu_);
  return by_digest_.size();
}

void SessionStore::EraseEnded(std::chrono::steady_clock::time_point now) {
  for (auto it = by_digest_.begin(); it != by_digest_.end();) {
    const auto next = std::next(it);
    if (const auto reason = Ended(it->second, now)) Erase(it, *reason);
    it = next;
  }
}

void SessionStore::Sweep() {
  std::lock_guard lock(mu_);
  EraseEnded(clock_());
}

uint64_t SessionStore::ended(EndReason reason) const {
  std::lock_guard lock(mu_);
  return ended_[static_cast<std::size_t>(reason)];
}

std::optional<SessionStore::EndReason> SessionStore::Ended(
    const Entry& entry, std::chrono::steady_clock::time_point now) const {
  if (entry.principal == nullptr || entry.principal->Revoked()) return EndReason::kRevoked;
  if (now - entry.created >= options_.lifetime) return EndReason::kExpired;
  if (now - entry.last_used >= options_.idle_timeout) return EndReason::kIdle;
  return std::nullopt;
}

void SessionStore::Erase(Map::iterator it, EndReason reason) {
  by_serial_.erase(it->second.serial);
  by_digest_.erase(it);
  ++ended_[static_cast<std::size_t>(reason)];
}

std::optional<SessionStore::Session> SessionStore::Use(Map::iterator it) {
  const auto now = clock_();
  if (const auto reason = Ended(it->second, now)) {
    Erase(it, *reason);
    return std::nullopt;
  }
  Entry& entry = it->second;
  entry.last_used = now;
  const auto left_in_life = options_.lifetime - (now - entry.created);
  const auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::min<std::chrono::steady_clock::duration>(left_in_life, options_.idle_timeout));
  return Session{it->first, entry.csrf_token, entry.principal, remaining};
}

}  // namespace stayaway::access
