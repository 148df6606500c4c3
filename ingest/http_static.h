// ConsoleFiles: the operator console's static files (HTML, ES modules, CSS, message
// catalogues, icons), served by stayawayd on its HTTP API port at "/" (the API itself is
// under /v1/, plus /healthz and /metrics). The console is a client like any other: it
// speaks only the documented API, so these files are public and hold nothing secret.
//
//   auto console = ConsoleFiles::Open("/usr/share/stayaway/console", settings);
//   if (ConsoleFiles::IsConsolePath(path)) responder.Send(console->Answer(request, path));
//
// Only regular files inside the root are served, and only those with a known extension
// (which fixes their Content-Type): the path is percent-decoded, refused with 404 when a
// segment is empty, ".", "..", hidden (a leading dot) or holds a backslash or NUL, and the
// file's canonical path (symbolic links resolved) must still lie under the root's. "/"
// is index.html, and so is any path ending in "/" in its directory ("/me/": the protected
// person's app). Every answer carries Cache-Control: no-cache with an ETag (a reload
// revalidates, 304 when unchanged), X-Content-Type-Options: nosniff, X-Frame-Options:
// DENY, Referrer-Policy: no-referrer and a strict Content-Security-Policy: everything from
// the page's own origin, no inline script or style, no frames, plus the tile server's
// origin for images when one is configured.
//
// /console-config.json is not a file: it is the centre's settings the page needs before
// anyone signs in (the time zone times are shown in, the default language, the tile URL,
// the acknowledgement deadlines), a v1.ConsoleConfig printed through Protobuf's JSON
// mapping.
//
// Thread-safety: immutable after Open; Answer may be called from any thread. It reads the
// file on each request (small files, and an edit shows without a restart).
#ifndef STAYAWAY_INGEST_HTTP_STATIC_H_
#define STAYAWAY_INGEST_HTTP_STATIC_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ingest/http_server.h"

namespace stayaway::ingest {

// The centre's console settings ([console] in the daemon's configuration).
struct ConsoleSettings {
  // IANA name of the centre's time zone: the console shows times in it (UTC on hover).
  std::string time_zone = "UTC";
  // The language a user who has not chosen one sees: "en" or "ru".
  std::string language = "en";
  // A tile server's URL template with {z}, {x} and {y} ("https://tiles.example/{z}/{x}/{y}.png");
  // empty: no basemap, the layers on a plain background.
  std::string tile_url;
  // Acknowledgement deadlines in ms by alert kind name ("sos"), for confirmed alerts (and
  // those without certainty) and for possible ones (the engine's settings): the queue
  // counts down to them. Kinds without a deadline are left out.
  std::map<std::string, int64_t> ack_deadline_confirmed_ms;
  std::map<std::string, int64_t> ack_deadline_possible_ms;
};

// Checks settings as the daemon's configuration takes them; InvalidArgument names the
// setting at fault. The tile URL must be http(s) with {z}, {x} and {y} and hold nothing
// that could change the Content-Security-Policy it is put into.
Status CheckConsoleSettings(const ConsoleSettings& settings);

class ConsoleFiles {
 public:
  // The largest file served; larger ones answer 404 (nothing in a console is this big).
  static constexpr std::size_t kMaxFileBytes = 8 << 20;

  // Opens `root`, which must be a directory. NotFound otherwise.
  static StatusOr<std::shared_ptr<const ConsoleFiles>> Open(const std::filesystem::path& root,
                                                            ConsoleSettings settings);

  // Whether a GET of `path` (without its query) is for the console rather than the API:
  // everything but /v1 and below, /healthz and /metrics.
  static bool IsConsolePath(std::string_view path);

  // The answer to a GET of `path`: 200 with the file, 304 when If-None-Match matches,
  // 404 with a JSON error for anything else (the error's code is "not_found").
  HttpResponse Answer(const HttpRequest& request, std::string_view path) const;

  const std::filesystem::path& root() const { return root_; }
  // The Content-Security-Policy every answer carries.
  const std::string& content_security_policy() const { return csp_; }

 private:
  ConsoleFiles(std::filesystem::path root, ConsoleSettings settings);
  // The canonical path of the file `path` names, when it may be served.
  std::optional<std::filesystem::path> Resolve(std::string_view path) const;
  void SetCommonHeaders(HttpResponse& response) const;

  std::filesystem::path root_;  // canonical
  ConsoleSettings settings_;
  std::string csp_;
  std::string config_json_;
};

// The Content-Type of a file name by its extension; empty when it is not served.
std::string_view ConsoleContentType(std::string_view file_name);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_HTTP_STATIC_H_
