// MqttBridge: stayawayd's link to an MQTT broker (libmosquitto, MQTT 3.1.1). One client
// connection, run by one thread of its own, does both directions:
//
// In: it subscribes with QoS 1 to
//   owntracks_topic (default "owntracks/+/+"): OwnTracks JSON (ingest/owntracks_codec.h);
//     a `location` on owntracks/USER/DEVICE is a fix of device DEVICE; other _types are
//     counted as ignored (stayaway_mqtt_messages_total{format="owntracks",
//     outcome="ignored"}, stayaway_mqtt_ignored_total{type}).
//   fixes_topic (default "stayaway/fixes"): stayaway's own fix JSON, one fix object as a
//     line of `stayaway replay` input, or an array of them as POST /v1/fixes takes
//     (ingest/json_codec.h, ParseReplayLine); ticks are refused (the daemon keeps its own
//     clock).
//   The app publishes its locations retained: on every subscription the broker repeats
//   each device's last one, which the engine takes as the duplicate it is (outcome
//   "duplicate").
//   Every fix goes to the core exactly as the other ports' fixes do (FixSink::SubmitFixes,
//   source "mqtt": recordability, device keys, journal, engine, metrics). A full engine
//   queue pushes back on the broker: the thread stops reading until the engine takes the
//   fix. A message that cannot be read, is over kMaxMqttPayloadBytes, names a device no
//   order names ("unknown_device", before the journal), or is refused by the engine is counted
//   (stayaway_fixes_rejected_total{source="mqtt",reason}, logged at most once a second)
//   and the next message is read as usual: nothing one sender does stops the others.
//
// Access: the broker authenticates and authorises publishers (user/password or client
// certificates, and its ACL). The bridge takes whatever arrives on its subscriptions as
// sent by a publisher the broker let write there; the daemon itself adds the identifier
// rule, the known-device rule, device keys (a device with a key must sign its fixes, which
// OwnTracks cannot: such a device cannot report over OwnTracks) and the size limits. The
// README's mosquitto ACL lets each phone's broker user write only its own device's topic.
//
// Durability: libmosquitto acknowledges a QoS 1 message to the broker once it is read, not
// once the journal has it (libmosquitto 2.0 has no manual acknowledgement). A daemon crash
// can lose the fixes that were read but still queued for the engine (milliseconds' worth);
// a clean stop drains them. OwnTracks apps and gateways that need end-to-end
// acknowledgement use the HTTP ports.
//
// Out: every event of the event log, in order, is published with QoS 1 (not retained) as
// the JSON webhooks POST, {"seq": N, "event": {...}} (ingest/json_codec.h, EventToJson), on
//   events_prefix + ORDER_ID              events of an order (almost all)
//   events_prefix + "device/" + DEVICE    an event without an order but with a device
//   events_prefix + "centre"              an event with neither
// (EventTopic; '/', '+', '#' and bytes outside printable ASCII in an id are %XX-escaped).
// Publishing never blocks the engine: this thread follows the event log with a cursor,
// like the webhooks (webhook_dispatcher.h). At most kMaxInflight events await the broker's
// PUBACK; the cursor (<data_dir>/mqtt/events.cursor, written atomically) is the first
// event not yet acknowledged, so a restart resumes there: delivery is at least once,
// and subscribers deduplicate by seq. A new bridge (no cursor) starts from the next event,
// or from event 1 with events_from_start.
//
// Broker down: the thread reconnects with exponential backoff (0.1 s doubling to 30 s) and
// says so once in the log per outage; stayaway_mqtt_connected is 0 meanwhile. Events wait
// in the event log (the backlog, stayaway_mqtt_backlog_events); events in flight when the
// connection dropped are published again after the reconnect (counted in
// stayaway_mqtt_publish_failures_total). Fixes published meanwhile wait in the broker for
// the daemon's persistent session (clean_session false, a fixed client id; mosquitto's
// max_queued_messages bounds them) and arrive after the reconnect.
//
// Kafka mode (docs/kafka.md): every instance runs a bridge, but a fix must reach the log
// once and an event the broker once. Each instance subscribes through a shared
// subscription ("$share/GROUP/FILTER", share_group), so the broker hands each message to
// one of the instances connected, each under a client id of its own and a clean session
// (a dead instance's session does not hold messages back). Events are published only
// while this instance leads (publish_while_leading): PublishFrom(seq) when it starts
// leading, from the cursor the last leader committed, and StopPublishing when it stops.
//
// Thread-safety: Start and Stop from one thread; PublishFrom and StopPublishing from any
// thread; the rest is internal.
#ifndef STAYAWAY_DAEMON_MQTT_BRIDGE_H_
#define STAYAWAY_DAEMON_MQTT_BRIDGE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "daemon/metrics.h"
#include "ingest/monitoring_service.h"

namespace stayaway::daemon {

// A payload longer than this is refused without being parsed. An array of fixes on
// fixes_topic may be long; a phone's message is a few hundred bytes.
inline constexpr std::size_t kMaxMqttPayloadBytes = 1024 * 1024;

struct MqttOptions {
  std::string host;  // the broker
  uint16_t port = 1883;
  std::string client_id = "stayawayd";  // fixed: the broker keeps this session
  std::string user;                     // empty: no user name
  std::string password;                 // from the password file; never a flag
  // TLS to the broker: on when `tls`; ca_file verifies the broker's certificate (empty:
  // the system's CAs in /etc/ssl/certs); certificate and private_key: a client certificate.
  bool tls = false;
  std::string ca_file;
  std::string certificate;
  std::string private_key;
  std::string owntracks_topic = "owntracks/+/+";   // empty: not subscribed
  std::string fixes_topic = "stayaway/fixes";      // empty: not subscribed
  std::string events_prefix = "stayaway/events/";  // empty: events are not published
  bool events_from_start = false;
  int keepalive_seconds = 30;
  // Not empty: the subscriptions are shared by the bridges of this group ("$share/GROUP/").
  std::string share_group;
  // The broker forgets the session when the connection ends; false: a persistent session
  // under the fixed client id, whose messages wait for the daemon while it is away.
  bool clean_session = false;
  // Events are published only between PublishFrom and StopPublishing (Kafka mode's leader).
  bool publish_while_leading = false;
  std::string cursor_path;  // where the events cursor is kept
};

// "HOST:PORT", "HOST" (port 1883) or "[IPv6]:PORT" into options->host and port.
Status ParseMqttBroker(std::string_view text, MqttOptions* options);

// The topic an event is published on (see above).
std::string EventTopic(std::string_view prefix, const v1::Event& event);

class MqttBridge {
 public:
  // `service` must outlive the bridge; `metrics` too (the core's).
  MqttBridge(ingest::MonitoringService& service, Metrics& metrics, MqttOptions options);
  ~MqttBridge();  // Stop()s
  MqttBridge(const MqttBridge&) = delete;
  MqttBridge& operator=(const MqttBridge&) = delete;

  // Starts the thread, which connects in the background: a broker that is down at start
  // does not stop the daemon.
  void Start();
  // Disconnects and joins the thread. Events in flight stay after the cursor.
  void Stop();

  // With publish_while_leading: publishes events from seq `next` on (the cursor file is
  // set to it), until StopPublishing. Events in flight when publishing stops stay after
  // the cursor.
  void PublishFrom(uint64_t next);
  void StopPublishing();

 private:
  class Link;
  std::unique_ptr<Link> link_;
};

}  // namespace stayaway::daemon

#endif  // STAYAWAY_DAEMON_MQTT_BRIDGE_H_
