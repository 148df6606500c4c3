#include "daemon/config.h"

#include <date/tz.h>
#include <google/protobuf/util/json_util.h>
#include <toml++/toml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>

#include "ingest/http_static.h"
#include "ingest/session_cookie.h"

namespace stayaway::daemon {
namespace {

// A connection limit: a whole number from 1 to 1,000,000.
std::optional<uint32_t> ParseLimit(int64_t value) {
  if (value < 1 || value > 1'000'000) return std::nullopt;
  return static_cast<uint32_t>(value);
}

// The connection-limit settings, by their TOML name (the flags are --NAME with '-' for
// '_'); null when `name` is none of them.
uint32_t* LimitSetting(std::string_view name, DaemonConfig* config) {
  if (name == "max_unauthenticated") return &config->max_unauthenticated;
  if (name == "max_unauthenticated_per_address") return &config->max_unauthenticated_per_address;
  if (name == "ingest_max_connections") return &config->ingest_max_connections;
  if (name == "http_max_connections") return &config->http_max_connections;
  return nullptr;
}

StatusOr<uint16_t> ParsePort(std::string_view text, std::string_view what) {
  unsigned value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value > 65535) {
    return InvalidArgument(std::string(what) + ": \"" + std::string(text) +
                           "\" is not a port number (0-65535)");
  }
  return static_cast<uint16_t>(value);
}

// "250ms", "90s", "15m", "12h", "400d" or "0" in milliseconds; nullopt when it is none of
// these.
std::optional<int64_t> ParseDuration(std::string_view text) {
  if (text == "0") return 0;
  if (text.size() < 2) return std::nullopt;
  int64_t unit_ms = 0;
  std::string_view digits = text.substr(0, text.size() - 1);
  if (text.ends_with("ms")) {
    unit_ms = 1;
    digits.remove_suffix(1);
  } else {
    switch (text.back()) {
      case 's':
        unit_ms = 1000;
        break;
      case 'm':
        unit_ms = 60'000;
        break;
      case 'h':
        unit_ms = 3'600'000;
        break;
      case 'd':
        unit_ms = 86'400'000;
        break;
      default:
        return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  int64_t count = 0;
  for (char c : digits) {
    if (c < '0' || c > '9' || count > 1'000'000) return std::nullopt;
    count = count * 10 + (c - '0');
  }
  return count * unit_ms;
}

// An auth timeout: a duration from 1 ms to 10 minutes.
std::optional<int64_t> ParseAuthTimeout(std::string_view text) {
  const std::optional<int64_t> ms = ParseDuration(text);
  if (!ms || *ms < 1 || *ms > 600'000) return std::nullopt;
  return ms;
}

// "--http-max-connections" -> "http_max_connections".
std::string SettingOfFlag(std::string_view flag) {
  if (!flag.starts_with("--")) return {};
  std::string name(flag.substr(2));
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

// A session duration: from 1 s to 30 days.
std::optional<int64_t> ParseSessionDuration(std::string_view text) {
  const std::optional<int64_t> ms = ParseDuration(text);
  if (!ms || *ms < 1000 || *ms > 30 * 86'400'000LL) return std::nullopt;
  return ms;
}

constexpr std::string_view kSessionDurationForm =
    " must be a duration from 1s to 30d, such as \"30m\" or \"12h\"";

constexpr std::string_view kAuthTimeoutForm =
    " must be a duration from 1ms to 10m, such as \"10s\" or \"500ms\"";

// Event kinds by their Event.Kind names, each known; `where` names the setting.
Status SetWebhookKinds(const std::vector<std::string>& names, std::string_view where,
                       DaemonConfig* config) {
  for (const std::string& name : names) {
    v1::Event::Kind kind;
    if (!v1::Event::Kind_Parse(name, &kind) || kind == v1::Event::kind_unspecified) {
      return InvalidArgument(std::string(where) + ": \"" + name +
                             "\" is not an event kind (proximity_violation, sos, ...)");
    }
  }
  config->webhook_kinds = names;
  return Status::Ok();
}

}  // namespace

Status ApplyToml(std::string_view toml_text, std::string_view origin, DaemonConfig* config) {
  toml::table table;
  try {
    table = toml::parse(toml_text, origin);
  } catch (const toml::parse_error& error) {
    std::ostringstream message;
    message << origin << ":" << error.source().begin.line << ":" << error.source().begin.column
            << ": " << error.description();
    return InvalidArgument(message.str());
  }
  for (const auto& [key, node] : table) {
    const std::string_view name = key.str();
    const std::string where = std::string(origin) + ": " + std::string(name);
    if (name == "data_dir" || name == "bind" || name == "ports_file" ||
        name == "webhook_secret_file" || name == "webhook_ca") {
      const auto value = node.value<std::string>();
      if (!value) return InvalidArgument(where + " must be a string");
      (name == "data_dir"              ? config->data_dir
       : name == "bind"                ? config->bind_address
       : name == "ports_file"          ? config->ports_file
       : name == "webhook_secret_file" ? config->webhook_secret_file
                                       : config->webhook_ca) = *value;
    } else if (name == "ingest_port" || name == "http_port" || name == "osmand_port") {
      const auto value = node.value<int64_t>();
      if (!value || *value < 0 || *value > 65535) {
        return InvalidArgument(where + " must be a port number (0-65535)");
      }
      (name == "ingest_port" ? config->ingest_port
                             : name == "http_port" ? config->http_port : config->osmand_port) =
          static_cast<uint16_t>(*value);
    } else if (name == "journal_fsync") {
      const auto value = node.value<bool>();
      if (!value) return InvalidArgument(where + " must be true or false");
      config->journal_fsync = *value;
    } else if (name == "journal_commit_window_ms") {
      const auto value = node.value<int64_t>();
      if (!value || *value < 0 || *value > 1000) {
        return InvalidArgument(where + " must be between 0 and 1000");
      }
      config->journal_commit_window_ms = static_cast<uint32_t>(*value);
    } else if (name == "engine_lanes") {
      const auto value = node.value<int64_t>();
      if (!value || *value < 0 || *value > 256) {
        return InvalidArgument(where + " must be between 0 (one per core) and 256");
      }
      config->engine_lanes = static_cast<uint32_t>(*value);
    } else if (name == "snapshot_every_records") {
      const auto value = node.value<int64_t>();
      if (!value || *value < 1) return InvalidArgument(where + " must be a positive number");
      config->snapshot_every_records = static_cast<uint64_t>(*value);
    } else if (name == "journal_retention" || name == "journal_retention_check") {
      const auto text = node.value<std::string>();
      const std::optional<int64_t> ms = text ? ParseDuration(*text) : std::nullopt;
      if (!ms || (name == "journal_retention_check" && *ms == 0)) {
        return InvalidArgument(where + " must be a duration such as \"400d\", \"12h\" or \"90s\"");
      }
      (name == "journal_retention" ? config->journal_retention_ms
                                   : config->journal_retention_check_ms) = *ms;
    } else if (name == "journal_segment_bytes") {
      const auto value = node.value<int64_t>();
      if (!value || *value < 4096) return InvalidArgument(where + " must be at least 4096");
      config->journal_segment_bytes = static_cast<uint64_t>(*value);
    } else if (name == "tls") {
      const toml::table* tls = node.as_table();
      if (tls == nullptr) return InvalidArgument(where + " must be a table");
      for (const auto& [tls_key, tls_node] : *tls) {
        const std::string_view field = tls_key.str();
        const std::string at = where + "." + std::string(field);
        if (field == "osmand") {
          const auto flag = tls_node.value<bool>();
          if (!flag) return InvalidArgument(at + " must be true or false");
          config->tls_osmand = *flag;
          continue;
        }
        const auto path = tls_node.value<std::string>();
        if (!path) return InvalidArgument(at + " must be a file name");
        if (field == "certificate") {
          config->tls_certificate = *path;
        } else if (field == "private_key") {
          config->tls_private_key = *path;
        } else if (field == "client_ca") {
          config->tls_client_ca = *path;
        } else {
          return InvalidArgument(at + " is not a known setting");
        }
      }
      if (config->tls_certificate.empty() != config->tls_private_key.empty()) {
        return InvalidArgument(where + " needs both certificate and private_key");
      }
    } else if (name == "connections") {
      const toml::table* connections = node.as_table();
      if (connections == nullptr) return InvalidArgument(where + " must be a table");
      for (const auto& [limit_key, limit_node] : *connections) {
        const std::string_view field = limit_key.str();
        const std::string at = where + "." + std::string(field);
        if (field == "auth_timeout") {
          const auto text = limit_node.value<std::string>();
          const std::optional<int64_t> ms = text ? ParseAuthTimeout(*text) : std::nullopt;
          if (!ms) return InvalidArgument(at + std::string(kAuthTimeoutForm));
          config->auth_timeout_ms = *ms;
        } else if (uint32_t* setting = LimitSetting(field, config)) {
          const auto value = limit_node.value<int64_t>();
          const std::optional<uint32_t> limit = value ? ParseLimit(*value) : std::nullopt;
          if (!limit) return InvalidArgument(at + " must be a number from 1 to 1000000");
          *setting = *limit;
        } else {
          return InvalidArgument(at + " is not a known setting");
        }
      }
    } else if (name == "sessions") {
      const toml::table* sessions = node.as_table();
      if (sessions == nullptr) return InvalidArgument(where + " must be a table");
      for (const auto& [session_key, session_node] : *sessions) {
        const std::string_view field = session_key.str();
        const std::string at = where + "." + std::string(field);
        if (field == "idle_timeout" || field == "lifetime") {
          const auto text = session_node.value<std::string>();
          const std::optional<int64_t> ms = text ? ParseSessionDuration(*text) : std::nullopt;
          if (!ms) return InvalidArgument(at + std::string(kSessionDurationForm));
          (field == "idle_timeout" ? config->session_idle_timeout_ms
                                   : config->session_lifetime_ms) = *ms;
        } else if (field == "max") {
          const auto value = session_node.value<int64_t>();
          const std::optional<uint32_t> limit = value ? ParseLimit(*value) : std::nullopt;
          if (!limit) return InvalidArgument(at + " must be a number from 1 to 1000000");
          config->max_sessions = *limit;
        } else if (field == "public_origin") {
          const auto text = session_node.value<std::string>();
          if (!text) return InvalidArgument(at + " must be a string");
          if (Status s = ingest::CheckPublicOrigin(*text); !s.ok()) {
            return InvalidArgument(at + ": " + s.message());
          }
          config->public_origin = *text;
        } else {
          return InvalidArgument(at + " is not a known setting");
        }
      }
    } else if (name == "console") {
      const toml::table* console = node.as_table();
      if (console == nullptr) return InvalidArgument(where + " must be a table");
      for (const auto& [console_key, console_node] : *console) {
        const std::string_view field = console_key.str();
        const std::string at = where + "." + std::string(field);
        const auto text = console_node.value<std::string>();
        if (!text) return InvalidArgument(at + " must be a string");
        if (field == "dir") {
          config->console_dir = *text;
        } else if (field == "time_zone") {
          try {
            (void)date::locate_zone(*text);
          } catch (const std::exception&) {
            return InvalidArgument(at + ": \"" + *text +
                                   "\" is not an IANA time zone such as \"Asia/Bishkek\"");
          }
          config->console_time_zone = *text;
        } else if (field == "language") {
          config->console_language = *text;
        } else if (field == "tile_url") {
          config->console_tile_url = *text;
        } else {
          return InvalidArgument(at + " is not a known setting");
        }
      }
      ingest::ConsoleSettings settings{config->console_time_zone, config->console_language,
                                       config->console_tile_url, {}, {}};
      if (Status s = ingest::CheckConsoleSettings(settings); !s.ok()) {
        return InvalidArgument(where + ": " + s.message());
      }
    } else if (name == "webhook_from") {
      const auto value = node.value<std::string>();
      if (!value || (*value != "now" && *value != "start")) {
        return InvalidArgument(where + " must be \"now\" or \"start\"");
      }
      config->webhook_from_start = *value == "start";
    } else if (name == "webhook_kinds") {
      const toml::array* kinds = node.as_array();
      if (kinds == nullptr) return InvalidArgument(where + " must be an array of event kinds");
      std::vector<std::string> names;
      for (const toml::node& kind : *kinds) {
        const auto text = kind.value<std::string>();
        if (!text) return InvalidArgument(where + " must hold strings");
        names.push_back(*text);
      }
      if (Status s = SetWebhookKinds(names, where, config); !s.ok()) return s;
    } else if (name == "webhooks") {
      const toml::array* urls = node.as_array();
      if (urls == nullptr) return InvalidArgument(where + " must be an array of URLs");
      for (const toml::node& url : *urls) {
        const auto text = url.value<std::string>();
        if (!text) return InvalidArgument(where + " must hold strings");
        config->webhooks.push_back(*text);
      }
    } else if (name == "engine") {
      const toml::table* engine = node.as_table();
      if (engine == nullptr) return InvalidArgument(where + " must be a table");
      // The [engine] table maps onto EngineConfig through JSON: one schema, no second model.
      std::ostringstream json;
      json << toml::json_formatter{*engine};
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = false;
      const auto status =
          google::protobuf::util::JsonStringToMessage(json.str(), &config->engine, options);
      if (!status.ok()) {
        return InvalidArgument(where + ": " + std::string(status.message()));
      }
    } else {
      return InvalidArgument(where + " is not a known setting");
    }
  }
  return Status::Ok();
}

StatusOr<DaemonConfig> ParseDaemonArgs(std::span<const std::string_view> args) {
  DaemonConfig config;
  // --config first, so flags given anywhere win over the file.
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view path;
    if (args[i] == "--config" && i + 1 < args.size()) {
      path = args[i + 1];
    } else if (args[i].starts_with("--config=")) {
      path = args[i].substr(9);
    } else {
      continue;
    }
    std::ifstream in{std::string(path)};
    if (!in) return InvalidArgument("--config: cannot read " + std::string(path));
    std::stringstream text;
    text << in.rdbuf();
    if (Status s = ApplyToml(text.str(), path, &config); !s.ok()) return s;
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view flag = args[i];
    if (flag == "-h" || flag == "--help") {
      config.help = true;
      continue;
    }
    if (flag == "--version") {
      config.version = true;
      continue;
    }
    if (flag == "--salvage") {
      config.salvage = true;
      continue;
    }
    std::optional<std::string_view> value;
    if (const auto eq = flag.find('='); flag.starts_with("--") && eq != std::string_view::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
    } else if (i + 1 < args.size()) {
      value = args[i + 1];
      ++i;
    }
    if (!value) return InvalidArgument(std::string(flag) + " needs a value");
    if (flag == "--config") continue;
    if (flag == "--data-dir") {
      config.data_dir = std::string(*value);
    } else if (flag == "--bind") {
      config.bind_address = std::string(*value);
    } else if (flag == "--webhook") {
      config.webhooks.emplace_back(*value);
    } else if (flag == "--webhook-from") {
      if (*value != "now" && *value != "start") {
        return InvalidArgument("--webhook-from must be now or start");
      }
      config.webhook_from_start = *value == "start";
    } else if (flag == "--webhook-kinds") {
      // Comma-separated; an empty name (a stray comma) is refused as unknown.
      std::vector<std::string> names;
      for (size_t start = 0;;) {
        const size_t comma = value->find(',', start);
        names.emplace_back(value->substr(start, comma - start));
        if (comma == std::string_view::npos) break;
        start = comma + 1;
      }
      if (Status s = SetWebhookKinds(names, "--webhook-kinds", &config); !s.ok()) return s;
    } else if (flag == "--webhook-secret-file") {
      config.webhook_secret_file = std::string(*value);
    } else if (flag == "--webhook-ca") {
      config.webhook_ca = std::string(*value);
    } else if (flag == "--ports-file") {
      config.ports_file = std::string(*value);
    } else if (flag == "--console-dir") {
      config.console_dir = std::string(*value);
    } else if (flag == "--public-origin") {
      if (Status s = ingest::CheckPublicOrigin(*value); !s.ok()) {
        return InvalidArgument(std::string(flag) + ": " + s.message());
      }
      config.public_origin = std::string(*value);
    } else if (flag == "--bootstrap-admin-token-file") {
      config.bootstrap_admin_token_file = std::string(*value);
    } else if (flag == "--ingest-port" || flag == "--http-port" || flag == "--osmand-port") {
      StatusOr<uint16_t> port = ParsePort(*value, flag);
      if (!port.ok()) return port.status();
      (flag == "--ingest-port" ? config.ingest_port
                               : flag == "--http-port" ? config.http_port : config.osmand_port) =
          *port;
    } else if (flag == "--auth-timeout") {
      const std::optional<int64_t> ms = ParseAuthTimeout(*value);
      if (!ms) return InvalidArgument(std::string(flag) + std::string(kAuthTimeoutForm));
      config.auth_timeout_ms = *ms;
    } else if (flag == "--session-idle-timeout" || flag == "--session-lifetime") {
      const std::optional<int64_t> ms = ParseSessionDuration(*value);
      if (!ms) return InvalidArgument(std::string(flag) + std::string(kSessionDurationForm));
      (flag == "--session-idle-timeout" ? config.session_idle_timeout_ms
                                        : config.session_lifetime_ms) = *ms;
    } else if (flag == "--engine-lanes") {
      uint32_t lanes = 0;
      const auto [end, error] =
          std::from_chars(value->data(), value->data() + value->size(), lanes);
      if (error != std::errc() || end != value->data() + value->size() || lanes > 256) {
        return InvalidArgument("--engine-lanes must be a number from 0 (one per core) to 256");
      }
      config.engine_lanes = lanes;
    } else if (uint32_t* setting = flag == "--max-sessions"
                                       ? &config.max_sessions
                                       : LimitSetting(SettingOfFlag(flag), &config)) {
      int64_t number = 0;
      const auto [end, error] =
          std::from_chars(value->data(), value->data() + value->size(), number);
      const std::optional<uint32_t> limit =
          error == std::errc() && end == value->data() + value->size() ? ParseLimit(number)
                                                                       : std::nullopt;
      if (!limit) return InvalidArgument(std::string(flag) + " must be a number from 1 to 1000000");
      *setting = *limit;
    } else {
      return InvalidArgument("unknown flag " + std::string(flag));
    }
  }
  if (config.data_dir.empty()) return InvalidArgument("--data-dir must not be empty");
  return config;
}

std::string DaemonUsage() {
  return "usage: stayawayd [--config FILE] [--data-dir DIR] [--bind ADDRESS]\n"
         "                 [--ingest-port N] [--http-port N] [--osmand-port N]\n"
         "                 [--ports-file FILE] [--webhook URL]... [--webhook-secret-file FILE]\n"
         "                 [--webhook-from now|start] [--webhook-kinds KIND,...]\n"
         "                 [--webhook-ca FILE]\n"
         "                 [--salvage]\n"
         "                 [--bootstrap-admin-token-file FILE] [--console-dir DIR]\n"
         "                 [--auth-timeout DURATION] [--max-unauthenticated N]\n"
         "                 [--max-unauthenticated-per-address N]\n"
         "                 [--ingest-max-connections N] [--http-max-connections N]\n"
         "                 [--session-idle-timeout DURATION] [--session-lifetime DURATION]\n"
         "                 [--max-sessions N] [--public-origin URL] [--engine-lanes N]\n"
         "                 [--version]\n"
         "\n"
         "The monitoring-centre daemon. Defaults: --data-dir stayaway-data, --bind 127.0.0.1,\n"
         "ingest 7301 (Protobuf frames), http 7380 (API), osmand 5055 (phone apps).\n"
         "A TOML --config file takes the same settings (data_dir, bind, ingest_port,\n"
         "http_port, osmand_port, ports_file, webhooks, webhook_secret_file) and an [engine]\n"
         "table; flags win.\n"
         "Every event is POSTed to each --webhook URL, in order, retried until delivered.\n"
         "Orders' victim_gateways get SMS or voice messages for protected persons. Every\n"
         "webhook is signed (X-Stayaway-Signature: sha256=HMAC of the body) with the secret\n"
         "in --webhook-secret-file. A new webhook starts at the next event; --webhook-from\n"
         "start sends it the whole history first. --webhook-kinds (webhook_kinds) sends only\n"
         "events of those kinds (proximity_violation,sos,...). https:// webhooks and victim\n"
         "gateways must show a certificate for their host that the system trusts, or that\n"
         "the CA certificates in --webhook-ca FILE (webhook_ca) sign.\n"
         "Every accepted input is journaled in DATA_DIR/journal before it is applied and\n"
         "acknowledged; a restart replays it. --salvage skips damaged journal records.\n"
         "--engine-lanes N (engine_lanes): threads that evaluate fixes, each owning a share\n"
         "of the case groups; 0 (default) is one per core. The events do not depend on it.\n"
         "journal_retention = \"400d\" deletes history older than that once nothing open\n"
         "needs it. A [tls] table (certificate, private_key, client_ca, osmand) puts every\n"
         "port on TLS; with client_ca the ingest port requires gateway certificates.\n"
         "Access: every request but /healthz and /v1/keys needs a credential's bearer\n"
         "token (DATA_DIR/credentials.json holds their digests). The first admin's token\n"
         "comes from --bootstrap-admin-token-file FILE or the STAYAWAY_ADMIN_TOKEN\n"
         "environment variable (at least 20 characters); that admin issues the others\n"
         "(POST /v1/credentials). Without any credential every request is refused.\n"
         "Connections (per port; also a [connections] table): one that has not\n"
         "authenticated within --auth-timeout (default 10s) is closed; at most\n"
         "--max-unauthenticated (512) unauthenticated connections, and\n"
         "--max-unauthenticated-per-address (64) from one address: a new one closes the\n"
         "oldest; --ingest-max-connections (4096) and --http-max-connections (1024, also\n"
         "the OsmAnd port) open in all, where authenticated connections are never closed\n"
         "to make room.\n"
         "Browser sessions (POST /v1/session; also a [sessions] table with idle_timeout,\n"
         "lifetime, max, public_origin): a session ends after --session-idle-timeout (30m)\n"
         "unused, or --session-lifetime (12h) after sign-in; at most --max-sessions\n"
         "(10000), the oldest ended beyond. Behind a proxy that terminates TLS,\n"
         "--public-origin https://HOST[:PORT] names the origin browsers use.\n"
         "The operator console is served at / on the HTTP port from --console-dir (default:\n"
         "../share/stayaway/console beside the binary); a [console] table sets its dir,\n"
         "time_zone, language (en, ru) and tile_url.\n"
         "SIGTERM or SIGINT drains queued work and stops.\n";
}

}  // namespace stayaway::daemon
