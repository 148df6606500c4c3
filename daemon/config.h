// DaemonConfig: how stayawayd is started. Defaults work out of the box on one machine:
// loopback only, a data directory under the current directory, documented ports:
//
//   ingest_port 7301  varint-delimited Protobuf frames (fix batches, event subscriptions)
//   http_port   7380  the HTTP API (orders, zones, alerts, fixes, events, metrics)
//   osmand_port 5055  the OsmAnd protocol, Traccar Client's default port
//
// Settings come from a TOML file (--config FILE) and from flags; flags win. The TOML file
// may hold `webhooks = ["https://..."]` (or repeated --webhook URL flags; http:// too) and an
// [engine] table with any EngineConfig field (the same names as the JSON
// --config of `stayaway replay`). Port 0 asks the system for a free port (tests).
// Plain value; thread-compatible.
#ifndef STAYAWAY_DAEMON_CONFIG_H_
#define STAYAWAY_DAEMON_CONFIG_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "proto/stayaway.pb.h"

namespace stayaway::daemon {

struct DaemonConfig {
  std::string data_dir = "stayaway-data";
  std::string bind_address = "127.0.0.1";
  uint16_t ingest_port = 7301;
  uint16_t http_port = 7380;
  uint16_t osmand_port = 5055;
  // Where the daemon writes "ingest_port=N" lines for the ports it actually bound
  // (useful with port 0); empty: <data_dir>/ports.
  std::string ports_file;
  // Every event is POSTed to each of these http:// or https:// URLs (webhook_dispatcher.h).
  std::vector<std::string> webhooks;
  // Where a webhook without a cursor begins: false (webhook_from = "now", the default) at
  // the next event; true ("start", --webhook-from start) at event 1.
  bool webhook_from_start = false;
  // The event kinds webhooks are sent ("proximity_violation", "sos", ...: Event.Kind
  // names, checked when read); empty: every event. Events of other kinds are passed over.
  std::vector<std::string> webhook_kinds;
  // The secret every webhook and victim gateway POST is signed with
  // (webhook_signature.h); empty: unsigned.
  std::string webhook_secret_file;
  // The CA certificates (PEM) https:// webhooks and victim gateways are checked against
  // (webhook_ca = "FILE", --webhook-ca FILE); empty: the system's trust store. Either way
  // a receiver's certificate must also name the URL's host.
  std::string webhook_ca;
  v1::EngineConfig engine;
  // Start even when the journal is damaged in the middle, skipping the damage (--salvage).
  bool salvage = false;
  // Durability policy. Every accepted input is journaled before it is applied and
  // acknowledged; these two settings say how hard:
  //   journal_fsync = true (default): each group of inputs is fdatasync'ed before any of
  //     it is acknowledged. Nothing acknowledged is lost, even on power loss.
  //   journal_fsync = false: written to the operating system only. Nothing acknowledged is
  //     lost if stayawayd crashes or is killed; the last few hundred milliseconds of
  //     acknowledged input can be lost if the machine loses power or the kernel crashes.
  //   journal_commit_window_ms = N (default 0): wait up to N ms for more input before each
  //     sync, so one sync covers more fixes at the price of N ms more latency per ack. It
  //     changes nothing about what can be lost.
  bool journal_fsync = true;
  uint32_t journal_commit_window_ms = 0;
  // How many threads evaluate fixes (engine.h, lanes): engine_lanes = N in TOML,
  // --engine-lanes N; 0 (default): one per core. Speed only: the events are the same.
  uint32_t engine_lanes = 0;
  // A snapshot every this many journal records (and at every clean stop); 0: the default,
  // a million. Recovery loads the newest and replays only the journal after it.
  uint64_t snapshot_every_records = 0;
  // Journal retention (evidence/retention.h). journal_retention = "400d" keeps at least 400
  // days of history and deletes older segments once nothing open needs them (units s, m,
  // h, d); absent or "0": keep everything. journal_retention_check: how often to look
  // (default "1h"). journal_segment_bytes: segment size, the unit retention deletes
  // (default 64 MiB, at least 4096).
  int64_t journal_retention_ms = 0;
  int64_t journal_retention_check_ms = 3'600'000;
  uint64_t journal_segment_bytes = 64ull << 20;
  // TLS (the [tls] table): with a certificate and key, every port speaks TLS 1.2+ only.
  //   certificate = "cert.pem"   PEM chain, the centre's certificate first
  //   private_key = "key.pem"    PEM, unencrypted (protect it with file permissions)
  //   client_ca = "ca.pem"       optional: the ingest port then requires a client
  //                              certificate signed by this CA (mutual TLS for gateways)
  //   osmand = false             optional: keep the OsmAnd port plain for old devices
  std::string tls_certificate;
  std::string tls_private_key;
  std::string tls_client_ca;
  bool tls_osmand = true;
  // Connection limits, per port (ingest/connection_admission.h), in the [connections]
  // table or as flags:
  //   auth_timeout = "10s"       --auth-timeout: a connection that has not authenticated
  //                              within this of its accept is closed (units ms, s, m)
  //   max_unauthenticated = 512  --max-unauthenticated: unauthenticated connections at
  //                              most; a new one closes the oldest
  //   max_unauthenticated_per_address = 64   --max-unauthenticated-per-address: the same,
  //                              counted per client address
  //   ingest_max_connections = 4096   --ingest-max-connections: open on the ingest port
  //   http_max_connections = 1024     --http-max-connections: open on the HTTP port, and
  //                              on the OsmAnd port
  // At a limit the oldest unauthenticated connection makes room; authenticated ones are
  // never closed for room, and a new connection is refused only when all are authenticated.
  int64_t auth_timeout_ms = 10'000;
  uint32_t max_unauthenticated = 512;
  uint32_t max_unauthenticated_per_address = 64;
  uint32_t ingest_max_connections = 4096;
  uint32_t http_max_connections = 1024;
  // Browser sessions of the HTTP API (access/session_store.h), in the [sessions] table or
  // as flags:
  //   idle_timeout = "30m"   --session-idle-timeout: a session unused this long ends
  //   lifetime = "12h"       --session-lifetime: a session ends this long after sign-in
  //   max = 10000            --max-sessions: sessions at most; when full, a credential
  //                          with none of its own is refused (503)
  //   public_origin = "https://monitor.centre.example"
  //                          --public-origin: the origin browsers load the console from
  //                          when a proxy in front terminates TLS or renames the host
  //                          (ingest/session_cookie.h); an https one makes cookies Secure
  // Durations from 1s to 30d.
  int64_t session_idle_timeout_ms = 30 * 60'000;
  int64_t session_lifetime_ms = 12 * 3'600'000;
  uint32_t max_sessions = 10'000;
  std::string public_origin;
  // A file holding the bootstrap admin's token (--bootstrap-admin-token-file; flag only,
  // never in the TOML file, which is often world-readable). The environment variable
  // STAYAWAY_ADMIN_TOKEN does the same when this is empty.
  std::string bootstrap_admin_token_file;
  // The operator console (the [console] table; ingest/http_static.h):
  //   dir = "/usr/share/stayaway/console"   --console-dir: its files; empty: the
  //                              share/stayaway/console directory beside the binary's
  //                              (../share/stayaway/console), where `cmake --install`
  //                              puts it and the build tree links the source's console/
  //   time_zone = "Asia/Bishkek"  IANA name: times are shown in it (UTC on hover)
  //   language = "ru"            en or ru: for users who have not chosen one
  //   tile_url = "https://tiles.centre.example/{z}/{x}/{y}.png"   a tile server for the
  //                              map's basemap; absent: layers on a plain background
  std::string console_dir;
  std::string console_time_zone = "UTC";
  std::string console_language = "en";
  std::string console_tile_url;
  // MQTT (daemon/mqtt_bridge.h), the [mqtt] table; off while broker is empty:
  //   broker = "HOST:PORT"           --mqtt-broker: the broker (HOST alone: port 1883)
  //   client_id = "stayawayd"        the daemon's client id (its persistent session; in
  //                                  Kafka mode "-HOST-PID" is added, with a clean session)
  //   user = "stayawayd"             user name at the broker
  //   password_file = "FILE"         --mqtt-password-file: the password, in a file (never
  //                                  a flag or a TOML value: both are often readable)
  //   tls = true                     TLS to the broker (implied by ca_file)
  //   ca_file = "ca.pem"             verifies the broker (default: the system's CAs)
  //   certificate, private_key       a client certificate for the broker
  //   owntracks_topic = "owntracks/+/+"   OwnTracks in ("" : not subscribed)
  //   fixes_topic = "stayaway/fixes"      stayaway's fix JSON in ("" : not subscribed)
  //   events_prefix = "stayaway/events/"  events out on PREFIX + ORDER_ID ("" : none)
  //   events_from = "now"            "start": a new bridge publishes from event 1
  std::string mqtt_broker;
  std::string mqtt_client_id = "stayawayd";
  std::string mqtt_user;
  std::string mqtt_password_file;
  bool mqtt_tls = false;
  std::string mqtt_ca_file;
  std::string mqtt_certificate;
  std::string mqtt_private_key;
  std::string mqtt_owntracks_topic = "owntracks/+/+";
  std::string mqtt_fixes_topic = "stayaway/fixes";
  std::string mqtt_events_prefix = "stayaway/events/";
  bool mqtt_events_from_start = false;
  // Kafka mode (docs/kafka.md, daemon/kafka_node.h), the [kafka] table; off while brokers
  // is empty:
  //   brokers = "HOST:PORT,..."      --kafka-brokers: the cluster's bootstrap servers
  //   group = "stayaway"             --kafka-group: instances of one group share the work
  //   session_timeout_ms = 6000      a silent instance's part moves after this (1000-60000)
  //   replication_factor = 3         replicas of the topics it creates (1-32)
  //   leader_stall_ms = 5000         a leader whose ticks do not come back applied within
  //                                  this long hands over the lead (1000-60000)
  //   topic_prefix = "stayaway."     --kafka-topic-prefix: the start of every topic name
  //                                  (PREFIX + "fixes", ...), one per centre on a shared
  //                                  cluster; [A-Za-z0-9._-], 1-200 characters
  //   snapshot_check_ms = 60000      how often the leader looks for a journal segment
  //                                  completed since its last snapshot on PREFIX +
  //                                  "snapshots" (1000-86400000; kafka_snapshots.h)
  std::string kafka_brokers;
  std::string kafka_group = "stayaway";
  std::string kafka_topic_prefix = "stayaway.";
  int kafka_session_timeout_ms = 6000;
  int kafka_replication_factor = 3;
  int kafka_leader_stall_ms = 5000;
  int kafka_snapshot_check_ms = 60'000;
  bool help = false;
  bool version = false;  // --version: print the version text (base/version.h) and exit
};

// Parses the arguments after the program name with CLI11 (every flag is declared in
// config.cc's DefineFlags). Reads --config FILE first, then applies the other flags over
// it. InvalidArgument names the flag or TOML key at fault. -h/--help anywhere: only
// `help` is set.
StatusOr<DaemonConfig> ParseDaemonArgs(std::span<const std::string_view> args);

// Parses TOML text into `config` (only the keys present change).
Status ApplyToml(std::string_view toml_text, std::string_view origin, DaemonConfig* config);

// The --help text: the usage line, every flag with its meaning, the TOML file's settings.
std::string DaemonUsage();

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_CONFIG_H_
