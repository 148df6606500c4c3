#include "daemon/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "daemon/log.h"
#include "daemon/webhook_dispatcher.h"

namespace stayaway::daemon {
namespace {

StatusOr<DaemonConfig> Parse(std::vector<std::string_view> args) {
  return ParseDaemonArgs(std::span<const std::string_view>(args.data(), args.size()));
}

TEST(DaemonConfig, DefaultsAreLoopbackAndDocumentedPorts) {
  auto config = Parse({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->bind_address, "127.0.0.1");
  EXPECT_EQ(config->ingest_port, 7301);
  EXPECT_EQ(config->http_port, 7380);
  EXPECT_EQ(config->osmand_port, 5055);
  EXPECT_EQ(config->data_dir, "stayaway-data");
}

TEST(DaemonConfig, TomlFileThenFlagsWin) {
  const std::string path = ::testing::TempDir() + "/stayawayd.toml";
  std::ofstream(path) << "data_dir = \"/var/lib/stayaway\"\nhttp_port = 8080\ningest_port = 9000\n"
                         "webhooks = [\"http://127.0.0.1:9000/a\"]\n"
                         "journal_fsync = false\njournal_commit_window_ms = 5\n"
                         "[engine]\nclose_margin_m = 75\n"
                         "[engine.proximity_violation]\nconfirm_fixes = 1\n";
  auto config = Parse({"--http-port", "8181", "--config", path, "--webhook", "http://b/"});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->data_dir, "/var/lib/stayaway");
  EXPECT_EQ(config->http_port, 8181);  // the flag wins, wherever it stands
  EXPECT_EQ(config->ingest_port, 9000);
  EXPECT_DOUBLE_EQ(config->engine.close_margin_m(), 75);
  EXPECT_EQ(config->engine.proximity_violation().confirm_fixes(), 1u);
  EXPECT_FALSE(config->journal_fsync);
  EXPECT_EQ(config->journal_commit_window_ms, 5u);
  EXPECT_EQ(config->webhooks, (std::vector<std::string>{"http://127.0.0.1:9000/a", "http://b/"}));
}

TEST(DaemonConfig, BadInputNamesWhatIsWrong) {
  auto bad_port = Parse({"--http-port", "70000"});
  ASSERT_FALSE(bad_port.ok());
  EXPECT_NE(bad_port.status().message().find("--http-port"), std::string::npos);
  EXPECT_FALSE(Parse({"--frobnicate", "1"}).ok());
  DaemonConfig config;
  Status unknown = ApplyToml("colour = \"red\"\n", "x.toml", &config);
  EXPECT_NE(unknown.message().find("colour"), std::string::npos) << unknown.ToString();
  Status syntax = ApplyToml("http_port = = 3\n", "x.toml", &config);
  EXPECT_NE(syntax.message().find("x.toml:1"), std::string::npos) << syntax.ToString();
  Status engine_typo = ApplyToml("[engine]\nclose_margin = 3\n", "x.toml", &config);
  EXPECT_FALSE(engine_typo.ok());
  EXPECT_FALSE(Parse({"--config", "/nonexistent/stayawayd.toml"}).ok());
}

TEST(DaemonConfig, ConsoleTableAndFlag) {
  DaemonConfig config;
  ASSERT_TRUE(ApplyToml("[console]\ndir = \"/srv/console\"\ntime_zone = \"Asia/Bishkek\"\n"
                        "language = \"ru\"\ntile_url = \"https://t.example/{z}/{x}/{y}.png\"\n",
                        "c.toml", &config)
                  .ok());
  EXPECT_EQ(config.console_dir, "/srv/console");
  EXPECT_EQ(config.console_time_zone, "Asia/Bishkek");
  EXPECT_EQ(config.console_language, "ru");
  EXPECT_EQ(config.console_tile_url, "https://t.example/{z}/{x}/{y}.png");
  auto flagged = Parse({"--console-dir", "/opt/console"});
  ASSERT_TRUE(flagged.ok());
  EXPECT_EQ(flagged->console_dir, "/opt/console");
  EXPECT_TRUE(Parse({})->console_dir.empty()) << "empty: beside the binary";
  for (const char* bad : {
           "[console]\ntime_zone = \"Mars/Olympus\"\n",
           "[console]\nlanguage = \"fr\"\n",
           "[console]\ntile_url = \"ftp://t.example/{z}/{x}/{y}\"\n",
           "[console]\ntile_url = \"https://t.example/tiles.png\"\n",
           // What would widen the Content-Security-Policy the URL's origin goes into.
           "[console]\ntile_url = \"https://t.example; script-src *;/{z}/{x}/{y}\"\n",
           "[console]\ntile_url = \"https://t.example '*'/{z}/{x}/{y}\"\n",
           "[console]\ncolour = \"red\"\n",
           "[console]\ndir = 3\n"}) {
    DaemonConfig fresh;
    Status status = ApplyToml(bad, "c.toml", &fresh);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("console"), std::string::npos) << status.message();
  }
}

TEST(DaemonConfig, JournalRetentionTakesDurations) {
  DaemonConfig config;
  EXPECT_EQ(config.journal_retention_ms, 0);  // keep everything unless told
  ASSERT_TRUE(ApplyToml("journal_retention = \"400d\"\njournal_retention_check = \"15m\"\n"
                        "journal_segment_bytes = 1048576\n",
                        "r.toml", &config)
                  .ok());
  EXPECT_EQ(config.journal_retention_ms, 400LL * 86'400'000);
  EXPECT_EQ(config.journal_retention_check_ms, 15 * 60'000);
  EXPECT_EQ(config.journal_segment_bytes, 1048576u);
  ASSERT_TRUE(ApplyToml("journal_retention = \"0\"\n", "r.toml", &config).ok());
  EXPECT_EQ(config.journal_retention_ms, 0);
  for (const char* bad : {"journal_retention = \"400\"\n", "journal_retention = \"4w\"\n",
                          "journal_retention = 400\n", "journal_retention_check = \"0\"\n",
                          "journal_segment_bytes = 100\n"}) {
    Status status = ApplyToml(bad, "r.toml", &config);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("journal_"), std::string::npos) << status.ToString();
  }
}

TEST(DaemonConfig, EngineLanesFromTheFileOrTheFlag) {
  DaemonConfig config;
  EXPECT_EQ(config.engine_lanes, 0u);  // one per core unless told
  ASSERT_TRUE(ApplyToml("engine_lanes = 2\n", "l.toml", &config).ok());
  EXPECT_EQ(config.engine_lanes, 2u);
  for (const char* bad :
       {"engine_lanes = -1\n", "engine_lanes = 257\n", "engine_lanes = \"2\"\n"}) {
    Status status = ApplyToml(bad, "l.toml", &config);
    EXPECT_FALSE(status.ok()) << bad;
    EXPECT_NE(status.message().find("engine_lanes"), std::string::npos) << status.ToString();
  }
  auto flagged = Parse({"--engine-lanes", "3"});
  ASSERT_TRUE(flagged.ok()) << flagged.status().ToString();
  EXPECT_EQ(flagged->engine_lanes, 3u);
  for (std::string_view bad : {"x", "-1", "300", "2x"}) {
    auto refused = Parse({"--engine-lanes", bad});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_NE(refused.status().message().find("--engine-lanes"), std::string::npos);
  }
}

TEST(DaemonConfig, WebhookKindsAreEventKindsEachChecked) {
  DaemonConfig config;
  ASSERT_TRUE(
      ApplyToml("webhook_kinds = [\"proximity_violation\", \"sos\"]\n", "w.toml", &config).ok());
  EXPECT_EQ(config.webhook_kinds, (std::vector<std::string>{"proximity_violation", "sos"}));
  const Status unknown = ApplyToml("webhook_kinds = [\"sos\", \"fire\"]\n", "w.toml", &config);
  EXPECT_NE(unknown.message().find("\"fire\" is not an event kind"), std::string::npos)
      << unknown.ToString();
  EXPECT_FALSE(ApplyToml("webhook_kinds = \"sos\"\n", "w.toml", &config).ok());
  auto flagged = Parse({"--webhook-kinds", "strap_tamper,sos"});
  ASSERT_TRUE(flagged.ok()) << flagged.status().message();
  EXPECT_EQ(flagged->webhook_kinds, (std::vector<std::string>{"strap_tamper", "sos"}));
  EXPECT_FALSE(Parse({"--webhook-kinds", "sos,kind_unspecified"}).ok());
  EXPECT_FALSE(Parse({"--webhook-kinds", "sos,"}).ok());
}

TEST(DaemonConfig, WebhooksStartFromNowUnlessToldToStartFromTheBeginning) {
  DaemonConfig config;
  EXPECT_FALSE(config.webhook_from_start);
  ASSERT_TRUE(ApplyToml("webhook_from = \"start\"\n", "w.toml", &config).ok());
  EXPECT_TRUE(config.webhook_from_start);
  ASSERT_TRUE(ApplyToml("webhook_from = \"now\"\n", "w.toml", &config).ok());
  EXPECT_FALSE(config.webhook_from_start);
  const Status bad = ApplyToml("webhook_from = \"yesterday\"\n", "w.toml", &config);
  EXPECT_NE(bad.message().find("webhook_from must be \"now\" or \"start\""), std::string::npos)
      << bad.ToString();
  auto flagged = Parse({"--webhook-from", "start"});
  ASSERT_TRUE(flagged.ok());
  EXPECT_TRUE(flagged->webhook_from_start);
  EXPECT_FALSE(Parse({"--webhook-from", "later"}).ok());
}

TEST(DaemonConfig, WebhookCaFromTheFileOrTheFlagWhichWins) {
  DaemonConfig config;
  EXPECT_TRUE(config.webhook_ca.empty());  // the system's trust store
  ASSERT_TRUE(
      ApplyToml("webhook_ca = \"/etc/stayaway/receivers-ca.pem\"\n", "w.toml", &config).ok());
  EXPECT_EQ(config.webhook_ca, "/etc/stayaway/receivers-ca.pem");
  EXPECT_FALSE(ApplyToml("webhook_ca = 7\n", "w.toml", &config).ok());
  const std::string path = ::testing::TempDir() + "/webhook-ca.toml";
  std::ofstream(path) << "webhook_ca = \"/from/file.pem\"\n";
  auto flagged = Parse({"--config", path, "--webhook-ca", "/from/flag.pem"});
  ASSERT_TRUE(flagged.ok()) << flagged.status().message();
  EXPECT_EQ(flagged->webhook_ca, "/from/flag.pem");
}

TEST(DaemonConfig, TlsTableNamesItsFiles) {
  DaemonConfig config;
  ASSERT_TRUE(ApplyToml("[tls]\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n"
                        "client_ca = \"ca.pem\"\nosmand = false\n",
                        "t.toml", &config)
                  .ok());
  EXPECT_EQ(config.tls_certificate, "c.pem");
  EXPECT_EQ(config.tls_private_key, "k.pem");
  EXPECT_EQ(config.tls_client_ca, "ca.pem");
  EXPECT_FALSE(config.tls_osmand);
  DaemonConfig fresh;
  EXPECT_FALSE(ApplyToml("[tls]\ncertificate = \"c.pem\"\n", "t.toml", &fresh).ok());
  Status typo = ApplyToml("[tls]\ncertificat = \"c.pem\"\n", "t.toml", &fresh);
  EXPECT_NE(typo.message().find("tls.certificat"), std::string::npos) << typo.ToString();
}

TEST(DaemonConfig, ConnectionLimitsComeFromTheTableOrFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->auth_timeout_ms, 10'000);
  EXPECT_EQ(defaults->max_unauthenticated, 512u);
  EXPECT_EQ(defaults->max_unauthenticated_per_address, 64u);
  EXPECT_EQ(defaults->ingest_max_connections, 4096u);
  EXPECT_EQ(defaults->http_max_connections, 1024u);

  DaemonConfig config;
  ASSERT_TRUE(ApplyToml("[connections]\nauth_timeout = \"2s\"\nmax_unauthenticated = 100\n"
                        "max_unauthenticated_per_address = 8\ningest_max_connections = 300\n"
                        "http_max_connections = 200\n",
                        "t.toml", &config)
                  .ok());
  EXPECT_EQ(config.auth_timeout_ms, 2'000);
  EXPECT_EQ(config.max_unauthenticated, 100u);
  EXPECT_EQ(config.max_unauthenticated_per_address, 8u);
  EXPECT_EQ(config.ingest_max_connections, 300u);
  EXPECT_EQ(config.http_max_connections, 200u);

  auto flags = Parse({"--auth-timeout", "250ms", "--max-unauthenticated-per-address=3",
                      "--http-max-connections", "50"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->auth_timeout_ms, 250);
  EXPECT_EQ(flags->max_unauthenticated_per_address, 3u);
  EXPECT_EQ(flags->http_max_connections, 50u);

  for (const auto& bad :
       std::vector<std::vector<std::string_view>>{{"--auth-timeout", "0"},
                                                  {"--auth-timeout", "ms"},
                                                  {"--auth-timeout", "11m"},
                                                  {"--max-unauthenticated", "0"},
                                                  {"--http-max-connections", "x"},
                                                  {"--ingest-max-connections", "-1"}}) {
    auto refused = Parse(bad);
    ASSERT_FALSE(refused.ok()) << bad[0] << " " << bad[1];
    EXPECT_NE(refused.status().message().find(bad[0]), std::string::npos)
        << refused.status().message();
  }
  DaemonConfig unchanged;
  EXPECT_FALSE(ApplyToml("[connections]\nmax_open = 3\n", "t.toml", &unchanged).ok());
  EXPECT_FALSE(ApplyToml("[connections]\nauth_timeout = 10\n", "t.toml", &unchanged).ok());
}

TEST(DaemonConfig, SessionSettingsComeFromTheTableOrFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->session_idle_timeout_ms, 30 * 60'000);
  EXPECT_EQ(defaults->session_lifetime_ms, 12 * 3'600'000);
  EXPECT_EQ(defaults->max_sessions, 10'000u);

  DaemonConfig config;
  EXPECT_TRUE(defaults->public_origin.empty());
  ASSERT_TRUE(ApplyToml("[sessions]\nidle_timeout = \"10m\"\nlifetime = \"8h\"\nmax = 50\n"
                        "public_origin = \"https://monitor.centre.example\"\n",
                        "t.toml", &config)
                  .ok());
  EXPECT_EQ(config.session_idle_timeout_ms, 10 * 60'000);
  EXPECT_EQ(config.session_lifetime_ms, 8 * 3'600'000);
  EXPECT_EQ(config.max_sessions, 50u);
  EXPECT_EQ(config.public_origin, "https://monitor.centre.example");

  auto flags = Parse({"--session-idle-timeout", "90s", "--session-lifetime=1d", "--max-sessions",
                      "7", "--public-origin", "http://10.0.0.5:8080"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->session_idle_timeout_ms, 90'000);
  EXPECT_EQ(flags->session_lifetime_ms, 86'400'000);
  EXPECT_EQ(flags->max_sessions, 7u);
  EXPECT_EQ(flags->public_origin, "http://10.0.0.5:8080");

  for (const auto& bad :
       std::vector<std::vector<std::string_view>>{{"--session-idle-timeout", "0"},
                                                  {"--session-idle-timeout", "500ms"},
                                                  {"--session-lifetime", "31d"},
                                                  {"--max-sessions", "0"},
                                                  {"--public-origin", "https://x.example/"}}) {
    auto refused = Parse(bad);
    ASSERT_FALSE(refused.ok()) << bad[0] << " " << bad[1];
    EXPECT_NE(refused.status().message().find(bad[0]), std::string::npos)
        << refused.status().message();
  }
  DaemonConfig unchanged;
  EXPECT_FALSE(ApplyToml("[sessions]\nidle = \"1m\"\n", "t.toml", &unchanged).ok());
  EXPECT_FALSE(ApplyToml("[sessions]\nlifetime = 60\n", "t.toml", &unchanged).ok());
  const Status origin =
      ApplyToml("[sessions]\npublic_origin = \"monitor.example\"\n", "t.toml", &unchanged);
  EXPECT_NE(origin.message().find("sessions.public_origin"), std::string::npos) << origin.message();
  EXPECT_TRUE(unchanged.public_origin.empty());
}

TEST(DaemonConfig, MqttTableAndFlags) {
  const std::string path = ::testing::TempDir() + "/stayawayd-mqtt.toml";
  std::ofstream(path) << "[mqtt]\nbroker = \"mqtt.centre:8883\"\nclient_id = \"centre-1\"\n"
                         "user = \"stayawayd\"\npassword_file = \"/etc/stayaway/mqtt\"\n"
                         "ca_file = \"ca.pem\"\ncertificate = \"c.pem\"\nprivate_key = \"k.pem\"\n"
                         "owntracks_topic = \"ot/+/+\"\nfixes_topic = \"\"\n"
                         "events_prefix = \"centre/events/\"\nevents_from = \"start\"\n";
  auto config = Parse({"--config", path});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->mqtt_broker, "mqtt.centre:8883");
  EXPECT_EQ(config->mqtt_client_id, "centre-1");
  EXPECT_EQ(config->mqtt_user, "stayawayd");
  EXPECT_EQ(config->mqtt_password_file, "/etc/stayaway/mqtt");
  EXPECT_TRUE(config->mqtt_tls);  // a CA file means TLS
  EXPECT_EQ(config->mqtt_ca_file, "ca.pem");
  EXPECT_EQ(config->mqtt_certificate, "c.pem");
  EXPECT_EQ(config->mqtt_private_key, "k.pem");
  EXPECT_EQ(config->mqtt_owntracks_topic, "ot/+/+");
  EXPECT_EQ(config->mqtt_fixes_topic, "");
  EXPECT_EQ(config->mqtt_events_prefix, "centre/events/");
  EXPECT_TRUE(config->mqtt_events_from_start);

  auto flags = Parse(
      {"--config", path, "--mqtt-broker", "127.0.0.1:1883", "--mqtt-password-file", "/run/pw"});
  ASSERT_TRUE(flags.ok());
  EXPECT_EQ(flags->mqtt_broker, "127.0.0.1:1883");  // flags win
  EXPECT_EQ(flags->mqtt_password_file, "/run/pw");

  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->mqtt_broker, "");  // no broker: no MQTT
  EXPECT_EQ(defaults->mqtt_owntracks_topic, "owntracks/+/+");
  EXPECT_EQ(defaults->mqtt_fixes_topic, "stayaway/fixes");
  EXPECT_EQ(defaults->mqtt_events_prefix, "stayaway/events/");

  DaemonConfig config2;
  for (const char* bad : {"[mqtt]\npassword = \"secret\"\n", "[mqtt]\nbroker = 1883\n",
                          "[mqtt]\ntls = \"yes\"\n", "[mqtt]\nevents_from = \"later\"\n",
                          "[mqtt]\ncertificate = \"c.pem\"\n", "[mqtt]\nqos = 2\n", "mqtt = 1\n"}) {
    const Status s = ApplyToml(bad, "test.toml", &config2);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find("mqtt"), std::string::npos) << s.message();
  }
  // A password in the file is refused with where to put it instead.
  EXPECT_NE(ApplyToml("[mqtt]\npassword = \"x\"\n", "t", &config2).message().find("password_file"),
            std::string::npos);
}

TEST(DaemonConfig, KafkaTableAndFlags) {
  auto defaults = Parse({});
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->kafka_brokers, "");  // no brokers: not in Kafka mode
  EXPECT_EQ(defaults->kafka_group, "stayaway");
  EXPECT_EQ(defaults->kafka_session_timeout_ms, 6000);
  EXPECT_EQ(defaults->kafka_replication_factor, 3);
  EXPECT_EQ(defaults->kafka_leader_stall_ms, 5000);
  EXPECT_EQ(defaults->kafka_topic_prefix, "stayaway.");
  EXPECT_EQ(defaults->kafka_snapshot_check_ms, 60000);

  const std::string path = ::testing::TempDir() + "/stayawayd-kafka.toml";
  std::ofstream(path) << "[kafka]\nbrokers = \"k1:9092,k2:9092\"\ngroup = \"centre-a\"\n"
                         "session_timeout_ms = 15000\nreplication_factor = 2\n"
                         "leader_stall_ms = 8000\ntopic_prefix = \"centre-a.\"\n"
                         "snapshot_check_ms = 5000\n";
  auto config = Parse({"--config", path});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->kafka_brokers, "k1:9092,k2:9092");
  EXPECT_EQ(config->kafka_group, "centre-a");
  EXPECT_EQ(config->kafka_session_timeout_ms, 15000);
  EXPECT_EQ(config->kafka_replication_factor, 2);
  EXPECT_EQ(config->kafka_leader_stall_ms, 8000);
  EXPECT_EQ(config->kafka_topic_prefix, "centre-a.");
  EXPECT_EQ(config->kafka_snapshot_check_ms, 5000);

  auto flags = Parse({"--kafka-brokers", "127.0.0.1:9092", "--config", path, "--kafka-group",
                      "centre-b", "--kafka-topic-prefix", "centre_b-"});
  ASSERT_TRUE(flags.ok()) << flags.status().ToString();
  EXPECT_EQ(flags->kafka_brokers, "127.0.0.1:9092");  // flags win, wherever they stand
  EXPECT_EQ(flags->kafka_group, "centre-b");
  EXPECT_EQ(flags->kafka_topic_prefix, "centre_b-");
  EXPECT_EQ(flags->kafka_session_timeout_ms, 15000);  // the file's, where no flag says
  auto empty_group = Parse({"--kafka-group", ""});
  ASSERT_FALSE(empty_group.ok());
  EXPECT_NE(empty_group.status().message().find("--kafka-group"), std::string::npos)
      << empty_group.status().message();
  for (const std::string& bad_prefix :
       std::vector<std::string>{"", "centre a.", "centre/a.", std::string(201, 'a')}) {
    auto refused = Parse({"--kafka-topic-prefix", bad_prefix});
    ASSERT_FALSE(refused.ok()) << bad_prefix;
    EXPECT_NE(refused.status().message().find("--kafka-topic-prefix"), std::string::npos)
        << refused.status().message();
  }

  // The bounds are inclusive.
  DaemonConfig bounds;
  ASSERT_TRUE(
      ApplyToml(
          "[kafka]\nsession_timeout_ms = 1000\nreplication_factor = 1\nleader_stall_ms = 1000\n",
          "k.toml", &bounds)
          .ok());
  EXPECT_EQ(bounds.kafka_leader_stall_ms, 1000);
  EXPECT_EQ(bounds.kafka_session_timeout_ms, 1000);
  EXPECT_EQ(bounds.kafka_replication_factor, 1);
  ASSERT_TRUE(
      ApplyToml("[kafka]\nsession_timeout_ms = 60000\nreplication_factor = 32\n", "k.toml", &bounds)
          .ok());
  EXPECT_EQ(bounds.kafka_session_timeout_ms, 60000);
  EXPECT_EQ(bounds.kafka_replication_factor, 32);

  for (const auto& [bad, names] : std::vector<std::pair<std::string, std::string>>{
           {"[kafka]\nsession_timeout_ms = 999\n", "kafka.session_timeout_ms"},
           {"[kafka]\nleader_stall_ms = 999\n", "kafka.leader_stall_ms"},
           {"[kafka]\nleader_stall_ms = 60001\n", "kafka.leader_stall_ms"},
           {"[kafka]\nleader_stall_ms = \"5000\"\n", "kafka.leader_stall_ms"},
           {"[kafka]\nsnapshot_check_ms = 999\n", "kafka.snapshot_check_ms"},
           {"[kafka]\nsnapshot_check_ms = 86400001\n", "kafka.snapshot_check_ms"},
           {"[kafka]\nsession_timeout_ms = 60001\n", "kafka.session_timeout_ms"},
           {"[kafka]\nsession_timeout_ms = \"6000\"\n", "kafka.session_timeout_ms"},
           {"[kafka]\nsession_timeout_ms = 1500.5\n", "kafka.session_timeout_ms"},
           {"[kafka]\nreplication_factor = 0\n", "kafka.replication_factor"},
           {"[kafka]\nreplication_factor = 33\n", "kafka.replication_factor"},
           {"[kafka]\ngroup = \"\"\n", "kafka.group"},
           {"[kafka]\ntopic_prefix = \"\"\n", "kafka.topic_prefix"},
           {"[kafka]\ntopic_prefix = \"a#b.\"\n", "kafka.topic_prefix"},
           {"[kafka]\nbrokers = 9092\n", "kafka.brokers"},
           {"[kafka]\ntopic = \"stayaway.input\"\n", "kafka.topic"},
           {"kafka = \"k1:9092\"\n", "kafka"},
       }) {
    DaemonConfig refused;
    const Status s = ApplyToml(bad, "k.toml", &refused);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_NE(s.message().find(names), std::string::npos) << bad << ": " << s.message();
    EXPECT_EQ(refused.kafka_session_timeout_ms, 6000) << bad;
    EXPECT_EQ(refused.kafka_replication_factor, 3) << bad;
    EXPECT_EQ(refused.kafka_group, "stayaway") << bad;
  }
  const std::string usage = DaemonUsage();
  EXPECT_NE(usage.find("--kafka-brokers"), std::string::npos) << usage;
  EXPECT_NE(usage.find("--kafka-group"), std::string::npos) << usage;
  EXPECT_NE(usage.find("[kafka]"), std::string::npos) << usage;
}

TEST(DaemonConfig, UnknownFlagsAreNamedAndHelpWinsOverThem) {
  auto unknown = Parse({"--data-dir", "d", "--frobnicate", "1"});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(), "unexpected argument '--frobnicate'");
  auto missing = Parse({"--http-port"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--http-port"), std::string::npos)
      << missing.status().message();
  auto help = Parse({"--frobnicate", "--help"});
  ASSERT_TRUE(help.ok());
  EXPECT_TRUE(help->help);
  // --version alone: the file is not read (it may not even be there).
  auto version = Parse({"--config", "/nonexistent.toml", "--version"});
  ASSERT_TRUE(version.ok());
  EXPECT_TRUE(version->version);
}

TEST(DaemonConfig, HelpListsEveryFlagWithItsMeaning) {
  const std::string usage = DaemonUsage();
  EXPECT_EQ(usage.rfind("usage: stayawayd", 0), 0u) << usage;
  for (const char* flag : {"--config",
                           "--data-dir",
                           "--bind",
                           "--ingest-port",
                           "--http-port",
                           "--osmand-port",
                           "--ports-file",
                           "--webhook ",
                           "--webhook-secret-file",
                           "--webhook-from",
                           "--webhook-kinds",
                           "--webhook-ca",
                           "--mqtt-broker",
                           "--mqtt-password-file",
                           "--salvage",
                           "--bootstrap-admin-token-file",
                           "--console-dir",
                           "--auth-timeout",
                           "--max-unauthenticated",
                           "--max-unauthenticated-per-address",
                           "--ingest-max-connections",
                           "--http-max-connections",
                           "--session-idle-timeout",
                           "--session-lifetime",
                           "--max-sessions",
                           "--public-origin",
                           "--engine-lanes",
                           "--version",
                           "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag << " in\n" << usage;
  }
  EXPECT_NE(usage.find("--http-port N"), std::string::npos) << "the value's name";
  EXPECT_NE(usage.find("the HTTP API and the operator console (7380)"), std::string::npos);
}

TEST(WebhookUrl, ParsesHostPortPathAndRefusesOtherSchemes) {
  auto url = ParseWebhookUrl("http://alerts.centre.local:8443/stayaway/events");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "alerts.centre.local");
  EXPECT_EQ(url->port, 8443);
  EXPECT_EQ(url->path, "/stayaway/events");
  EXPECT_EQ(ParseWebhookUrl("http://h")->path, "/");
  EXPECT_EQ(ParseWebhookUrl("http://h")->port, 80);
  EXPECT_FALSE(ParseWebhookUrl("ftp://h/").ok());
  EXPECT_FALSE(ParseWebhookUrl("http://h:99999/").ok());
  EXPECT_FALSE(ParseWebhookUrl("http://:80/").ok());
}

TEST(DaemonLog, LinesAreJsonWithEscapedFields) {
  const std::string line = FormatLogLine("2026-11-27T12:00:00Z", LogLevel::kWarning,
                                         "refused \"frame\"", {{"peer", "127.0.0.1:5\n"}});
  EXPECT_EQ(line,
            "{\"ts\":\"2026-11-27T12:00:00Z\",\"level\":\"warning\",\"msg\":\"refused "
            "\\\"frame\\\"\",\"peer\":\"127.0.0.1:5\\n\"}");
}

}  // namespace
}  // namespace stayaway::daemon
