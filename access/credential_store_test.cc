#include "access/credential_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "access/permission.h"
#include "access/token.h"
#include "base/file_io.h"

namespace stayaway::access {
namespace {

namespace fs = std::filesystem;

constexpr TimeMs kNow = 1'790'000'000'000;

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("stayaway-access-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

std::unique_ptr<CredentialStore> MustOpen(const std::string& path) {
  auto store = CredentialStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store.value()) : nullptr;
}

v1::Credential Request(const std::string& name, std::initializer_list<Role> roles,
                       std::initializer_list<std::string> devices = {}) {
  v1::Credential request;
  request.set_name(name);
  for (Role role : roles) request.add_roles(role);
  for (const std::string& device : devices) request.add_devices(device);
  return request;
}

// ---- roles -------------------------------------------------------------------------

TEST(Permission, EachRoleGrantsExactlyItsTable) {
  using P = Permission;
  const std::map<Role, std::set<P>> table = {
      {v1::Credential::ingest, {P::kSubmitFixes}},
      {v1::Credential::operator_,
       {P::kReadAlerts, P::kAckAlerts, P::kResolveAlerts, P::kReadEvents, P::kSeeProtectedPositions,
        P::kSeeProtectedPlaces, P::kReadOrders, P::kReadMetrics}},
      {v1::Credential::admin,
       {P::kSeeProtectedPlaces, P::kReadOrders, P::kWriteOrders, P::kManageCredentials,
        P::kManageDeviceKeys, P::kRotateSigningKey, P::kReadMetrics, P::kReadStatistics}},
      {v1::Credential::auditor,
       {P::kReadAlerts, P::kReadEvents, P::kReadOrders, P::kReadMetrics, P::kReadStatistics}},
      {v1::Credential::evidence, {P::kExportEvidence}},
      {v1::Credential::protected_, {P::kSubmitFixes, P::kReadOwnAlerts}},
  };
  for (const auto& [role, granted] : table) {
    for (int p = 0; p <= static_cast<int>(P::kReadStatistics); ++p) {
      const auto permission = static_cast<P>(p);
      EXPECT_EQ(RoleGrants(role, permission), granted.count(permission) == 1)
          << RoleName(role) << " / " << PermissionName(permission);
    }
  }
  EXPECT_FALSE(RoleGrants(v1::Credential::role_unspecified, P::kReadMetrics));
  EXPECT_EQ(RolesGranting(P::kReadAlerts), "operator or auditor");
  EXPECT_EQ(RolesGranting(P::kExportEvidence), "evidence");
  EXPECT_EQ(RolesGranting(P::kSubmitFixes), "ingest or protected");
  EXPECT_EQ(RolesGranting(P::kReadOwnAlerts), "protected");
  EXPECT_EQ(RolesGranting(P::kReadStatistics), "admin or auditor");
}

TEST(Permission, RoleNamesRoundTrip) {
  for (const char* name : {"ingest", "operator", "admin", "auditor", "evidence"}) {
    auto role = ParseRole(name);
    ASSERT_TRUE(role.has_value()) << name;
    EXPECT_EQ(RoleName(*role), name);
  }
  EXPECT_FALSE(ParseRole("root").has_value());
  EXPECT_FALSE(ParseRole("").has_value());
}

TEST(Principal, DevicePatterns) {
  EXPECT_TRUE(DevicePatternMatches("tag-7", "tag-7"));
  EXPECT_FALSE(DevicePatternMatches("tag-7", "tag-70"));
  EXPECT_TRUE(DevicePatternMatches("tag-*", "tag-70"));
  EXPECT_TRUE(DevicePatternMatches("tag-*", "tag-"));
  EXPECT_FALSE(DevicePatternMatches("tag-*", "tab-1"));
  EXPECT_TRUE(DevicePatternMatches("*", "anything"));
  EXPECT_FALSE(DevicePatternMatches("", "tag-7"));
}

TEST(Principal, OnlyIngestWithAMatchingPatternMayReport) {
  auto flag = std::make_shared<std::atomic<bool>>(false);
  Principal gateway("cred-1", "gw", {v1::Credential::ingest}, {"tag-1", "acme-*"}, flag);
  EXPECT_TRUE(gateway.MayReportFor("tag-1"));
  EXPECT_TRUE(gateway.MayReportFor("acme-9"));
  EXPECT_FALSE(gateway.MayReportFor("tag-2"));
  // Devices without the ingest role mean nothing.
  Principal operator_only("cred-2", "op", {v1::Credential::operator_}, {"*"}, flag);
  EXPECT_FALSE(operator_only.MayReportFor("tag-1"));
  EXPECT_EQ(gateway.Describe(), "'gw' (cred-1, ingest)");
}

TEST(Principal, ManyDevicePatternsAgreeWithMatchingEachInTurn) {
  // Oracle: DevicePatternMatches over every pattern, for ids in and out of the list.
  std::vector<std::string> patterns;
  for (int i = 0; i < 5000; i += 2) patterns.push_back("tag-" + std::to_string(i));
  patterns.push_back("acme-*");
  patterns.push_back("tag-99*");
  Principal gateway("cred-1", "gw", {v1::Credential::ingest}, patterns,
                    std::make_shared<std::atomic<bool>>(false));
  int allowed = 0;
  for (const std::string prefix : {"tag-", "acme-", "tag-99", "other-", ""}) {
    for (int i = 0; i < 2000; ++i) {
      const std::string device = prefix + std::to_string(i);
      const bool expected =
          std::any_of(patterns.begin(), patterns.end(),
                      [&](const std::string& p) { return DevicePatternMatches(p, device); });
      EXPECT_EQ(gateway.MayReportFor(device), expected) << device;
      allowed += expected ? 1 : 0;
    }
  }
  EXPECT_GT(allowed, 3000);  // both kinds of pattern were exercised
}

// ---- tokens ------------------------------------------------------------------------

TEST(Token, DigestIsSha256Hex) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(TokenDigest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Token, NewTokensAreLongRandomAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto token = NewToken();
    ASSERT_TRUE(token.ok());
    EXPECT_EQ(token->size(), 3u + 43u);
    EXPECT_EQ(token->substr(0, 3), "sa_");
    for (char c : token->substr(3)) {
      EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') << c;
    }
    EXPECT_TRUE(seen.insert(*token).second);
  }
}

TEST(Token, BearerHeader) {
  EXPECT_EQ(BearerToken("Bearer sa_abc"), "sa_abc");
  EXPECT_EQ(BearerToken("bearer   sa_abc  "), "sa_abc");
  EXPECT_EQ(BearerToken("Basic dXNlcjpwYXNz"), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearer "), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(Token, BasicHeaderGivesUserAndPassword) {
  // "user:pass" and "anna:sa_x:y" (a password may hold ':').
  const auto basic = ParseBasicAuthorization("Basic dXNlcjpwYXNz");
  ASSERT_TRUE(basic.has_value());
  EXPECT_EQ(basic->user, "user");
  EXPECT_EQ(basic->password, "pass");
  const auto colon = ParseBasicAuthorization("basic  YW5uYTpzYV94Onk= ");
  ASSERT_TRUE(colon.has_value());
  EXPECT_EQ(colon->user, "anna");
  EXPECT_EQ(colon->password, "sa_x:y");
  EXPECT_FALSE(ParseBasicAuthorization("Bearer sa_abc").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic ").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic !!!!").has_value());
  EXPECT_FALSE(ParseBasicAuthorization("Basic dXNlcg==").has_value());  // "user": no ':'
}

// ---- the store ---------------------------------------------------------------------

TEST(CredentialStore, EmptyStoreDeniesEverything) {
  auto store = CredentialStore::Open("");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Authenticate("sa_anything"), nullptr);
  EXPECT_EQ((*store)->Authenticate(""), nullptr);
}

TEST(CredentialStore, IssuedTokenAuthenticatesWithItsRoles) {
  auto store = MustOpen("");
  auto issued = store->Issue(Request("operator-7", {v1::Credential::operator_}), kNow);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_TRUE(issued->credential().token_sha256().empty());  // never served
  EXPECT_EQ(issued->credential().id().substr(0, 5), "cred-");
  auto who = store->Authenticate(issued->token());
  ASSERT_NE(who, nullptr);
  EXPECT_EQ(who->name(), "operator-7");
  EXPECT_TRUE(who->Has(Permission::kAckAlerts));
  EXPECT_FALSE(who->Has(Permission::kWriteOrders));
  EXPECT_EQ(store->Authenticate(issued->token() + "x"), nullptr);
}

TEST(CredentialStore, RefusesBadRequests) {
  auto store = MustOpen("");
  auto code = [&](const v1::Credential& request) {
    return store->Issue(request, kNow).status().code();
  };
  EXPECT_EQ(code(Request("", {v1::Credential::admin})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request(std::string(129, 'n'), {v1::Credential::admin})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("bad\nname", {v1::Credential::admin})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("nobody", {})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("twice", {v1::Credential::admin, v1::Credential::admin})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("gw", {v1::Credential::ingest})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("op", {v1::Credential::operator_}, {"tag-1"})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("gw", {v1::Credential::ingest}, {"ta*g"})),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Request("gw", {v1::Credential::ingest}, {""})), StatusCode::kInvalidArgument);
  v1::Credential with_digest = Request("sneaky", {v1::Credential::admin});
  with_digest.set_token_sha256(TokenDigest("a token I chose myself"));
  EXPECT_EQ(code(with_digest), StatusCode::kInvalidArgument);
  v1::Credential unknown_role = Request("x", {});
  unknown_role.add_roles(static_cast<Role>(42));
  EXPECT_EQ(code(unknown_role), StatusCode::kInvalidArgument);

  // A protected person's: her person, her devices by exact id, no other role.
  v1::Credential her = Request("her-app", {v1::Credential::protected_}, {"phone-2"});
  EXPECT_EQ(code(her), StatusCode::kInvalidArgument);  // no person
  her.set_person("p2");
  v1::Credential pattern = her;
  pattern.set_devices(0, "phone-*");
  EXPECT_EQ(code(pattern), StatusCode::kInvalidArgument);
  v1::Credential two_roles = her;
  two_roles.add_roles(v1::Credential::operator_);
  EXPECT_EQ(code(two_roles), StatusCode::kInvalidArgument);
  v1::Credential operator_with_person = Request("op-p", {v1::Credential::operator_});
  operator_with_person.set_person("p2");
  EXPECT_EQ(code(operator_with_person), StatusCode::kInvalidArgument);

  ASSERT_TRUE(store->Issue(Request("op", {v1::Credential::operator_}), kNow).ok());
  EXPECT_EQ(code(Request("op", {v1::Credential::auditor})), StatusCode::kAlreadyExists);
  EXPECT_EQ(store->size(), 1u);
}

TEST(CredentialStore, AProtectedPersonsCredentialSpeaksForHerAndSendsForHerDevicesOnly) {
  auto store = MustOpen("");
  v1::Credential request = Request("her-app", {v1::Credential::protected_}, {"phone-2"});
  request.set_person("p2");
  auto issued = store->Issue(request, kNow);
  ASSERT_TRUE(issued.ok()) << issued.status().ToString();
  EXPECT_EQ(issued->credential().person(), "p2");
  auto who = store->Authenticate(issued->token());
  ASSERT_NE(who, nullptr);
  EXPECT_EQ(who->person(), "p2");
  EXPECT_TRUE(who->Has(Permission::kReadOwnAlerts));
  EXPECT_TRUE(who->MayReportFor("phone-2"));
  EXPECT_FALSE(who->MayReportFor("phone-22"));
  EXPECT_FALSE(who->MayReportFor("tag-1"));
  for (Permission denied :
       {Permission::kReadAlerts, Permission::kReadEvents, Permission::kReadOrders,
        Permission::kSeeProtectedPositions, Permission::kReadMetrics, Permission::kAckAlerts}) {
    EXPECT_FALSE(who->Has(denied)) << PermissionName(denied);
  }
}

// The cluster's credentials (Kafka mode): held in memory only, never in the file, and
// none authenticates until the cluster's record is read to its end.
TEST(CredentialStore, TheClustersCredentialsStayInMemoryAndWaitUntilReady) {
  TempDir dir;
  const std::string path = dir.file("credentials.json");
  auto store = MustOpen(path);
  auto own = store->Issue(Request("own-admin", {v1::Credential::admin}), kNow);
  ASSERT_TRUE(own.ok());
  auto issued_here = store->Issue(Request("op-here", {v1::Credential::operator_}), kNow,
                                  /*shared=*/true);
  ASSERT_TRUE(issued_here.ok());
  v1::Credential from_cluster = Request("op-there", {v1::Credential::operator_});
  from_cluster.set_id("cred-0123456789ab");
  from_cluster.set_token_sha256(TokenDigest("sa_token-of-the-other-instance-0000000000000"));
  store->SetSharedReady(false);
  ASSERT_TRUE(store->Put(from_cluster).ok());
  EXPECT_EQ(store->Authenticate("sa_token-of-the-other-instance-0000000000000"), nullptr);
  EXPECT_EQ(store->Authenticate(issued_here->token()), nullptr);
  EXPECT_NE(store->Authenticate(own->token()), nullptr);  // the file's own: not gated
  store->SetSharedReady(true);
  EXPECT_NE(store->Authenticate("sa_token-of-the-other-instance-0000000000000"), nullptr);
  EXPECT_NE(store->Authenticate(issued_here->token()), nullptr);

  auto bytes = ReadWholeFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_NE(bytes->find(own->credential().id()), std::string::npos);
  EXPECT_EQ(bytes->find(issued_here->credential().id()), std::string::npos);
  EXPECT_EQ(bytes->find("cred-0123456789ab"), std::string::npos);

  ASSERT_TRUE(store->Remove("cred-0123456789ab").ok());
  EXPECT_EQ(store->Authenticate("sa_token-of-the-other-instance-0000000000000"), nullptr);
  EXPECT_TRUE(store->Remove("cred-0123456789ab").ok());  // gone already is as good
  v1::Credential no_digest = from_cluster;
  no_digest.clear_token_sha256();
  EXPECT_EQ(store->Put(no_digest).code(), StatusCode::kInvalidArgument);
}

TEST(CredentialStore, PersistsDigestsOnlyInAPrivateFile) {
  TempDir dir;
  const std::string path = dir.file("credentials.json");
  std::string token;
  {
    auto store = MustOpen(path);
    auto issued = store->Issue(Request("gw", {v1::Credential::ingest}, {"tag-*"}), kNow);
    ASSERT_TRUE(issued.ok());
    token = issued->token();
  }
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  auto bytes = ReadWholeFile(path);
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(bytes->find(token), std::string::npos);
  EXPECT_NE(bytes->find(TokenDigest(token)), std::string::npos);

  auto reopened = CredentialStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  auto who = (*reopened)->Authenticate(token);
  ASSERT_NE(who, nullptr);
  EXPECT_TRUE(who->MayReportFor("tag-3"));
  EXPECT_FALSE(who->MayReportFor("other"));
}

TEST(CredentialStore, DamagedFileIsNamed) {
  TempDir dir;
  const std::string path = dir.file("credentials.json");
  ASSERT_TRUE(WriteFileAtomically(path, "{\"credentials\": [").ok());
  auto store = CredentialStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find(path), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(
                  path, R"({"credentials": [{"id": "cred-1", "name": "x", "roles": ["admin"]}]})")
                  .ok());
  store = CredentialStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("token digest"), std::string::npos);
}

TEST(CredentialStore, RevokeStopsNewAndOpenUses) {
  TempDir dir;
  auto store = MustOpen(dir.file("credentials.json"));
  auto admin = *store->Issue(Request("admin", {v1::Credential::admin}), kNow);
  auto op = *store->Issue(Request("op", {v1::Credential::operator_}), kNow);
  auto held = store->Authenticate(op.token());  // an open connection's principal
  ASSERT_NE(held, nullptr);
  EXPECT_FALSE(held->Revoked());
  auto revoked = store->Revoke(op.credential().id());
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(revoked->name(), "op");
  EXPECT_TRUE(held->Revoked());
  EXPECT_EQ(store->Authenticate(op.token()), nullptr);
  EXPECT_EQ(store->Revoke(op.credential().id()).status().code(), StatusCode::kNotFound);
  // Survives a restart.
  auto reopened = MustOpen(dir.file("credentials.json"));
  EXPECT_EQ(reopened->Authenticate(op.token()), nullptr);
  EXPECT_NE(reopened->Authenticate(admin.token()), nullptr);
}

TEST(CredentialStore, TheLastAdminCannotBeRevoked) {
  auto store = MustOpen("");
  auto first = *store->Issue(Request("first", {v1::Credential::admin}), kNow);
  EXPECT_EQ(store->Revoke(first.credential().id()).status().code(),
            StatusCode::kFailedPrecondition);
  auto second = *store->Issue(Request("second", {v1::Credential::admin, v1::Credential::auditor}),
                              kNow);
  EXPECT_TRUE(store->Revoke(first.credential().id()).ok());
  EXPECT_EQ(store->Revoke(second.credential().id()).status().code(),
            StatusCode::kFailedPrecondition);
}

TEST(CredentialStore, BootstrapAdminIsCreatedThenRotated) {
  TempDir dir;
  const std::string path = dir.file("credentials.json");
  const std::string first_token = "first-bootstrap-token-0123456789";
  const std::string second_token = "second-bootstrap-token-0123456789";
  {
    auto store = MustOpen(path);
    EXPECT_EQ(store->EnsureBootstrapAdmin("short", kNow).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(store->EnsureBootstrapAdmin(first_token, kNow).ok());
    ASSERT_TRUE(store->EnsureBootstrapAdmin(first_token, kNow).ok());  // idempotent
    EXPECT_EQ(store->size(), 1u);
    auto who = store->Authenticate(first_token);
    ASSERT_NE(who, nullptr);
    EXPECT_EQ(who->name(), kBootstrapAdminName);
    EXPECT_TRUE(who->Has(Permission::kManageCredentials));
    EXPECT_FALSE(who->Has(Permission::kReadAlerts));
  }
  auto store = MustOpen(path);
  auto old_principal = store->Authenticate(first_token);
  ASSERT_NE(old_principal, nullptr);
  ASSERT_TRUE(store->EnsureBootstrapAdmin(second_token, kNow).ok());
  EXPECT_EQ(store->size(), 1u);
  EXPECT_TRUE(old_principal->Revoked());
  EXPECT_EQ(store->Authenticate(first_token), nullptr);
  EXPECT_NE(store->Authenticate(second_token), nullptr);
}

}  // namespace
}  // namespace stayaway::access
