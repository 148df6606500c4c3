#include "access/session_store.h"

#include <gtest/gtest.h>

#include <set>

#include "access/credential_store.h"
#include "access/token.h"

namespace stayaway::access {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

constexpr TimeMs kNow = 1'790'000'000'000;

// A clock the test moves by hand.
struct FakeClock {
  std::chrono::steady_clock::time_point now{hours(1000)};
  SessionStore::Clock fn() {
    return [this] { return now; };
  }
};

// A real credential store in memory, so revocation is the store's own.
struct Credentials {
  std::unique_ptr<CredentialStore> store = std::move(CredentialStore::Open("")).value();
  std::string admin_token = "bootstrap-token-0123456789";
  Credentials() { EXPECT_TRUE(store->EnsureBootstrapAdmin(admin_token, kNow).ok()); }
  // Issues an operator credential and signs it in: its principal and id.
  std::pair<std::shared_ptr<const Principal>, std::string> Operator(const std::string& name) {
    v1::Credential request;
    request.set_name(name);
    request.add_roles(v1::Credential::operator_);
    auto issued = store->Issue(request, kNow);
    EXPECT_TRUE(issued.ok()) << issued.status().message();
    auto principal = store->Authenticate(issued->token());
    EXPECT_NE(principal, nullptr);
    return {principal, issued->credential().id()};
  }
};

TEST(SessionStoreTest, CreateAndFind) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto [principal, id] = credentials.Operator("op-1");
  auto issued = sessions.Create(principal);
  ASSERT_TRUE(issued.ok());
  // 256 random bits as base64url; the CSRF token likewise, and different.
  EXPECT_EQ(issued->id.size(), 43u);
  EXPECT_EQ(issued->session.csrf_token.size(), 43u);
  EXPECT_NE(issued->id, issued->session.csrf_token);
  auto found = sessions.Find(issued->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->principal->id(), id);
  EXPECT_EQ(found->csrf_token, issued->session.csrf_token);
  EXPECT_EQ(found->remaining, minutes(30));
  EXPECT_FALSE(sessions.Find("").has_value());
  EXPECT_FALSE(sessions.Find(issued->id + "x").has_value());
  EXPECT_FALSE(sessions.Find(issued->session.csrf_token).has_value());
}

TEST(SessionStoreTest, KeepsOnlyTheDigestOfTheId) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto issued = sessions.Create(credentials.Operator("op-1").first);
  ASSERT_TRUE(issued.ok());
  EXPECT_EQ(issued->session.digest, TokenDigest(issued->id));
  EXPECT_EQ(issued->session.digest.size(), 64u);
  // The digest is the key, not a cookie: presenting it finds nothing.
  EXPECT_FALSE(sessions.Find(issued->session.digest).has_value());
  EXPECT_TRUE(sessions.Touch(issued->session.digest));
  EXPECT_FALSE(sessions.Touch(issued->id));
}

TEST(SessionStoreTest, IdsAreRandom) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto principal = credentials.Operator("op-1").first;
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto issued = sessions.Create(principal);
    ASSERT_TRUE(issued.ok());
    EXPECT_TRUE(seen.insert(issued->id).second);
    EXPECT_TRUE(seen.insert(issued->session.csrf_token).second);
  }
}

TEST(SessionStoreTest, EndsWhenIdle) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.idle_timeout = minutes(30);
  options.lifetime = hours(12);
  SessionStore sessions(options, clock.fn());
  auto issued = sessions.Create(credentials.Operator("op-1").first);
  ASSERT_TRUE(issued.ok());
  // Used every 29 minutes it lives on.
  for (int i = 0; i < 5; ++i) {
    clock.now += minutes(29);
    ASSERT_TRUE(sessions.Find(issued->id).has_value()) << i;
  }
  // An event stream's touch counts as use too.
  clock.now += minutes(29);
  EXPECT_TRUE(sessions.Touch(issued->session.digest));
  clock.now += minutes(30);
  EXPECT_FALSE(sessions.Find(issued->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kIdle), 1u);
  EXPECT_EQ(sessions.size(), 0u);
  // Gone for good, not only for a moment.
  clock.now -= minutes(10);
  EXPECT_FALSE(sessions.Find(issued->id).has_value());
}

TEST(SessionStoreTest, EndsAtItsLifetimeHoweverBusy) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.idle_timeout = minutes(30);
  options.lifetime = hours(2);
  SessionStore sessions(options, clock.fn());
  auto issued = sessions.Create(credentials.Operator("op-1").first);
  ASSERT_TRUE(issued.ok());
  for (int i = 0; i < 11; ++i) {
    clock.now += minutes(10);
    ASSERT_TRUE(sessions.Find(issued->id).has_value()) << i;
  }
  // 110 minutes in: 10 left, less than the idle timeout.
  clock.now += minutes(5);
  auto found = sessions.Find(issued->id);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->remaining, minutes(5));
  clock.now += minutes(5);
  EXPECT_FALSE(sessions.Find(issued->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kExpired), 1u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kIdle), 0u);
}

TEST(SessionStoreTest, SignOutEndsIt) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto principal = credentials.Operator("op-1").first;
  auto a = sessions.Create(principal);
  auto b = sessions.Create(principal);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_TRUE(sessions.End(a->id));
  EXPECT_FALSE(sessions.End(a->id));
  EXPECT_FALSE(sessions.Find(a->id).has_value());
  EXPECT_FALSE(sessions.Touch(a->session.digest));
  // The same credential's other session is its own.
  EXPECT_TRUE(sessions.Find(b->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kSignedOut), 1u);
}

TEST(SessionStoreTest, RevokingTheCredentialEndsItsSessionsAtOnce) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto [revoked, revoked_id] = credentials.Operator("op-1");
  auto [kept, kept_id] = credentials.Operator("op-2");
  auto a = sessions.Create(revoked);
  auto b = sessions.Create(revoked);
  auto c = sessions.Create(kept);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  ASSERT_TRUE(sessions.Find(a->id).has_value());
  ASSERT_TRUE(credentials.store->Revoke(revoked_id).ok());
  // No clock moved: the very next use is refused.
  EXPECT_FALSE(sessions.Find(a->id).has_value());
  EXPECT_FALSE(sessions.Touch(b->session.digest));
  EXPECT_TRUE(sessions.Find(c->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kRevoked), 2u);
}

TEST(SessionStoreTest, RotatingTheBootstrapTokenEndsItsSessions) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto admin = credentials.store->Authenticate(credentials.admin_token);
  ASSERT_NE(admin, nullptr);
  auto issued = sessions.Create(admin);
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(credentials.store->EnsureBootstrapAdmin("another-token-0123456789", kNow).ok());
  EXPECT_FALSE(sessions.Find(issued->id).has_value());
}

TEST(SessionStoreTest, BoundedOldestDropped) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.max_sessions = 3;
  SessionStore sessions(options, clock.fn());
  auto principal = credentials.Operator("op-1").first;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    auto issued = sessions.Create(principal);
    ASSERT_TRUE(issued.ok());
    ids.push_back(issued->id);
    clock.now += seconds(1);
  }
  EXPECT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kEvicted), 2u);
  EXPECT_FALSE(sessions.Find(ids[0]).has_value());
  EXPECT_FALSE(sessions.Find(ids[1]).has_value());
  // Oldest by sign-in, whatever was used last.
  EXPECT_TRUE(sessions.Find(ids[2]).has_value());
  EXPECT_TRUE(sessions.Find(ids[3]).has_value());
  EXPECT_TRUE(sessions.Find(ids[4]).has_value());
}

TEST(SessionStoreTest, PerCredentialBoundEvictsOnlyThatCredentialsOldest) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.max_sessions = 100;
  options.max_sessions_per_credential = 3;
  SessionStore sessions(options, clock.fn());
  auto op1 = credentials.Operator("op-1").first;
  auto op2 = credentials.Operator("op-2").first;
  // op-2 signed in first: its session is the oldest in the store.
  auto other = sessions.Create(op2);
  ASSERT_TRUE(other.ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    clock.now += seconds(1);
    auto issued = sessions.Create(op1);
    ASSERT_TRUE(issued.ok());
    ids.push_back(issued->id);
  }
  EXPECT_EQ(sessions.size(), 4u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kEvicted), 7u);
  EXPECT_TRUE(sessions.Find(other->id).has_value());
  for (int i = 0; i < 7; ++i) EXPECT_FALSE(sessions.Find(ids[i]).has_value()) << i;
  for (int i = 7; i < 10; ++i) EXPECT_TRUE(sessions.Find(ids[i]).has_value()) << i;
}

TEST(SessionStoreTest, FullOfOtherCredentialsSessionsRefusesTheNewSignIn) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.max_sessions = 3;
  SessionStore sessions(options, clock.fn());
  auto op1 = credentials.Operator("op-1").first;
  auto op2 = credentials.Operator("op-2").first;
  auto a = sessions.Create(op1);
  clock.now += seconds(1);
  auto b = sessions.Create(op1);
  clock.now += seconds(1);
  auto c = sessions.Create(op2);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  // A credential with no session of its own cannot push anybody else out, however often
  // it tries.
  auto intruder = credentials.Operator("leaked").first;
  for (int i = 0; i < 50; ++i) {
    auto refused = sessions.Create(intruder);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  }
  EXPECT_EQ(sessions.size(), 3u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kEvicted), 0u);
  EXPECT_TRUE(sessions.Find(a->id).has_value());
  EXPECT_TRUE(sessions.Find(b->id).has_value());
  EXPECT_TRUE(sessions.Find(c->id).has_value());
  // A credential that holds a session replaces its own oldest.
  auto d = sessions.Create(op2);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(sessions.Find(c->id).has_value());
  EXPECT_TRUE(sessions.Find(a->id).has_value());
  EXPECT_TRUE(sessions.Find(b->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kEvicted), 1u);
  // Once a session ends, there is room again.
  EXPECT_TRUE(sessions.End(a->id));
  EXPECT_TRUE(sessions.Create(intruder).ok());
}

TEST(SessionStoreTest, EndedSessionsMakeRoomBeforeLiveOnesAreEvicted) {
  FakeClock clock;
  Credentials credentials;
  SessionOptions options;
  options.max_sessions = 2;
  options.idle_timeout = minutes(30);
  SessionStore sessions(options, clock.fn());
  auto principal = credentials.Operator("op-1").first;
  auto stale = sessions.Create(principal);
  clock.now += minutes(20);
  auto live = sessions.Create(principal);
  ASSERT_TRUE(stale.ok() && live.ok());
  clock.now += minutes(15);  // the first is idle, the second is not
  auto fresh = sessions.Create(principal);
  ASSERT_TRUE(fresh.ok());
  EXPECT_TRUE(sessions.Find(live->id).has_value());
  EXPECT_TRUE(sessions.Find(fresh->id).has_value());
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kIdle), 1u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kEvicted), 0u);
}

TEST(SessionStoreTest, SweepForgetsEndedSessions) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto principal = credentials.Operator("op-1").first;
  ASSERT_TRUE(sessions.Create(principal).ok());
  ASSERT_TRUE(sessions.Create(principal).ok());
  EXPECT_EQ(sessions.size(), 2u);
  clock.now += hours(1);
  sessions.Sweep();
  EXPECT_EQ(sessions.size(), 0u);
  EXPECT_EQ(sessions.ended(SessionStore::EndReason::kIdle), 2u);
}

TEST(SessionStoreTest, CsrfMatchesOnlyTheSessionsToken) {
  FakeClock clock;
  Credentials credentials;
  SessionStore sessions({}, clock.fn());
  auto issued = sessions.Create(credentials.Operator("op-1").first);
  ASSERT_TRUE(issued.ok());
  const SessionStore::Session& session = issued->session;
  EXPECT_TRUE(SessionStore::CsrfMatches(session, session.csrf_token));
  EXPECT_FALSE(SessionStore::CsrfMatches(session, ""));
  EXPECT_FALSE(SessionStore::CsrfMatches(session, session.csrf_token + "a"));
  EXPECT_FALSE(SessionStore::CsrfMatches(session, session.csrf_token.substr(1)));
  EXPECT_FALSE(SessionStore::CsrfMatches(session, issued->id));
  SessionStore::Session empty;
  EXPECT_FALSE(SessionStore::CsrfMatches(empty, ""));
}

}  // namespace
}  // namespace stayaway::access
