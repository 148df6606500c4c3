// The operator console's files as stayawayd serves them (ingest/http_static.h): only
// files inside the console directory, with their Content-Type and the security headers,
// to anyone; nothing outside it, however the path is spelled; the API unchanged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/daemon_harness.h"

namespace stayaway {
namespace {

namespace fs = std::filesystem;
using testing_harness::Daemon;
using testing_harness::HttpAs;
using testing_harness::HttpExchange;
using testing_harness::HttpHeaders;
using testing_harness::HttpReply;
using testing_harness::kNoReceiveTimeout;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The value of header `name` in `head` ("" when absent).
std::string Header(const std::string& head, const std::string& name) {
  const std::string key = "\r\n" + name + ": ";
  const size_t at = head.find(key);
  if (at == std::string::npos) return "";
  const size_t start = at + key.size();
  return head.substr(start, head.find("\r\n", start) - start);
}

// A console directory beside a secret that must never be served.
struct ConsoleTree {
  fs::path base;
  fs::path console;
  explicit ConsoleTree(const std::string& name) {
    base = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(::getpid()));
    fs::remove_all(base);
    console = base / "console";
    fs::create_directories(console / "js");
    fs::create_directories(console / "i18n");
    std::ofstream(console / "index.html") << "<!doctype html><title>console</title>";
    std::ofstream(console / "js" / "main.js") << "export const ok = 1;\n";
    std::ofstream(console / "i18n" / "en.json") << "{\"token\": \"Token\"}\n";
    std::ofstream(console / "style.css") << "body{}\n";
    std::ofstream(console / ".hidden.json") << "{}\n";
    std::ofstream(console / "notes.md") << "not a console file type\n";
    std::ofstream(base / "secret.json") << "{\"secret\": \"victim at 42.87\"}\n";
    std::ofstream(base / "secret.txt") << "victim at 42.87\n";
    fs::create_symlink(base / "secret.json", console / "link.json");
    fs::create_directory_symlink(base, console / "up");
  }
  ~ConsoleTree() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }
};

HttpReply Get(uint16_t port, const std::string& target, const HttpHeaders& headers = {}) {
  return HttpExchange(port, "GET", target, headers, "");
}

TEST(ConsoleStatic, ServesFilesToAnyoneWithTypesAndSecurityHeaders) {
  ConsoleTree tree("console-files");
  Daemon daemon({"--console-dir", tree.console.string()});
  const HttpReply index = Get(daemon.http(), "/");
  ASSERT_EQ(index.status, 200) << index.head << "\n" << daemon.Log();
  EXPECT_EQ(index.body, "<!doctype html><title>console</title>");
  EXPECT_EQ(Header(index.head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(index.head, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(index.head, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(index.head, "X-Frame-Options"), "DENY");
  const std::string csp = Header(index.head, "Content-Security-Policy");
  EXPECT_TRUE(Contains(csp, "default-src 'self'")) << csp;
  EXPECT_TRUE(Contains(csp, "script-src 'self';")) << csp;
  EXPECT_TRUE(Contains(csp, "frame-ancestors 'none'")) << csp;
  EXPECT_FALSE(Contains(csp, "unsafe-inline")) << csp;
  EXPECT_FALSE(Contains(csp, "http")) << "no remote origin without a tile server: " << csp;

  for (const auto& [path, type] : std::vector<std::pair<std::string, std::string>>{
           {"/index.html", "text/html; charset=utf-8"},
           {"/js/main.js", "text/javascript; charset=utf-8"},
           {"/i18n/en.json", "application/json; charset=utf-8"},
           {"/style.css", "text/css; charset=utf-8"},
           {"/js/main.js?v=2", "text/javascript; charset=utf-8"}}) {
    const HttpReply reply = Get(daemon.http(), path);
    EXPECT_EQ(reply.status, 200) << path;
    EXPECT_EQ(Header(reply.head, "Content-Type"), type) << path;
    EXPECT_EQ(Header(reply.head, "X-Content-Type-Options"), "nosniff") << path;
  }

  // HEAD: the same status and headers as GET, no body, no credential needed.
  for (const std::string path : {"/", "/js/main.js", "/console-config.json"}) {
    const HttpReply get = Get(daemon.http(), path);
    const HttpReply head = HttpExchange(daemon.http(), "HEAD", path, {}, "");
    EXPECT_EQ(head.status, 200) << path << ": " << head.head;
    EXPECT_TRUE(head.body.empty()) << path << ": " << head.body;
    for (const char* name : {"Content-Type", "Content-Length", "ETag", "Cache-Control",
                             "Content-Security-Policy", "X-Content-Type-Options"}) {
      EXPECT_EQ(Header(head.head, name), Header(get.head, name)) << path << " " << name;
    }
    EXPECT_EQ(Header(head.head, "Content-Length"), std::to_string(get.body.size())) << path;
  }
  EXPECT_EQ(HttpExchange(daemon.http(), "HEAD", "/nope.js", {}, "").status, 404);

  // A reload revalidates: the same ETag answers 304 without the body.
  const std::string etag = Header(index.head, "ETag");
  ASSERT_FALSE(etag.empty()) << index.head;
  const HttpReply again = Get(daemon.http(), "/", {{"If-None-Match", etag}});
  EXPECT_EQ(again.status, 304) << again.head;
  EXPECT_TRUE(again.body.empty());

  // The centre's settings for the page: time zone, language, deadlines.
  const HttpReply config = Get(daemon.http(), "/console-config.json");
  EXPECT_EQ(config.status, 200);
  EXPECT_TRUE(Contains(config.body, "\"time_zone\":\"UTC\"")) << config.body;
  EXPECT_TRUE(
      Contains(config.body, R"({"kind":"sos","confirmed_ms":"120000","possible_ms":"300000"})"))
      << config.body;
}

TEST(ConsoleStatic, NothingOutsideTheDirectoryHowEverThePathIsSpelled) {
  ConsoleTree tree("console-traversal");
  Daemon daemon({"--console-dir", tree.console.string()});
  for (const std::string target : {"/../secret.json",
                                   "/%2e%2e/secret.json",
                                   "/%2E%2E%2Fsecret.json",
                                   "/js/../../secret.json",
                                   "/js/%2e%2e/%2e%2e/secret.txt",
                                   "/..%2fsecret.json",
                                   "/..%5csecret.json",
                                   "/js/..\\..\\secret.json",
                                   "//secret.json",
                                   "/./index.html",
                                   "/js//main.js",
                                   "/link.json",       // a link inside that leads outside
                                   "/up/secret.json",  // a directory link that leads outside
                                   "/.hidden.json",    // hidden files
                                   "/notes.md",        // a type the console does not serve
                                   "/index.html%00.js",
                                   "/js",
                                   "/js/",
                                   "/nope.js",
                                   "/%zz"}) {
    const HttpReply reply = Get(daemon.http(), target);
    EXPECT_EQ(reply.status, 404) << target << ": " << reply.head;
    EXPECT_FALSE(Contains(reply.body, "victim")) << target;
    EXPECT_EQ(Header(reply.head, "X-Content-Type-Options"), "nosniff") << target;
  }
  // A request target that is not an origin form is no console path either.
  const HttpReply absolute = Get(daemon.http(), "http://127.0.0.1/../secret.json");
  EXPECT_NE(absolute.status, 200);
  EXPECT_FALSE(Contains(absolute.body, "victim"));
}

TEST(ConsoleStatic, TheApiIsUnchangedBesideIt) {
  ConsoleTree tree("console-api");
  Daemon daemon({"--console-dir", tree.console.string()});
  // The API still needs a credential, and the console's paths are only read.
  EXPECT_EQ(Get(daemon.http(), "/v1/alerts").status, 401);
  EXPECT_EQ(Get(daemon.http(), "/v1").status, 401);
  EXPECT_EQ(Get(daemon.http(), "/metrics").status, 401);
  EXPECT_EQ(HttpAs("", daemon.http(), "POST", "/index.html", "{}").status, 401);
  EXPECT_EQ(Get(daemon.http(), "/healthz").status, 200);
  const HttpReply alerts = testing_harness::Http(daemon.http(), "GET", "/v1/alerts");
  EXPECT_EQ(alerts.status, 200) << alerts.body;
}

TEST(ConsoleStatic, TheDefaultDirectoryIsTheInstalledConsoleBesideTheBinary) {
  // The build tree links the source's console/ where an installed daemon finds its own.
  Daemon daemon;
  const HttpReply index = Get(daemon.http(), "/");
  ASSERT_EQ(index.status, 200) << daemon.Log();
  EXPECT_TRUE(Contains(index.body, "<script type=\"module\" src=\"js/main.js\">")) << index.body;
  EXPECT_FALSE(Contains(index.body, "<script>")) << "inline script would break the CSP";
  const HttpReply en = Get(daemon.http(), "/i18n/en.json");
  EXPECT_EQ(en.status, 200);
  EXPECT_TRUE(Contains(en.body, "\"token\": \"Token\"")) << en.body;
}

TEST(ConsoleStatic, AMissingConsoleDirectoryStopsStartUpWhenNamed) {
  const fs::path missing = fs::path(::testing::TempDir()) / "no-such-console-dir";
  const std::string binary = testing_harness::DaemonBinary().string();
  const std::string data = (fs::path(::testing::TempDir()) / "console-missing-data").string();
  const std::string command = binary + " --data-dir " + data + " --http-port 0 --ingest-port 0 " +
                              "--osmand-port 0 --console-dir " + missing.string() + " 2>/dev/null";
  const int status = std::system(command.c_str());
  EXPECT_EQ(WEXITSTATUS(status), 2);
  std::error_code ignored;
  fs::remove_all(data, ignored);
}

TEST(ConsoleStatic, ATileServerIsTheOnlyOtherOriginAndOnlyForImages) {
  ConsoleTree tree("console-tiles");
  const fs::path config = tree.base / "stayawayd.toml";
  std::ofstream(config) << "[console]\ntime_zone = \"Asia/Bishkek\"\nlanguage = \"ru\"\n"
                           "tile_url = \"https://tiles.centre.example/{z}/{x}/{y}.png\"\n";
  Daemon daemon({"--config", config.string(), "--console-dir", tree.console.string()});
  const HttpReply index = Get(daemon.http(), "/");
  ASSERT_EQ(index.status, 200) << daemon.Log();
  const std::string csp = Header(index.head, "Content-Security-Policy");
  EXPECT_TRUE(Contains(csp, "img-src 'self' data: https://tiles.centre.example;")) << csp;
  EXPECT_TRUE(Contains(csp, "connect-src 'self';")) << csp;
  const HttpReply settings = Get(daemon.http(), "/console-config.json");
  EXPECT_TRUE(Contains(settings.body, "\"time_zone\":\"Asia/Bishkek\"")) << settings.body;
  EXPECT_TRUE(Contains(settings.body, "\"language\":\"ru\"")) << settings.body;
}

}  // namespace
}  // namespace stayaway
