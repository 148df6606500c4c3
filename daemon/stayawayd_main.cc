// stayawayd: the monitoring-centre daemon. Wires the core (engine thread, event log,
// alerts, metrics) to its network front ends: Protobuf/TCP ingest and subscriptions, the
// HTTP API, and the OsmAnd port for phone apps. See config.h for settings and ports.
#include <google/protobuf/util/json_util.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/credential_store.h"
#include "base/dir_lock.h"
#include "base/file_io.h"
#include "base/huge_page_heap.h"
#include "base/private_files.h"
#include "base/version.h"
#include "daemon/config.h"
#include "daemon/core.h"
#include "daemon/kafka_node.h"
#include "daemon/log.h"
#include "daemon/mqtt_bridge.h"
#include "daemon/victim_gateway.h"
#include "daemon/victim_text.h"
#include "daemon/webhook_dispatcher.h"
#include "daemon/webhook_signature.h"
#include "engine/engine_config.h"
#include "ingest/http_api.h"
#include "ingest/http_server.h"
#include "ingest/http_static.h"
#include "ingest/osmand_endpoint.h"
#include "ingest/tcp_server.h"
#include "ingest/tls_context.h"

namespace stayaway::daemon {
namespace {

namespace asio = boost::asio;

// Every connection holds a file descriptor: raise the soft limit towards what the
// connection limits need (plus room for the journal, snapshots and the rest), as far as
// the hard limit allows, and say so when it falls short.
void RaiseDescriptorLimit(uint64_t connections) {
  const rlim_t wanted = static_cast<rlim_t>(connections + 256);
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= wanted) return;
  limit.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
  ::setrlimit(RLIMIT_NOFILE, &limit);
  ::getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < wanted) {
    Log(LogLevel::kWarning,
        "the file descriptor limit is below what the connection limits need; when it runs "
        "out, the oldest unauthenticated connection is closed for each new one",
        {{"limit", std::to_string(limit.rlim_cur)}, {"wanted", std::to_string(wanted)}});
  }
}

// Writes DATA_DIR/engine_config.json on the first start; later starts must match it.
Status PinEngineConfig(const std::string& data_dir, const v1::EngineConfig& engine) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(engine, &json, options).ok()) {
    return InvalidArgument("engine settings cannot be written as JSON");
  }
  const std::string path = data_dir + "/engine_config.json";
  if (std::ifstream in(path); in) {
    std::stringstream stored;
    stored << in.rdbuf();
    v1::EngineConfig pinned;
    if (!google::protobuf::util::JsonStringToMessage(stored.str(), &pinned).ok()) {
      return InvalidArgument(path + " is not an engine configuration");
    }
    std::string pinned_json;
    (void)google::protobuf::util::MessageToJsonString(pinned, &pinned_json, options);
    if (pinned_json != json) {
      return FailedPrecondition("the [engine] settings differ from " + path +
                                ", which the journal was written with; use those settings "
                                "or start a new data directory");
    }
    return Status::Ok();
  }
  return WriteFileAtomically(path, json + "\n");
}

// Opens DATA_DIR/credentials.json and applies the bootstrap admin token, from the file
// named by the flag or else from STAYAWAY_ADMIN_TOKEN (which is then removed from the
// environment, so nothing the daemon starts inherits it). The token is never logged.
StatusOr<std::shared_ptr<access::CredentialStore>> OpenCredentials(const DaemonConfig& config) {
  auto store = access::CredentialStore::Open(config.data_dir + "/credentials.json");
  if (!store.ok()) return store.status();
  std::string token;
  std::string origin;
  if (!config.bootstrap_admin_token_file.empty()) {
    auto text = ReadWholeFile(config.bootstrap_admin_token_file);
    if (!text.ok()) {
      return FailedPrecondition("--bootstrap-admin-token-file: cannot read " +
                                config.bootstrap_admin_token_file);
    }
    token = std::move(*text);
    origin = "--bootstrap-admin-token-file";
  } else if (const char* env = std::getenv("STAYAWAY_ADMIN_TOKEN"); env != nullptr) {
    token = env;
    origin = "STAYAWAY_ADMIN_TOKEN";
    ::unsetenv("STAYAWAY_ADMIN_TOKEN");
  }
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.front()))) {
    token.erase(token.begin());
  }
  if (!origin.empty()) {
    if (Status s = (*store)->EnsureBootstrapAdmin(
            token, std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count()); !s.ok()) {
      return FailedPrecondition(origin + ": " + s.message());
    }
    Log(LogLevel::kInfo, "bootstrap admin credential set", {{"from", origin}});
  }
  if ((*store)->size() == 0) {
    Log(LogLevel::kWarning,
        "no credentials: every request but /healthz and /v1/keys will be refused; start once "
        "with --bootstrap-admin-token-file FILE or STAYAWAY_ADMIN_TOKEN set");
  }
  return std::shared_ptr<access::CredentialStore>(std::move(*store));
}

// The data directory holds protected persons' positions: only its owner may read it
// (SECURITY.md, "Files on disk"). What an earlier version or an operator left open to
// group or others is tightened here, once, and said in the log.
Status MakeDataDirPrivate(const std::string& data_dir) {
  if (Status s = MakePrivateDirectories(data_dir); !s.ok()) return s;
  StatusOr<std::vector<std::string>> changed = MakeTreePrivate(data_dir);
  if (!changed.ok()) return changed.status();
  if (!changed->empty()) {
    Log(LogLevel::kWarning,
        "the data directory was readable by group or others: removed their permissions",
        {{"data_dir", data_dir},
         {"paths_changed", std::to_string(changed->size())},
         {"first", changed->front()}});
  }
  return Status::Ok();
}

// The console's files: --console-dir, or else share/stayaway/console beside the binary's
// directory (where `cmake --install` puts them; the build tree links the source's console/
// there, so a daemon run from the build serves the files being edited).
StatusOr<std::shared_ptr<const ingest::ConsoleFiles>> OpenConsole(
    const DaemonConfig& config, const engine::EngineSettings& engine_settings) {
  std::filesystem::path dir = config.console_dir;
  if (dir.empty()) {
    std::error_code error;
    const std::filesystem::path binary = std::filesystem::read_symlink("/proc/self/exe", error);
    if (error) return NotFound("the daemon's own path is unknown; set --console-dir");
    dir = binary.parent_path().parent_path() / "share" / "stayaway" / "console";
  }
  ingest::ConsoleSettings settings{config.console_time_zone, config.console_language,
                                   config.console_tile_url, {}, {}};
  for (int kind = 1; kind < engine::EngineSettings::kKinds; ++kind) {
    const std::string name = v1::Event::Kind_Name(static_cast<v1::Event::Kind>(kind));
    if (const TimeMs ms = engine_settings.ack_deadline_confirmed_ms[kind]; ms > 0) {
      settings.ack_deadline_confirmed_ms[name] = ms;
    }
    if (const TimeMs ms = engine_settings.ack_deadline_possible_ms[kind]; ms > 0) {
      settings.ack_deadline_possible_ms[name] = ms;
    }
  }
  return ingest::ConsoleFiles::Open(dir, std::move(settings));
}

// A data directory is either a Kafka instance's (its journal is the cluster's input log,
// record for record: core.h) or a daemon's of its own; it never changes sides, or its
// journal and the log would part. The file "kafka" marks the first kind.
Status CheckDataDirectoryKind(const DaemonConfig& config) {
  const std::string marker = config.data_dir + "/kafka";
  const bool marked = std::filesystem::exists(marker);
  const bool kafka = !config.kafka_brokers.empty();
  if (marked == kafka) return Status::Ok();
  if (marked) {
    return FailedPrecondition(config.data_dir +
                              " holds a Kafka instance's state (the file kafka); start it with "
                              "--kafka-brokers, or use another data directory");
  }
  std::error_code ec;
  const std::string journal = config.data_dir + "/journal";
  if (std::filesystem::exists(journal, ec) && !std::filesystem::is_empty(journal, ec)) {
    return FailedPrecondition(config.data_dir +
                              " holds the journal of a daemon of its own; Kafka mode needs an "
                              "empty data directory");
  }
  return Status::Ok();
}

// Marks a data directory as a Kafka instance's, once the cluster was reached (a mistyped
// broker address must not mark it for good).
Status MarkKafkaDataDirectory(const DaemonConfig& config) {
  const std::string marker = config.data_dir + "/kafka";
  if (std::filesystem::exists(marker)) return Status::Ok();
  return WriteFileAtomically(marker, "group=" + config.kafka_group + "\n");
}

// This process among a Kafka-mode centre's instances, for names that must differ between
// the instances connected at once ("HOST-PID"), such as an MQTT client id.
std::string InstanceName() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "host");
  return std::string(host) + "-" + std::to_string(::getpid());
}

// The MQTT bridge's settings (mqtt_bridge.h) from the configuration, with the password
// read from its file (surrounding white space removed).
StatusOr<MqttOptions> MqttOptionsOf(const DaemonConfig& config) {
  MqttOptions options;
  if (Status s = ParseMqttBroker(config.mqtt_broker, &options); !s.ok()) return s;
  options.client_id = config.mqtt_client_id;
  options.user = config.mqtt_user;
  if (!config.mqtt_password_file.empty()) {
    StatusOr<std::string> password = ReadWholeFile(config.mqtt_password_file);
    if (!password.ok()) {
      return FailedPrecondition("mqtt password_file: cannot read " + config.mqtt_password_file);
    }
    std::string& text = *password;
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
    std::size_t first = 0;
    while (first < text.size() && std::isspace(static_cast<unsigned char>(text[first]))) ++first;
    options.password = text.substr(first);
    if (config.mqtt_user.empty()) {
      return InvalidArgument("mqtt password_file needs a user: MQTT sends no password alone");
    }
  }
  options.tls = config.mqtt_tls;
  options.ca_file = config.mqtt_ca_file;
  options.certificate = config.mqtt_certificate;
  options.private_key = config.mqtt_private_key;
  options.owntracks_topic = config.mqtt_owntracks_topic;
  options.fixes_topic = config.mqtt_fixes_topic;
  options.events_prefix = config.mqtt_events_prefix;
  options.events_from_start = config.mqtt_events_from_start;
  if (Status s = MakePrivateDirectories(config.data_dir + "/mqtt"); !s.ok()) return s;
  options.cursor_path = config.data_dir + "/mqtt/events.cursor";
  return options;
}

int Run(const DaemonConfig& config) {
  if (Status s = MakeDataDirPrivate(config.data_dir); !s.ok()) {
    Log(LogLevel::kError, "cannot set up the data directory",
        {{"data_dir", config.data_dir}, {"error", s.message()}});
    return 1;
  }
  // One daemon per data directory, and no offline tool changing it underneath.
  StatusOr<DirLock> data_dir_lock = DirLock::Acquire(config.data_dir);
  if (!data_dir_lock.ok()) {
    Log(LogLevel::kError, "cannot start", {{"error", data_dir_lock.status().message()}});
    return 1;
  }

  // Replay must use the settings the journal was written with: they are kept beside it,
  // and a start with different settings is refused rather than silently diverging.
  if (Status s = PinEngineConfig(config.data_dir, config.engine); !s.ok()) {
    Log(LogLevel::kError, "engine settings conflict", {{"error", s.message()}});
    return 2;
  }
  StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(config.engine);
  if (!settings.ok()) {
    Log(LogLevel::kError, "invalid engine settings", {{"error", settings.status().message()}});
    return 2;
  }
  boost::system::error_code address_error;
  const asio::ip::address address = asio::ip::make_address(config.bind_address, address_error);
  if (address_error) {
    Log(LogLevel::kError, "invalid bind address", {{"bind", config.bind_address}});
    return 2;
  }

  if (Status s = MakePrivateDirectories(config.data_dir + "/webhooks"); !s.ok()) {
    Log(LogLevel::kError, "cannot set up the data directory", {{"error", s.message()}});
    return 1;
  }
  std::string webhook_secret;
  if (!config.webhook_secret_file.empty()) {
    StatusOr<std::string> secret = ReadWebhookSecret(config.webhook_secret_file);
    if (!secret.ok()) {
      Log(LogLevel::kError, "cannot read the webhook secret",
          {{"error", secret.status().message()}});
      return 2;
    }
    webhook_secret = std::move(*secret);
  }
  StatusOr<const date::time_zone*> centre_zone = FindTimeZone(config.console_time_zone);
  if (!centre_zone.ok()) {
    Log(LogLevel::kError, "invalid time zone", {{"error", centre_zone.status().message()}});
    return 2;
  }
  std::vector<v1::Event::Kind> webhook_kinds;  // names checked by the configuration
  for (const std::string& name : config.webhook_kinds) {
    v1::Event::Kind kind;
    if (v1::Event::Kind_Parse(name, &kind)) webhook_kinds.push_back(kind);
  }
  std::vector<std::pair<std::string, WebhookUrl>> webhook_targets;
  for (const std::string& url : config.webhooks) {
    StatusOr<WebhookUrl> target = ParseWebhookUrl(url);
    if (!target.ok()) {
      Log(LogLevel::kError, "invalid webhook", {{"error", target.status().message()}});
      return 2;
    }
    webhook_targets.emplace_back(url, *target);
  }
  // The client side of https:// webhooks and victim gateways (their URLs come with orders,
  // at any time): made at start so that an unusable --webhook-ca stops it.
  StatusOr<std::shared_ptr<asio::ssl::context>> webhook_tls =
      MakeWebhookTlsContext(config.webhook_ca);
  if (!webhook_tls.ok()) {
    Log(LogLevel::kError, "cannot set up webhook TLS", {{"error", webhook_tls.status().message()}});
    return 2;
  }

  std::optional<MqttOptions> mqtt_options;
  if (!config.mqtt_broker.empty()) {
    StatusOr<MqttOptions> mqtt = MqttOptionsOf(config);
    if (!mqtt.ok()) {
      Log(LogLevel::kError, "invalid MQTT settings", {{"error", mqtt.status().message()}});
      return 2;
    }
    mqtt_options = std::move(*mqtt);
  }

  // TLS contexts first: a certificate that cannot be used stops start-up before anything
  // listens. The ingest port may also require client certificates (gateways).
  std::shared_ptr<asio::ssl::context> tls, ingest_tls;
  if (!config.tls_certificate.empty()) {
    auto server = ingest::MakeServerTlsContext({config.tls_certificate, config.tls_private_key, ""});
    auto gateways = ingest::MakeServerTlsContext(
        {config.tls_certificate, config.tls_private_key, config.tls_client_ca});
    if (!server.ok() || !gateways.ok()) {
      Log(LogLevel::kError, "cannot set up TLS",
          {{"error", (!server.ok() ? server.status() : gateways.status()).message()}});
      return 1;
    }
    tls = *server;
    ingest_tls = *gateways;
  }

  // Who may do what. Deny by default: without credentials every request is refused.
  auto credentials = OpenCredentials(config);
  if (!credentials.ok()) {
    Log(LogLevel::kError, "cannot set up credentials", {{"error", credentials.status().message()}});
    return 2;
  }

  // Declared before the core: subscribers' event listeners hold strands of this context,
  // and the core's event log must let go of them before the context goes away.
  asio::io_context io;

  CoreOptions options;
  options.engine = *settings;
  options.data_dir = config.data_dir;
  options.journal_dir = config.data_dir + "/journal";
  options.snapshot_dir = config.data_dir + "/snapshots";
  if (config.snapshot_every_records > 0)
    options.snapshot_every_records = config.snapshot_every_records;
  options.engine_lanes = config.engine_lanes;  // 0: one per core
  options.salvage = config.salvage;
  options.journal_fsync = config.journal_fsync;
  options.journal_commit_window_ms = config.journal_commit_window_ms;
  options.journal_segment_bytes = config.journal_segment_bytes;
  options.retention_keep_ms = config.journal_retention_ms;
  options.retention_check_interval_ms = config.journal_retention_check_ms;
  options.key_dir = config.data_dir + "/keys";
  options.checkpoints_path = config.data_dir + "/checkpoints.ndjson";
  options.credentials = std::move(*credentials);
  options.device_keys_path = config.data_dir + "/device_keys.json";
  options.build_version = std::string(stayaway::VersionText());

  // Kafka mode (kafka_node.h): the core is built on the cluster's shared input log.
  // Declared before the core, which holds its log; stopped before the core stops.
  std::unique_ptr<KafkaNode> kafka_node;
  // The dispatchers that follow the event log out of the daemon: webhooks and victim
  // gateways. In Kafka mode only the leader runs them (else every instance would send
  // each message), from the seq the leader publishes from.
  std::mutex dispatchers_mu;
  std::vector<std::unique_ptr<WebhookDispatcher>> webhooks;  // guarded by dispatchers_mu
  std::unique_ptr<VictimGatewayDispatcher> victim_gateways;  // guarded by dispatchers_mu
  // Each dispatcher's name and cursor file: a webhook's is named after its URL with
  // anything unsafe in a file name replaced.
  std::map<std::string, std::string> dispatcher_cursor_files;
  for (const auto& [url, target] : webhook_targets) {
    std::string name = url;
    for (char& c : name) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
    }
    dispatcher_cursor_files["webhook-" + name] = config.data_dir + "/webhooks/" + name + ".cursor";
  }
  dispatcher_cursor_files["victim-gateways"] = config.data_dir + "/webhooks/victim-gateways.cursor";
  // The MQTT bridge (Kafka mode: it publishes events only while this instance leads, so
  // its cursor goes with the dispatchers'). Made once the core runs; reset before the core
  // goes.
  std::optional<MqttBridge> mqtt;  // its publishing switched under dispatchers_mu
  const bool mqtt_publishes_on_lead = !config.kafka_brokers.empty() && mqtt_options.has_value() &&
                                      !mqtt_options->events_prefix.empty();
  if (mqtt_publishes_on_lead) dispatcher_cursor_files["mqtt-events"] = mqtt_options->cursor_path;
  std::function<void(const DispatchStart*)> start_dispatchers;
  if (Status s = CheckDataDirectoryKind(config); !s.ok()) {
    Log(LogLevel::kError, "cannot start", {{"error", s.message()}});
    return 2;
  }
  const auto stop_dispatchers = [&] {
    std::lock_guard<std::mutex> lock(dispatchers_mu);
    for (auto& webhook : webhooks) webhook->Stop();
    webhooks.clear();
    if (victim_gateways != nullptr) victim_gateways->Stop();
    victim_gateways.reset();
    if (mqtt_publishes_on_lead && mqtt.has_value()) mqtt->StopPublishing();
  };
  if (!config.kafka_brokers.empty()) {
    if (config.salvage) {
      // Skipped records would part the journal from the log; the log can rebuild it.
      Log(LogLevel::kError, "--salvage is not available in Kafka mode",
          {{"hint", "move the damaged journal aside: the instance reads the log again"}});
      return 2;
    }
    if (mqtt_options.has_value()) {
      // The instances share the subscriptions, each under a client id of its own with a
      // clean session, and only the leader publishes (mqtt_bridge.h).
      mqtt_options->share_group = config.kafka_group;
      mqtt_options->clean_session = true;
      mqtt_options->publish_while_leading = true;
      mqtt_options->client_id += "-" + InstanceName();
    }
    KafkaNodeOptions kafka;
    kafka.brokers = config.kafka_brokers;
    kafka.group = config.kafka_group;
    kafka.topics = kafka::TopicNames::WithPrefix(config.kafka_topic_prefix);
    kafka.session_timeout_ms = config.kafka_session_timeout_ms;
    kafka.replication_factor = config.kafka_replication_factor;
    kafka.leader_stall_ms = config.kafka_leader_stall_ms;
    kafka.credentials = options.credentials;
    kafka.on_lead = [&](const DispatchStart& start) { start_dispatchers(&start); };
    // Read from their files, which each dispatcher rewrites as it goes.
    kafka.dispatcher_cursors = [&] {
      std::map<std::string, uint64_t> cursors;
      std::lock_guard<std::mutex> lock(dispatchers_mu);
      if (webhooks.empty() && victim_gateways == nullptr) return cursors;
      for (const auto& [name, path] : dispatcher_cursor_files) {
        if (StatusOr<std::string> text = ReadWholeFile(path); text.ok() && !text->empty()) {
          cursors[name] = std::strtoull(text->c_str(), nullptr, 10);
        }
      }
      return cursors;
    };
    kafka.on_follow = [&] { stop_dispatchers(); };
    kafka.journal_dir = options.journal_dir;
    kafka.engine = options.engine;
    kafka.snapshot_check_ms = config.kafka_snapshot_check_ms;
    StatusOr<std::unique_ptr<KafkaNode>> node = KafkaNode::Create(std::move(kafka));
    if (!node.ok()) {
      Log(LogLevel::kError, "cannot start in Kafka mode", {{"error", node.status().message()}});
      return 1;
    }
    kafka_node = std::move(*node);
    if (Status s = MarkKafkaDataDirectory(config); !s.ok()) {
      Log(LogLevel::kError, "cannot mark the data directory", {{"error", s.message()}});
      return 1;
    }
    if (Status s = kafka_node->StartFromSnapshot(); !s.ok()) {
      Log(LogLevel::kError, "cannot start from the cluster's snapshot",
          {{"error", s.message()},
           {"hint",
            "the leader replaces a snapshot that cannot be read within a few checks; "
            "start again then"}});
      return 1;
    }
    options.shared_log = kafka_node->input_log();
    options.credential_broadcast = kafka_node->credential_broadcast();
    options.device_key_broadcast = kafka_node->device_key_broadcast();
  }
  Core core(options);
  if (Status s = core.Start(); !s.ok()) {
    Log(LogLevel::kError, "cannot start", {{"error", s.message()}});
    return 1;
  }
  // Whatever the way out: the Kafka node and the dispatchers let go of the core first.
  struct LetGoOfTheCore {
    std::function<void()> let_go;
    ~LetGoOfTheCore() { let_go(); }
  } let_go_of_the_core{[&] {
    if (kafka_node != nullptr) kafka_node->Stop();
    stop_dispatchers();
    mqtt.reset();
  }};

  // Started once the core runs: a broker that is down does not stop the daemon, the
  // bridge keeps trying.
  if (mqtt_options.has_value()) {
    std::lock_guard<std::mutex> lock(dispatchers_mu);
    mqtt.emplace(core, core.metrics(), std::move(*mqtt_options));
    mqtt->Start();
  }
  // Webhooks and victim gateways: from their cursor files, or (Kafka mode, when this
  // instance starts leading) from the cursors the last leader committed. One it did not
  // commit starts where the cluster's published events stand (DispatchStart), or at event
  // 1 for a webhook with webhook_from = "start"; never from a file this instance left when
  // it led before, nor from this instance's "now".
  start_dispatchers = [&](const DispatchStart* start) {
    std::lock_guard<std::mutex> lock(dispatchers_mu);
    if (start != nullptr) {
      for (const auto& [name, path] : dispatcher_cursor_files) {
        const auto cursor = start->committed.find(name);
        uint64_t from = cursor != start->committed.end() ? cursor->second : start->uncommitted_from;
        if (cursor == start->committed.end() &&
            ((config.webhook_from_start && name.starts_with("webhook-")) ||
             (config.mqtt_events_from_start && name == "mqtt-events"))) {
          from = 1;
        }
        if (name == "mqtt-events") {
          if (mqtt.has_value()) mqtt->PublishFrom(from);  // it writes its cursor file
          continue;
        }
        if (Status s = WriteFileAtomically(path, std::to_string(from) + "\n"); !s.ok()) {
          Log(LogLevel::kWarning, "cannot set a cursor", {{"error", s.message()}});
        }
      }
    }
    for (const auto& [url, target] : webhook_targets) {
      std::string name = url;
      for (char& c : name) {
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-') c = '_';
      }
      const std::string cursor = dispatcher_cursor_files.at("webhook-" + name);
      webhooks.push_back(std::make_unique<WebhookDispatcher>(
          core, url, target, cursor, webhook_secret,
          [&core](const WebhookAnswer& answer) {
            core.CountWebhookDelivery(answer.delivered() ? "delivered" : "failed");
            if (!answer.delivered()) core.CountWebhookFailure("webhook", answer.failure);
          },
          config.webhook_from_start, webhook_kinds, *webhook_tls));
      webhooks.back()->Start();
    }
    VictimGatewayOptions victim_options;
    victim_options.cursor_path = dispatcher_cursor_files.at("victim-gateways");
    victim_options.secret = webhook_secret;
    victim_options.time_zone = *centre_zone;
    victim_options.count = [&core](std::string_view result) { core.CountVictimMessage(result); };
    victim_options.count_failure = [&core](std::string_view reason) {
      core.CountWebhookFailure("victim_gateway", reason);
    };
    victim_options.tls = *webhook_tls;
    victim_gateways =
        std::make_unique<VictimGatewayDispatcher>(core, core, std::move(victim_options));
    victim_gateways->Start();
  };
  if (kafka_node == nullptr) {
    start_dispatchers(nullptr);
  } else if (Status s = kafka_node->Start(core); !s.ok()) {
    Log(LogLevel::kError, "cannot start in Kafka mode", {{"error", s.message()}});
    core.Stop();
    return 1;
  }

  // Connection limits (config.h): the same for every port but the total.
  ingest::ConnectionLimits limits;
  limits.auth_timeout = std::chrono::milliseconds(config.auth_timeout_ms);
  limits.max_unauthenticated = config.max_unauthenticated;
  limits.max_unauthenticated_per_address = config.max_unauthenticated_per_address;
  ingest::ConnectionLimits ingest_limits = limits;
  ingest_limits.max_connections = config.ingest_max_connections;
  ingest::ConnectionLimits http_limits = limits;
  http_limits.max_connections = config.http_max_connections;
  RaiseDescriptorLimit(config.ingest_max_connections + 2ull * config.http_max_connections);

  ingest::TcpIngestOptions tcp_options;
  tcp_options.tls = ingest_tls;
  tcp_options.limits = ingest_limits;
  ingest::TcpIngestServer tcp(io, core, {address, config.ingest_port}, tcp_options);
  if (Status s = tcp.Start(); !s.ok()) {
    Log(LogLevel::kError, "cannot listen for ingest", {{"error", s.message()}});
    core.Stop();
    return 1;
  }
  ingest::HttpApiOptions api_options;
  api_options.browser.tls = tls != nullptr;
  api_options.browser.public_origin = config.public_origin;
  api_options.sessions.idle_timeout = std::chrono::milliseconds(config.session_idle_timeout_ms);
  api_options.sessions.lifetime = std::chrono::milliseconds(config.session_lifetime_ms);
  api_options.sessions.max_sessions = config.max_sessions;
  if (StatusOr<std::shared_ptr<const ingest::ConsoleFiles>> console = OpenConsole(config, *settings);
      console.ok()) {
    api_options.console = *console;
  } else if (!config.console_dir.empty()) {
    Log(LogLevel::kError, "cannot serve the console", {{"error", console.status().message()}});
    tcp.Stop();
    core.Stop();
    return 2;
  } else {
    Log(LogLevel::kWarning, "the operator console is not installed; / is not served",
        {{"error", console.status().message()}});
  }
  ingest::HttpApi api(core, api_options);
  ingest::OsmAndEndpoint osmand(core);
  std::optional<ingest::HttpServer> http;
  std::optional<ingest::HttpServer> osmand_server;
  try {
    ingest::HttpServerOptions http_options;
    http_options.on_refused = api.refusal_counter();
    http_options.tls = tls;
    http_options.limits = http_limits;
    http.emplace(io, asio::ip::tcp::endpoint{address, config.http_port}, api.handler(),
                 http_options);
    ingest::HttpServerOptions osmand_options;
    osmand_options.max_body_bytes = 64 * 1024;
    osmand_options.limits = http_limits;
    if (config.tls_osmand) osmand_options.tls = tls;
    osmand_options.on_refused = [&core](std::string_view code) {
      core.CountRejected("osmand", code);
    };
    osmand_server.emplace(io, asio::ip::tcp::endpoint{address, config.osmand_port},
                          osmand.handler(), osmand_options);
  } catch (const boost::system::system_error& error) {
    Log(LogLevel::kError, "cannot listen for HTTP", {{"error", error.what()}});
    tcp.Stop();
    core.Stop();
    return 1;
  }
  http->Start();
  osmand_server->Start();

  const std::string ports_file =
      config.ports_file.empty() ? config.data_dir + "/ports" : config.ports_file;
  if (Status s = WriteFileAtomically(
          ports_file, "ingest_port=" + std::to_string(tcp.port()) +
                          "\nhttp_port=" + std::to_string(http->port()) +
                          "\nosmand_port=" + std::to_string(osmand_server->port()) + "\n");
      !s.ok()) {
    Log(LogLevel::kError, "cannot write the ports file", {{"error", s.message()}});
  }
  Log(LogLevel::kInfo, "stayawayd listening",
      {{"bind", config.bind_address},
       {"ingest_port", std::to_string(tcp.port())},
       {"http_port", std::to_string(http->port())},
       {"osmand_port", std::to_string(osmand_server->port())},
       {"tls",
        tls ? (config.tls_client_ca.empty() ? "on" : "on, client certificates on ingest") : "off"},
       {"data_dir", config.data_dir},
       {"heap_huge_pages", HugePageHeapRequested() ? "on" : "off"}});

  // SIGTERM: stop taking new work, let the engine drain what it has (the acks of drained
  // batches still go out), then close every connection.
  asio::signal_set signals(io, SIGTERM, SIGINT);
  std::thread stopper;
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    Log(LogLevel::kInfo, "stopping", {{"signal", std::to_string(signal_number)}});
    stopper = std::thread([&] {
      if (mqtt.has_value()) mqtt->Stop();  // no new fixes; its cursor keeps unsent events
      // Kafka mode: no new fixes, and another instance leads at once.
      if (kafka_node != nullptr) kafka_node->Stop();
      core.Stop();
      stop_dispatchers();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));  // flush final acks
      tcp.Stop();
      http->Stop();
      osmand_server->Stop();
      io.stop();
    });
  });

  // The servers let no exception out of a connection's callbacks (each has one guard that
  // counts it and closes the connection). Should anything else ever throw on an I/O
  // thread, it is logged and counted, and the thread goes back to work: one failed
  // callback never ends the process.
  const auto run_io = [&io, &core] {
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& error) {
        Log(LogLevel::kError, "a network callback failed", {{"error", error.what()}});
      } catch (...) {
        Log(LogLevel::kError, "a network callback failed", {{"error", "unknown exception"}});
      }
      core.CountRejected("daemon", "internal_error");
    }
  };
  std::vector<std::thread> workers;
  const unsigned threads = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned i = 1; i < threads; ++i) {
    workers.emplace_back([&run_io, i] {
      ::pthread_setname_np(::pthread_self(), ("sa-io-" + std::to_string(i)).c_str());
      run_io();
    });
  }
  run_io();
  for (std::thread& worker : workers) worker.join();
  if (stopper.joinable()) stopper.join();
  Log(LogLevel::kInfo, "stopped");
  return 0;
}

}  // namespace
}  // namespace stayaway::daemon

int main(int argc, char** argv) {
  // First, before any thread: the heap on transparent huge pages (runs again with them).
  stayaway::EnableHugePageHeap(argv);
  // Every file is created with an explicit owner-only mode (base/private_files.h); the umask
  // also covers anything a library creates behind our back.
  ::umask(077);
  std::vector<std::string_view> args(argv + 1, argv + argc);
  auto config = stayaway::daemon::ParseDaemonArgs(args);
  if (!config.ok()) {
    std::cerr << "stayawayd: " << config.status().message() << "\n\n"
              << stayaway::daemon::DaemonUsage();
    return 2;
  }
  if (config->help) {
    std::cout << stayaway::daemon::DaemonUsage();
    return 0;
  }
  if (config->version) {
    std::cout << "stayawayd " << stayaway::VersionText() << '\n';
    return 0;
  }
  return stayaway::daemon::Run(*config);
}
