#include "daemon/mqtt_bridge.h"

#include <mosquitto.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <utility>
#include <vector>

#include "base/file_io.h"
#include "daemon/log.h"
#include "ingest/http_text.h"
#include "ingest/json_codec.h"
#include "ingest/owntracks_codec.h"

namespace stayaway::daemon {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::seconds(30);
// Events published and not yet acknowledged, at most.
constexpr std::size_t kMaxInflight = 256;
// The cursor file is fsynced: written at most this often (and at Stop).
constexpr auto kCursorSaveInterval = std::chrono::milliseconds(200);
// While the broker is away, the backlog metric is brought up to date this often.
constexpr auto kBacklogReport = std::chrono::milliseconds(250);
// Refusals are logged at most this often (they are all counted).
constexpr auto kRefusalLogInterval = std::chrono::seconds(1);
constexpr std::string_view kSource = "mqtt";
constexpr std::string_view kOwnTracks = "owntracks";
constexpr std::string_view kStayaway = "stayaway";

// libmosquitto keeps global state (its TLS and socket set-up): initialised once for the
// process and never cleaned up, as other users in the process may need it.
void InitLibrary() {
  static const int once = [] { return mosquitto_lib_init(); }();
  (void)once;
}

// An id as one topic level: the characters MQTT gives a meaning to ('/', '+', '#'), '%'
// itself, and bytes outside printable ASCII, %XX-escaped. Ids by the identifier rule
// (base/identifier.h) come out unchanged.
std::string TopicLevel(std::string_view id) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(id.size());
  for (const char c : id) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f || c == '/' || c == '+' || c == '#' || c == '%') {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 15];
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Status ParseMqttBroker(std::string_view text, MqttOptions* options) {
  const auto invalid = [text] {
    return InvalidArgument("MQTT broker \"" + std::string(text) +
                           "\" is not HOST:PORT (or HOST, port 1883; [IPv6]:PORT)");
  };
  std::string_view host = text;
  std::string_view port;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos) return invalid();
    host = text.substr(1, close - 1);
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) return invalid();
      port = rest.substr(1);
      if (port.empty()) return invalid();
    }
  } else if (const auto colon = text.rfind(':'); colon != std::string_view::npos) {
    if (text.find(':') != colon) return invalid();  // a bare IPv6 address needs brackets
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (port.empty()) return invalid();
  }
  if (host.empty()) return invalid();
  uint16_t number = 1883;
  if (!port.empty()) {
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (error != std::errc() || end != port.data() + port.size() || number == 0) return invalid();
  }
  options->host = std::string(host);
  options->port = number;
  return Status::Ok();
}

std::string EventTopic(std::string_view prefix, const v1::Event& event) {
  std::string topic(prefix);
  if (!event.order_id().empty()) {
    topic += TopicLevel(event.order_id());
  } else if (event.has_device() && !event.device().empty()) {
    topic += "device/";
    topic += TopicLevel(event.device());
  } else {
    topic += "centre";
  }
  return topic;
}

class MqttBridge::Link {
 public:
  Link(ingest::MonitoringService& service, Metrics& metrics, MqttOptions options)
      : service_(service), metrics_(metrics), options_(std::move(options)) {
    InitLibrary();
    event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    publishing_ = !options_.events_prefix.empty() && !options_.publish_while_leading;
    std::ifstream in(options_.cursor_path);
    uint64_t saved = 0;
    if (options_.publish_while_leading) {
      next_publish_ = 1;  // PublishFrom says where
    } else if (in >> saved && saved > 0) {
      next_publish_ = saved;
    } else {
      next_publish_ = options_.events_from_start ? 1 : service_.NextEventSeq();
      if (!options_.events_prefix.empty()) SaveCursor(next_publish_);
    }
    saved_cursor_ = next_publish_;
  }

  ~Link() {
    Stop();
    if (event_fd_ >= 0) ::close(event_fd_);
  }

  void Start() {
    metrics_.SetMqttConnected(false);
    listener_ = service_.AddEventListener([this] { Wake(); });
    thread_ = std::thread([this] {
      ::pthread_setname_np(::pthread_self(), "sa-mqtt");
      Run();
    });
  }

  void PublishFrom(uint64_t next) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      publish_order_ = std::max<uint64_t>(next, 1);
    }
    Wake();
  }

  void StopPublishing() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      publish_order_ = 0;
    }
    Wake();
  }

  void Stop() {
    if (stopping_.exchange(true)) return;
    {
      std::lock_guard<std::mutex> lock(mu_);  // the backoff wait checks stopping_ under it
    }
    backoff_wake_.notify_one();
    Wake();
    if (listener_ != 0) service_.RemoveEventListener(listener_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Wake() {
    const uint64_t one = 1;
    if (event_fd_ >= 0) (void)!::write(event_fd_, &one, sizeof one);
  }

  void Run() {
    auto backoff = std::chrono::milliseconds(0);
    const auto wait_backoff = [this, &backoff] {
      backoff = backoff.count() == 0
                    ? kFirstBackoff
                    : std::min<std::chrono::milliseconds>(backoff * 2, kMaxBackoff);
      // In slices, so the backlog the metrics show grows while the broker is away.
      const auto until = Clock::now() + backoff;
      while (!stopping_ && Clock::now() < until) {
        ReportBacklog();
        std::unique_lock<std::mutex> lock(mu_);
        backoff_wake_.wait_for(lock,
                               std::min<Clock::duration>(until - Clock::now(), kBacklogReport),
                               [this] { return stopping_.load(); });
      }
    };
    while (!stopping_) {
      TakePublishOrder();
      if (client_ == nullptr && !Connect()) {
        wait_backoff();
        continue;
      }
      pollfd fds[2] = {{mosquitto_socket(client_), POLLIN, 0}, {event_fd_, POLLIN, 0}};
      if (mosquitto_want_write(client_)) fds[0].events |= POLLOUT;
      // The timeout also drives keepalive pings (mosquitto_loop's housekeeping).
      ::poll(fds, 2, 100);
      if ((fds[1].revents & POLLIN) != 0) {
        uint64_t count = 0;
        (void)!::read(event_fd_, &count, sizeof count);
      }
      if (stopping_) break;
      TakePublishOrder();
      const int rc = mosquitto_loop(client_, 0, 16);
      if (rc != MOSQ_ERR_SUCCESS || refused_) {
        // A session that ends is reconnected at once; a broker that refused the session
        // (a wrong password, a topic it does not allow) is asked again after the backoff.
        const bool had_session = session_;
        Drop(refused_ ? connack_text_ : std::string(mosquitto_strerror(rc)));
        if (!had_session) wait_backoff();
        continue;
      }
      if (session_) {
        backoff = std::chrono::milliseconds(0);
        PublishEvents();
      }
      Checkpoint(false);
    }
    if (client_ != nullptr) {
      mosquitto_disconnect(client_);
      mosquitto_loop(client_, 50, 1);  // send the DISCONNECT
    }
    Drop("");
    Checkpoint(true);
  }

  // A new client and its TCP (and TLS) connection; the session begins at the CONNACK.
  bool Connect() {
    mosquitto* client = mosquitto_new(options_.client_id.c_str(), options_.clean_session, this);
    if (client == nullptr) {
      Failed("cannot create an MQTT client");
      return false;
    }
    mosquitto_int_option(client, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_max_inflight_messages_set(client, kMaxInflight);
    if (!options_.user.empty()) {
      mosquitto_username_pw_set(client, options_.user.c_str(),
                                options_.password.empty() ? nullptr : options_.password.c_str());
    }
    if (options_.tls) {
      const auto c_str = [](const std::string& s) { return s.empty() ? nullptr : s.c_str(); };
      const int rc = mosquitto_tls_set(
          client, c_str(options_.ca_file), options_.ca_file.empty() ? "/etc/ssl/certs" : nullptr,
          c_str(options_.certificate), c_str(options_.private_key), nullptr);
      if (rc != MOSQ_ERR_SUCCESS) {
        mosquitto_destroy(client);
        Failed(std::string("TLS set-up: ") + mosquitto_strerror(rc));
        return false;
      }
    }
    mosquitto_connect_callback_set(
        client, [](mosquitto*, void* self, int rc) { static_cast<Link*>(self)->OnConnect(rc); });
    mosquitto_publish_callback_set(
        client, [](mosquitto*, void* self, int mid) { static_cast<Link*>(self)->OnPublish(mid); });
    mosquitto_subscribe_callback_set(
        client, [](mosquitto*, void* self, int mid, int count, const int* granted) {
          static_cast<Link*>(self)->OnSubscribe(mid, count, granted);
        });
    mosquitto_message_callback_set(client, [](mosquitto*, void* self, const mosquitto_message* m) {
      static_cast<Link*>(self)->OnMessage(*m);
    });
    const int rc =
        mosquitto_connect(client, options_.host.c_str(), options_.port, options_.keepalive_seconds);
    if (rc != MOSQ_ERR_SUCCESS) {
      mosquitto_destroy(client);
      Failed(rc == MOSQ_ERR_ERRNO ? std::string(std::strerror(errno)) : mosquitto_strerror(rc));
      return false;
    }
    client_ = client;
    refused_ = false;
    return true;
  }

  void Failed(const std::string& why) {
    metrics_.CountMqttConnect("failed");
    if (!outage_logged_) {
      Log(LogLevel::kWarning, "cannot reach the MQTT broker; retrying with backoff",
          {{"broker", options_.host + ":" + std::to_string(options_.port)}, {"error", why}});
      outage_logged_ = true;
    }
  }

  // Ends the connection (if any). Events in flight are published again on the next one.
  void Drop(const std::string& why) {
    if (client_ != nullptr) {
      mosquitto_destroy(client_);
      client_ = nullptr;
      if (session_ && !why.empty()) {
        Log(LogLevel::kWarning, "lost the MQTT broker; reconnecting",
            {{"broker", options_.host + ":" + std::to_string(options_.port)}, {"error", why}});
        outage_logged_ = true;
      } else if (!why.empty()) {
        Failed(why);
      }
    }
    session_ = false;
    metrics_.SetMqttConnected(false);
    if (!unacked_.empty()) metrics_.CountMqttPublishFailures(unacked_.size());
    next_publish_ = Cursor();
    inflight_.clear();
    unacked_.clear();
    subscriptions_.clear();
  }

  void OnConnect(int rc) {
    if (rc != 0) {
      refused_ = true;
      connack_text_ =
          std::string("the broker refused the connection: ") + mosquitto_connack_string(rc);
      return;
    }
    for (const std::string* topic : {&options_.owntracks_topic, &options_.fixes_topic}) {
      if (topic->empty()) continue;
      int mid = 0;
      // A shared subscription's messages arrive on their own topics, matched as before.
      const std::string filter =
          options_.share_group.empty() ? *topic : "$share/" + options_.share_group + "/" + *topic;
      const int sub = mosquitto_subscribe(client_, &mid, filter.c_str(), 1);
      subscriptions_[mid] = *topic;
      if (sub != MOSQ_ERR_SUCCESS) {
        refused_ = true;
        connack_text_ = "cannot subscribe to " + *topic + ": " + mosquitto_strerror(sub);
        return;
      }
    }
    session_ = true;
    metrics_.SetMqttConnected(true);
    metrics_.CountMqttConnect("connected");
    Log(LogLevel::kInfo, "connected to the MQTT broker",
        {{"broker", options_.host + ":" + std::to_string(options_.port)},
         {"owntracks_topic", options_.owntracks_topic},
         {"fixes_topic", options_.fixes_topic},
         {"events_prefix", options_.events_prefix}});
    outage_logged_ = false;
  }

  // A broker's ACL can refuse a subscription (SUBACK 0x80) while accepting the session:
  // nothing would ever arrive, so it is said loudly (the session goes on for the events).
  void OnSubscribe(int mid, int count, const int* granted) {
    const auto it = subscriptions_.find(mid);
    if (it == subscriptions_.end()) return;
    for (int i = 0; i < count; ++i) {
      if (granted[i] == 0x80) {
        Log(LogLevel::kError, "the MQTT broker refused a subscription: check its ACL",
            {{"topic", it->second}, {"user", options_.user}});
      }
    }
    subscriptions_.erase(it);
  }

  // ---------------------------------------------------------------------------------
  // Out: events.
  // ---------------------------------------------------------------------------------

  // The first event the broker has not acknowledged.
  uint64_t Cursor() const { return unacked_.empty() ? next_publish_ : *unacked_.begin(); }

  // Applies the last PublishFrom or StopPublishing (publish_while_leading only).
  void TakePublishOrder() {
    if (!options_.publish_while_leading || options_.events_prefix.empty()) return;
    std::optional<uint64_t> order;
    {
      std::lock_guard<std::mutex> lock(mu_);
      order = publish_order_;
      publish_order_.reset();
    }
    if (!order.has_value()) return;
    if (*order == 0) {
      Checkpoint(true);  // where this instance got to, as the cursor the leader committed
      publishing_ = false;
      return;
    }
    // Events still in flight from an earlier lead are forgotten: the new cursor rules.
    inflight_.clear();
    unacked_.clear();
    next_publish_ = *order;
    SaveCursor(next_publish_);
    saved_cursor_ = next_publish_;
    publishing_ = true;
  }

  void PublishEvents() {
    if (!publishing_) return;
    std::vector<v1::EventRecord> records;
    while (session_ && unacked_.size() < kMaxInflight) {
      records.clear();
      service_.ReadEvents(next_publish_, std::min<std::size_t>(64, kMaxInflight - unacked_.size()),
                          &records);
      if (records.empty()) return;
      for (const v1::EventRecord& record : records) {
        const std::string topic = EventTopic(options_.events_prefix, record.event());
        const std::string body = "{\"seq\":" + std::to_string(record.seq()) +
                                 ",\"event\":" + ingest::EventToJson(record.event()) + "}";
        int mid = 0;
        const int rc =
            mosquitto_publish(client_, &mid, topic.c_str(), static_cast<int>(body.size()),
                              body.data(), /*qos=*/1, /*retain=*/false);
        if (rc != MOSQ_ERR_SUCCESS) {
          // The connection is gone (the only failure a valid topic and payload can meet):
          // start over from the cursor on the next connection.
          metrics_.CountMqttPublishFailures(1);
          Drop(std::string("publish: ") + mosquitto_strerror(rc));
          return;
        }
        inflight_[mid] = record.seq();
        unacked_.insert(record.seq());
        next_publish_ = record.seq() + 1;
      }
    }
  }

  void OnPublish(int mid) {
    const auto it = inflight_.find(mid);
    if (it == inflight_.end()) return;
    unacked_.erase(it->second);
    inflight_.erase(it);
    metrics_.CountMqttPublished(1);
  }

  // Saves the cursor when it moved (at most every kCursorSaveInterval unless `now`), and
  // reports the backlog.
  void Checkpoint(bool now) {
    if (!publishing_) return;
    ReportBacklog();
    const uint64_t cursor = Cursor();
    if (cursor == saved_cursor_) return;
    if (!now && Clock::now() - last_save_ < kCursorSaveInterval) return;
    SaveCursor(cursor);
    saved_cursor_ = cursor;
    last_save_ = Clock::now();
  }

  void ReportBacklog() {
    if (!publishing_) return;
    const uint64_t end = service_.NextEventSeq();
    metrics_.SetMqttBacklog(end - std::min(Cursor(), end));
  }

  void SaveCursor(uint64_t next) {
    if (Status s = WriteFileAtomically(options_.cursor_path, std::to_string(next) + "\n");
        !s.ok()) {
      // Publishing goes on; a restart then resends from the last cursor that was saved.
      Log(LogLevel::kWarning, "cannot save the MQTT events cursor", {{"error", s.message()}});
    }
  }

  // ---------------------------------------------------------------------------------
  // In: fixes.
  // ---------------------------------------------------------------------------------

  static bool Matches(const std::string& subscription, const char* topic) {
    if (subscription.empty()) return false;
    bool result = false;
    return mosquitto_topic_matches_sub(subscription.c_str(), topic, &result) == MOSQ_ERR_SUCCESS &&
           result;
  }

  void OnMessage(const mosquitto_message& message) {
    if (message.topic == nullptr) return;
    const std::string_view payload(static_cast<const char*>(message.payload),
                                   message.payload == nullptr ? 0 : message.payloadlen);
    if (Matches(options_.fixes_topic, message.topic)) {
      StayawayFixes(message.topic, payload);
    } else if (Matches(options_.owntracks_topic, message.topic)) {
      OwnTracks(message.topic, payload);
    }
  }

  void OwnTracks(std::string_view topic, std::string_view payload) {
    if (payload.size() > ingest::kMaxOwnTracksBytes) {
      Refuse(kOwnTracks, topic, "too_large");
      return;
    }
    StatusOr<std::string> device = ingest::OwnTracksTopicDevice(topic);
    if (!device.ok()) {
      Refuse(kOwnTracks, topic, "bad_topic");
      return;
    }
    StatusOr<ingest::OwnTracksMessage> message = ingest::ParseOwnTracks(payload, *device);
    if (!message.ok()) {
      Refuse(kOwnTracks, topic, StatusCodeName(message.status().code()));
      return;
    }
    if (!message->fix.has_value()) {
      metrics_.CountMqttMessage(kOwnTracks, "ignored");
      metrics_.CountMqttIgnored(ingest::OwnTracksTypeLabel(message->type));
      return;
    }
    std::vector<v1::Fix> fixes;
    fixes.push_back(std::move(*message->fix));
    Submit(kOwnTracks, topic, std::move(fixes));
  }

  void StayawayFixes(std::string_view topic, std::string_view payload) {
    if (payload.size() > kMaxMqttPayloadBytes) {
      Refuse(kStayaway, topic, "too_large");
      return;
    }
    std::size_t first = 0;
    while (first < payload.size() && std::isspace(static_cast<unsigned char>(payload[first]))) {
      ++first;
    }
    std::vector<std::string_view> elements;
    if (first < payload.size() && payload[first] == '[') {
      if (!ingest::SplitJsonArray(payload, ingest::kMaxDocumentDepth, &elements).ok() ||
          elements.empty()) {
        Refuse(kStayaway, topic, "invalid_argument");
        return;
      }
    } else {
      elements.push_back(payload);
    }
    std::vector<v1::Fix> fixes;
    fixes.reserve(elements.size());
    for (std::string_view element : elements) {
      StatusOr<v1::Input> input = ingest::ParseReplayLine(element);
      // Ticks are refused: the daemon keeps its own clock.
      if (!input.ok() || !input->has_fix()) {
        Refuse(kStayaway, topic, "invalid_argument");
        return;
      }
      fixes.push_back(std::move(*input->mutable_fix()));
    }
    Submit(kStayaway, topic, std::move(fixes));
  }

  // Hands the message's fixes to the core, waiting while its queue is full: the broker's
  // messages wait meanwhile (pushback), none is dropped.
  void Submit(std::string_view format, std::string_view topic, std::vector<v1::Fix> fixes) {
    // The engine refuses them too ("not_found"), but only once they are journaled: a
    // broker user sending for made-up devices must not fill the journal.
    for (const v1::Fix& fix : fixes) {
      StatusOr<v1::DeviceStatus> device = service_.GetDevice(fix.device());
      if (!device.ok() || device->orders_size() == 0) {
        Refuse(format, topic, "unknown_device");
        return;
      }
    }
    Metrics* metrics = &metrics_;
    auto done = [metrics, label = std::string(format)](std::vector<ingest::FixOutcome> outcomes) {
      bool refused = false;
      bool all_duplicates = !outcomes.empty();
      for (const ingest::FixOutcome& outcome : outcomes) {
        refused |= !outcome.accepted;
        all_duplicates &= outcome.duplicate;
      }
      // The engine counted each refused fix with its reason (source "mqtt").
      metrics->CountMqttMessage(label, refused          ? "refused"
                                       : all_duplicates ? "duplicate"
                                                        : "accepted");
    };
    bool pushed_back = false;
    while (!service_.SubmitFixes(std::move(fixes), kSource, done)) {  // refused: left as given
      if (!pushed_back) metrics_.CountBackpressure(kSource);
      pushed_back = true;
      if (stopping_) {
        service_.CountRejected(kSource, "unavailable");
        metrics_.CountMqttMessage(format, "refused");
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void Refuse(std::string_view format, std::string_view topic, std::string_view reason) {
    service_.CountRejected(kSource, reason);
    metrics_.CountMqttMessage(format, "refused");
    // Never the payload: it may hold a protected person's position.
    if (Clock::now() - last_refusal_log_ >= kRefusalLogInterval) {
      last_refusal_log_ = Clock::now();
      Log(LogLevel::kWarning, "refused an MQTT message",
          {{"topic", std::string(topic)}, {"reason", std::string(reason)}});
    }
  }

  ingest::MonitoringService& service_;
  Metrics& metrics_;
  const MqttOptions options_;
  int event_fd_ = -1;
  uint64_t listener_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mu_;  // for backoff_wake_ and publish_order_
  std::condition_variable backoff_wake_;
  // The last PublishFrom (its seq) or StopPublishing (0) not yet taken by the thread.
  std::optional<uint64_t> publish_order_;
  std::thread thread_;

  // The bridge thread's own (libmosquitto calls back on it, inside mosquitto_loop).
  mosquitto* client_ = nullptr;
  bool session_ = false;  // CONNACK accepted and subscribed
  bool refused_ = false;  // the broker refused the CONNACK or a subscription
  std::string connack_text_;
  bool outage_logged_ = false;
  bool publishing_ = false;  // events are published (and the cursor kept)
  uint64_t next_publish_ = 1;
  std::map<int, uint64_t> inflight_;          // message id -> event seq
  std::map<int, std::string> subscriptions_;  // message id -> topic, until the SUBACK
  std::set<uint64_t> unacked_;                // seqs published, not yet acknowledged
  uint64_t saved_cursor_ = 1;
  Clock::time_point last_save_{};
  Clock::time_point last_refusal_log_{};
};

MqttBridge::MqttBridge(ingest::MonitoringService& service, Metrics& metrics, MqttOptions options)
    : link_(std::make_unique<Link>(service, metrics, std::move(options))) {}

MqttBridge::~MqttBridge() { Stop(); }

void MqttBridge::Start() { link_->Start(); }

void MqttBridge::Stop() { link_->Stop(); }

void MqttBridge::PublishFrom(uint64_t next) { link_->PublishFrom(next); }

void MqttBridge::StopPublishing() { link_->StopPublishing(); }

}  // namespace stayaway::daemon
