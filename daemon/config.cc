#include "daemon/config.h"

#include <date/tz.h>
#include <google/protobuf/util/json_util.h>
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <charconv>
#include <fstream>
#include <functional>
#include <memory>
#include <optional>
#include <sstream>

#include "base/command_help.h"
#include "ingest/http_static.h"
#include "ingest/session_cookie.h"
#include "kafka/topics.h"

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

// The [mqtt] table (config.h).
Status ApplyMqttTable(const toml::node& node, const std::string& where, DaemonConfig* config) {
  const toml::table* mqtt = node.as_table();
  if (mqtt == nullptr) return InvalidArgument(where + " must be a table");
  for (const auto& [mqtt_key, mqtt_node] : *mqtt) {
    const std::string_view field = mqtt_key.str();
    const std::string at = where + "." + std::string(field);
    if (field == "tls") {
      const auto flag = mqtt_node.value<bool>();
      if (!flag) return InvalidArgument(at + " must be true or false");
      config->mqtt_tls = *flag;
      continue;
    }
    if (field == "password") {
      return InvalidArgument(at + ": put the password in a file and name it in password_file");
    }
    const auto text = mqtt_node.value<std::string>();
    if (!text) return InvalidArgument(at + " must be a string");
    if (field == "events_from") {
      if (*text != "now" && *text != "start") return InvalidArgument(at + " must be now or start");
      config->mqtt_events_from_start = *text == "start";
      continue;
    }
    std::string* setting = field == "broker"            ? &config->mqtt_broker
                           : field == "client_id"       ? &config->mqtt_client_id
                           : field == "user"            ? &config->mqtt_user
                           : field == "password_file"   ? &config->mqtt_password_file
                           : field == "ca_file"         ? &config->mqtt_ca_file
                           : field == "certificate"     ? &config->mqtt_certificate
                           : field == "private_key"     ? &config->mqtt_private_key
                           : field == "owntracks_topic" ? &config->mqtt_owntracks_topic
                           : field == "fixes_topic"     ? &config->mqtt_fixes_topic
                           : field == "events_prefix"   ? &config->mqtt_events_prefix
                                                        : nullptr;
    if (setting == nullptr) return InvalidArgument(at + " is not a known setting");
    *setting = *text;
  }
  if (!config->mqtt_ca_file.empty()) config->mqtt_tls = true;
  if (config->mqtt_certificate.empty() != config->mqtt_private_key.empty()) {
    return InvalidArgument(where + " needs both certificate and private_key");
  }
  if (config->mqtt_client_id.empty())
    return InvalidArgument(where + ".client_id must not be empty");
  return Status::Ok();
}

// The [kafka] table (config.h).
Status ApplyKafkaTable(const toml::node& node, const std::string& where, DaemonConfig* config) {
  const toml::table* kafka = node.as_table();
  if (kafka == nullptr) return InvalidArgument(where + " must be a table");
  for (const auto& [kafka_key, kafka_node] : *kafka) {
    const std::string_view field = kafka_key.str();
    const std::string at = where + "." + std::string(field);
    if (field == "session_timeout_ms" || field == "replication_factor" ||
        field == "leader_stall_ms" || field == "snapshot_check_ms") {
      // A whole number within bounds, and where it goes.
      const auto [low, high, target] =
          field == "session_timeout_ms"
              ? std::tuple<int64_t, int64_t, int*>{1000, 60000, &config->kafka_session_timeout_ms}
          : field == "leader_stall_ms"
              ? std::tuple<int64_t, int64_t, int*>{1000, 60000, &config->kafka_leader_stall_ms}
          : field == "snapshot_check_ms"
              ? std::tuple<int64_t, int64_t, int*>{1000, 86'400'000,
                                                   &config->kafka_snapshot_check_ms}
              : std::tuple<int64_t, int64_t, int*>{1, 32, &config->kafka_replication_factor};
      const auto number = kafka_node.value<int64_t>();
      if (!number || *number < low || *number > high) {
        return InvalidArgument(at + " must be a whole number from " + std::to_string(low) + " to " +
                               std::to_string(high));
      }
      *target = static_cast<int>(*number);
      continue;
    }
    const auto text = kafka_node.value<std::string>();
    if (!text) return InvalidArgument(at + " must be a string");
    if (field == "brokers") {
      config->kafka_brokers = *text;
    } else if (field == "group") {
      if (text->empty()) return InvalidArgument(at + " must not be empty");
      config->kafka_group = *text;
    } else if (field == "topic_prefix") {
      if (Status s = kafka::CheckTopicPrefix(*text); !s.ok()) {
        return InvalidArgument(at + ": " + s.message());
      }
      config->kafka_topic_prefix = *text;
    } else {
      return InvalidArgument(at + " is not a known setting");
    }
  }
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
    } else if (name == "mqtt") {
      if (Status s = ApplyMqttTable(node, where, config); !s.ok()) return s;
    } else if (name == "kafka") {
      if (Status s = ApplyKafkaTable(node, where, config); !s.ok()) return s;
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

namespace {

// A flag's value turned into a setting: empty when it was taken, else why not (the flag's
// name is put before it).
using SetFromText = std::function<std::string(const std::string& text)>;

// One flag that takes a value. CLI11 accepts "--name VALUE" and "--name=VALUE"; a refused
// value stops parsing with "--name: <reason>".
void ValueFlag(CLI::App& app, const std::string& name, const std::string& value_name,
               const std::string& meaning, SetFromText set) {
  app.add_option_function<std::string>(
         name,
         [name, set = std::move(set)](const std::string& text) {
           if (std::string refusal = set(text); !refusal.empty()) {
             throw CLI::ValidationError(name, refusal);
           }
         },
         meaning)
      ->type_name(value_name);
}

// Setters for the common kinds of value.
SetFromText Text(std::string* setting) {
  return [setting](const std::string& text) {
    *setting = text;
    return std::string();
  };
}

SetFromText Port(uint16_t* setting) {
  return [setting](const std::string& text) {
    StatusOr<uint16_t> port = ParsePort(text, "port");
    if (!port.ok()) return "\"" + text + "\" is not a port number (0-65535)";
    *setting = *port;
    return std::string();
  };
}

// A connection or session limit: from 1 to 1,000,000.
SetFromText Limit(uint32_t* setting) {
  return [setting](const std::string& text) {
    int64_t number = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    const std::optional<uint32_t> limit = error == std::errc() && end == text.data() + text.size()
                                              ? ParseLimit(number)
                                              : std::nullopt;
    if (!limit) return std::string("must be a number from 1 to 1000000");
    *setting = *limit;
    return std::string();
  };
}

SetFromText SessionDuration(int64_t* setting_ms) {
  return [setting_ms](const std::string& text) {
    const std::optional<int64_t> ms = ParseSessionDuration(text);
    if (!ms) return std::string(kSessionDurationForm.substr(1));
    *setting_ms = *ms;
    return std::string();
  };
}

// Every flag of stayawayd but --config (which DefineFlags' caller reads first) and --help.
// To add a flag: one ValueFlag block (or app.add_flag for a switch) here, with a setter
// above or a lambda, the setting in DaemonConfig, and its line in the README.
void DefineFlags(CLI::App& app, DaemonConfig* config) {
  ValueFlag(app, "--data-dir", "DIR",
            "journal, snapshots, keys and credentials (default stayaway-data)",
            Text(&config->data_dir));
  ValueFlag(app, "--bind", "ADDRESS", "the address every port listens on (default 127.0.0.1)",
            Text(&config->bind_address));
  ValueFlag(app, "--ingest-port", "N", "Protobuf frames of fixes and subscriptions (7301)",
            Port(&config->ingest_port));
  ValueFlag(app, "--http-port", "N", "the HTTP API and the operator console (7380)",
            Port(&config->http_port));
  ValueFlag(app, "--osmand-port", "N", "the OsmAnd protocol of phone apps (5055)",
            Port(&config->osmand_port));
  ValueFlag(app, "--ports-file", "FILE",
            "where the bound ports are written (default DATA_DIR/ports); port 0 picks a free one",
            Text(&config->ports_file));
  app.add_option_function<std::vector<std::string>>(
         "--webhook",
         [config](const std::vector<std::string>& urls) {
           // Added to the file's webhooks, not instead of them.
           config->webhooks.insert(config->webhooks.end(), urls.begin(), urls.end());
         },
         "POST every event to this http:// or https:// URL, in order, retried until delivered; "
         "repeatable")
      ->type_name("URL")
      ->allow_extra_args(false);
  ValueFlag(app, "--webhook-secret-file", "FILE",
            "sign every webhook and gateway POST with the secret in FILE",
            Text(&config->webhook_secret_file));
  ValueFlag(app, "--webhook-from", "now|start",
            "where a new webhook begins: the next event (now, default) or event 1",
            [config](const std::string& text) {
              if (text != "now" && text != "start") return std::string("must be now or start");
              config->webhook_from_start = text == "start";
              return std::string();
            });
  ValueFlag(app, "--webhook-kinds", "KIND,...",
            "send webhooks only events of these kinds (proximity_violation,sos,...)",
            [config](const std::string& text) {
              // An empty name (a stray comma) is refused as unknown.
              std::vector<std::string> names;
              for (size_t start = 0;;) {
                const size_t comma = text.find(',', start);
                names.push_back(text.substr(start, comma - start));
                if (comma == std::string::npos) break;
                start = comma + 1;
              }
              const Status set = SetWebhookKinds(names, "--webhook-kinds", config);
              return set.ok() ? std::string() : set.message();
            });
  ValueFlag(app, "--mqtt-broker", "HOST:PORT",
            "an MQTT broker: OwnTracks and fix JSON in, every event out (none; [mqtt] table)",
            Text(&config->mqtt_broker));
  ValueFlag(app, "--kafka-brokers", "HOST:PORT,...",
            "Kafka mode: share the work with the instances of --kafka-group through this "
            "cluster (off; [kafka] table)",
            Text(&config->kafka_brokers));
  ValueFlag(app, "--kafka-group", "NAME",
            "Kafka mode: the instances of one group share the work (stayaway)",
            [config](const std::string& text) {
              if (text.empty()) return std::string("must not be empty");
              config->kafka_group = text;
              return std::string();
            });
  ValueFlag(app, "--kafka-topic-prefix", "PREFIX",
            "Kafka mode: the start of every topic name, one per centre on a shared cluster "
            "(stayaway.)",
            [config](const std::string& text) {
              if (Status s = kafka::CheckTopicPrefix(text); !s.ok()) return s.message();
              config->kafka_topic_prefix = text;
              return std::string();
            });
  ValueFlag(app, "--mqtt-password-file", "FILE",
            "the password of the [mqtt] user, in FILE (never on the command line)",
            Text(&config->mqtt_password_file));
  ValueFlag(app, "--webhook-ca", "FILE",
            "trust https webhooks and gateways signed by the CA certificates in FILE (default: "
            "the system's)",
            Text(&config->webhook_ca));
  app.add_flag("--salvage", config->salvage,
               "start even when the journal is damaged, skipping the damaged records");
  ValueFlag(app, "--bootstrap-admin-token-file", "FILE",
            "the first admin's token (or STAYAWAY_ADMIN_TOKEN); flag only, never in --config",
            Text(&config->bootstrap_admin_token_file));
  ValueFlag(app, "--console-dir", "DIR",
            "the operator console's files (default ../share/stayaway/console beside the binary)",
            Text(&config->console_dir));
  ValueFlag(app, "--auth-timeout", "DURATION",
            "close a connection not authenticated this long after its accept (10s)",
            [config](const std::string& text) {
              const std::optional<int64_t> ms = ParseAuthTimeout(text);
              if (!ms) return std::string(kAuthTimeoutForm.substr(1));
              config->auth_timeout_ms = *ms;
              return std::string();
            });
  ValueFlag(app, "--max-unauthenticated", "N",
            "unauthenticated connections per port at most; a new one closes the oldest (512)",
            Limit(&config->max_unauthenticated));
  ValueFlag(app, "--max-unauthenticated-per-address", "N", "the same, from one client address (64)",
            Limit(&config->max_unauthenticated_per_address));
  ValueFlag(app, "--ingest-max-connections", "N", "connections open on the ingest port (4096)",
            Limit(&config->ingest_max_connections));
  ValueFlag(app, "--http-max-connections", "N",
            "connections open on the HTTP port, and on the OsmAnd port (1024)",
            Limit(&config->http_max_connections));
  ValueFlag(app, "--session-idle-timeout", "DURATION",
            "a browser session unused this long ends (30m)",
            SessionDuration(&config->session_idle_timeout_ms));
  ValueFlag(app, "--session-lifetime", "DURATION",
            "a browser session ends this long after sign-in (12h)",
            SessionDuration(&config->session_lifetime_ms));
  ValueFlag(app, "--max-sessions", "N", "browser sessions at most (10000)",
            Limit(&config->max_sessions));
  ValueFlag(app, "--public-origin", "URL",
            "the origin browsers use behind a TLS-terminating proxy (https://HOST[:PORT])",
            [config](const std::string& text) {
              if (Status s = ingest::CheckPublicOrigin(text); !s.ok()) return s.message();
              config->public_origin = text;
              return std::string();
            });
  ValueFlag(app, "--engine-lanes", "N",
            "threads that evaluate fixes; 0 (default): one per core. The events are the same",
            [config](const std::string& text) {
              uint32_t lanes = 0;
              const auto [end, error] =
                  std::from_chars(text.data(), text.data() + text.size(), lanes);
              if (error != std::errc() || end != text.data() + text.size() || lanes > 256) {
                return std::string("must be a number from 0 (one per core) to 256");
              }
              config->engine_lanes = lanes;
              return std::string();
            });
  app.add_flag("--version", config->version, "print the version and the commit, and exit");
}

constexpr std::string_view kDaemonSynopsis = "[--config FILE] [options]";

constexpr std::string_view kDaemonDescription =
    "The monitoring-centre daemon. It journals every accepted input in DATA_DIR/journal\n"
    "before applying and acknowledging it, evaluates the orders' rules, and serves the\n"
    "HTTP API, the operator console, the ingest port and the OsmAnd port.";

constexpr std::string_view kDaemonFooter =
    "A TOML --config file takes the same settings (data_dir, bind, ingest_port, http_port,\n"
    "osmand_port, ports_file, webhooks, webhook_secret_file, webhook_from, webhook_kinds,\n"
    "engine_lanes, journal_fsync, journal_commit_window_ms, journal_retention, ...) and the\n"
    "tables [engine], [tls], [connections], [sessions], [console], [mqtt] and [kafka]; flags win\n"
    "over it.\n"
    "Access: every request but /healthz and /v1/keys needs a credential's bearer token;\n"
    "the first admin's token comes from --bootstrap-admin-token-file or the\n"
    "STAYAWAY_ADMIN_TOKEN environment variable (at least 20 characters). Without any\n"
    "credential every request is refused. Durations: ms, s, m, h, d (\"10s\", \"12h\").\n"
    "SIGTERM or SIGINT drains queued work and stops. Usage errors exit 2.";

std::unique_ptr<CLI::App> DaemonFlags(DaemonConfig* config, std::string* config_file) {
  auto app = std::make_unique<CLI::App>(std::string(kDaemonDescription), "stayawayd");
  UseCommandHelp(*app, std::string(kDaemonSynopsis));
  app->footer(std::string(kDaemonFooter));
  app->set_help_flag("-h,--help", "show this help and exit");
  app->add_option("--config", *config_file,
                  "a TOML file of settings (packaging/stayawayd.toml); flags win over it")
      ->type_name("FILE");
  DefineFlags(*app, config);
  return app;
}

// Parses `args` into `config` with every flag of DefineFlags.
Status ParseFlagsInto(std::span<const std::string_view> args, DaemonConfig* config,
                      std::string* config_file) {
  std::unique_ptr<CLI::App> app = DaemonFlags(config, config_file);
  // CLI11 takes the arguments last first.
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app->parse(reversed);
  } catch (const CLI::ExtrasError&) {
    return InvalidArgument(UnexpectedArgument(app->remaining(), args));
  } catch (const CLI::ParseError& error) {
    return InvalidArgument(error.what());
  }
  return Status::Ok();
}

}  // namespace

StatusOr<DaemonConfig> ParseDaemonArgs(std::span<const std::string_view> args) {
  DaemonConfig config;
  // Help wins over anything else on the line, wrong or not.
  for (std::string_view arg : args) {
    if (arg == "-h" || arg == "--help") {
      config.help = true;
      return config;
    }
  }
  // Twice: once to check the flags and find --config, then over the file's settings, so
  // flags given anywhere win over the file.
  std::string config_file;
  DaemonConfig flags_alone;
  if (Status s = ParseFlagsInto(args, &flags_alone, &config_file); !s.ok()) return s;
  if (flags_alone.version) return flags_alone;
  if (!config_file.empty()) {
    std::ifstream in(config_file);
    if (!in) return InvalidArgument("--config: cannot read " + config_file);
    std::stringstream text;
    text << in.rdbuf();
    if (Status s = ApplyToml(text.str(), config_file, &config); !s.ok()) return s;
    if (Status s = ParseFlagsInto(args, &config, &config_file); !s.ok()) return s;
  } else {
    config = std::move(flags_alone);
  }
  if (config.data_dir.empty()) return InvalidArgument("--data-dir must not be empty");
  return config;
}

std::string DaemonUsage() {
  DaemonConfig config;
  std::string config_file;
  return DaemonFlags(&config, &config_file)->help();
}

}  // namespace stayaway::daemon
