// ConsoleFiles (http_static.h): the console's files, read from one directory and nothing
// outside it.
#include "ingest/http_static.h"

#include <array>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <utility>

#include "ingest/http_json.h"
#include "ingest/http_text.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

namespace fs = std::filesystem;
namespace http = boost::beast::http;

namespace {

constexpr std::string_view kConfigPath = "/console-config.json";

// scheme://host[:port] of an http(s) URL; empty when it is not one.
std::string OriginOf(std::string_view url) {
  std::size_t start = 0;
  if (url.starts_with("https://")) {
    start = 8;
  } else if (url.starts_with("http://")) {
    start = 7;
  } else {
    return {};
  }
  const std::size_t end = url.find('/', start);
  if (end == start) return {};
  return std::string(url.substr(0, end));
}

bool IsSegmentServable(std::string_view segment) {
  if (segment.empty() || segment.front() == '.') return false;  // "", ".", "..", hidden
  for (char c : segment) {
    if (c == '\\' || c == '\0' || static_cast<unsigned char>(c) < 0x20) return false;
  }
  return true;
}

}  // namespace

std::string_view ConsoleContentType(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> kTypes = {{
      {".webmanifest", "application/manifest+json"},
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wav", "audio/wav"},
      {".txt", "text/plain; charset=utf-8"},
  }};
  for (const auto& [extension, type] : kTypes) {
    if (file_name.size() > extension.size() && file_name.ends_with(extension)) return type;
  }
  return {};
}

Status CheckConsoleSettings(const ConsoleSettings& settings) {
  if (settings.language != "en" && settings.language != "ru") {
    return InvalidArgument("console language \"" + settings.language + "\" is not one of en, ru");
  }
  if (settings.time_zone.empty()) return InvalidArgument("console time_zone must not be empty");
  for (char c : settings.time_zone) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) {
      return InvalidArgument("console time_zone \"" + settings.time_zone +
                             "\" is not an IANA time zone name such as Asia/Bishkek");
    }
  }
  const std::string& url = settings.tile_url;
  if (url.empty()) return Status::Ok();
  const auto refuse = [&](std::string_view why) {
    return InvalidArgument("console tile_url \"" + url + "\" " + std::string(why));
  };
  if (OriginOf(url).empty()) return refuse("must be an http:// or https:// URL with a host");
  for (char c : url) {
    // Printable ASCII without what would end or extend a CSP source or a JSON string.
    if (c <= ' ' || c > '~' || c == ';' || c == ',' || c == '\'' || c == '"' || c == '\\') {
      return refuse("holds a character that is not allowed (space, quote, ';', ',')");
    }
  }
  for (std::string_view part : {"{z}", "{x}", "{y}"}) {
    if (url.find(part) == std::string::npos) return refuse("must hold {z}, {x} and {y}");
  }
  return Status::Ok();
}

ConsoleFiles::ConsoleFiles(fs::path root, ConsoleSettings settings)
    : root_(std::move(root)), settings_(std::move(settings)) {
  std::string img = "img-src 'self' data:";
  if (!settings_.tile_url.empty()) img += " " + OriginOf(settings_.tile_url);
  csp_ = "default-src 'self'; script-src 'self'; style-src 'self'; " + img +
         "; connect-src 'self'; font-src 'self'; media-src 'self' data:; object-src 'none'; "
         "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
  v1::ConsoleConfig config;
  config.set_time_zone(settings_.time_zone);
  config.set_language(settings_.language);
  config.set_tile_url(settings_.tile_url);
  // Kinds in name order, each once, with whichever deadlines it has.
  std::map<std::string, v1::ConsoleConfig::AckDeadline> by_kind;
  for (const auto& [kind, ms] : settings_.ack_deadline_confirmed_ms) {
    by_kind[kind].set_confirmed_ms(static_cast<uint64_t>(ms));
  }
  for (const auto& [kind, ms] : settings_.ack_deadline_possible_ms) {
    by_kind[kind].set_possible_ms(static_cast<uint64_t>(ms));
  }
  for (auto& [kind, deadline] : by_kind) {
    deadline.set_kind(kind);
    *config.add_ack_deadlines() = std::move(deadline);
  }
  config_json_ = ToJson(config) + "\n";
}

StatusOr<std::shared_ptr<const ConsoleFiles>> ConsoleFiles::Open(const fs::path& root,
                                                                 ConsoleSettings settings) {
  std::error_code error;
  fs::path canonical = fs::canonical(root, error);
  if (error || !fs::is_directory(canonical, error)) {
    return NotFound("the console directory " + root.string() + " does not exist");
  }
  if (Status s = CheckConsoleSettings(settings); !s.ok()) return s;
  return std::shared_ptr<const ConsoleFiles>(
      new ConsoleFiles(std::move(canonical), std::move(settings)));
}

bool ConsoleFiles::IsConsolePath(std::string_view path) {
  if (path == "/healthz" || path == "/metrics" || path == "/v1" || path.starts_with("/v1/")) {
    return false;
  }
  return path.starts_with('/');
}

std::optional<fs::path> ConsoleFiles::Resolve(std::string_view path) const {
  std::optional<std::string> decoded = PercentDecode(path);
  if (!decoded || decoded->empty() || decoded->front() != '/') return std::nullopt;
  std::string relative = decoded->substr(1);
  // A directory's page: "/" and "/me/" are their index.html.
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  fs::path candidate = root_;
  std::string_view rest = relative;
  while (true) {
    const std::size_t slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (!IsSegmentServable(segment)) return std::nullopt;
    candidate /= std::string(segment);
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  if (ConsoleContentType(candidate.filename().string()).empty()) return std::nullopt;
  // Symbolic links are followed, but what they lead to must still be inside the root.
  std::error_code error;
  const fs::path canonical = fs::canonical(candidate, error);
  if (error || !fs::is_regular_file(canonical, error)) return std::nullopt;
  const std::string prefix = root_.string() + "/";
  if (!canonical.string().starts_with(prefix)) return std::nullopt;
  return canonical;
}

void ConsoleFiles::SetCommonHeaders(HttpResponse& response) const {
  response.set(http::field::cache_control, "no-cache");
  response.set("Content-Security-Policy", Beast(csp_));
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
}

HttpResponse ConsoleFiles::Answer(const HttpRequest& request, std::string_view path) const {
  const auto not_found = [&] {
    HttpResponse response = MakeErrorResponse(request, http::status::not_found, "not_found",
                                              "the console has no such file");
    SetCommonHeaders(response);
    return response;
  };
  if (path == kConfigPath) {
    HttpResponse response =
        MakeResponse(request, http::status::ok, config_json_, "application/json; charset=utf-8");
    SetCommonHeaders(response);
    return response;
  }
  const std::optional<fs::path> file = Resolve(path);
  if (!file) return not_found();
  std::error_code error;
  const std::uintmax_t size = fs::file_size(*file, error);
  if (error || size > kMaxFileBytes) return not_found();
  const auto modified = fs::last_write_time(*file, error);
  if (error) return not_found();
  const std::string etag = "\"" + std::to_string(size) + "-" +
                           std::to_string(modified.time_since_epoch().count()) + "\"";
  if (const auto it = request.find(http::field::if_none_match);
      it != request.end() && std::string_view(it->value().data(), it->value().size()) == etag) {
    HttpResponse response(http::status::not_modified, request.version());
    response.keep_alive(request.keep_alive());
    response.set(http::field::etag, Beast(etag));
    SetCommonHeaders(response);
    return response;
  }
  std::ifstream in(*file, std::ios::binary);
  if (!in) return not_found();
  std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  HttpResponse response = MakeResponse(request, http::status::ok, std::move(body),
                                       ConsoleContentType(file->filename().string()));
  response.set(http::field::etag, Beast(etag));
  SetCommonHeaders(response);
  return response;
}

}  // namespace stayaway::ingest
