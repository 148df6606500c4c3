#include "tools/live_commands.h"

#include <charconv>
#include <chrono>
#include <fstream>
#include <map>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "access/device_key_store.h"
#include "access/fix_mac.h"
#include "base/time.h"
#include "ingest/event_text.h"
#include "ingest/json_codec.h"
#include "tools/command_flags.h"
#include "tools/credential_flag.h"
#include "tools/daemon_client.h"

namespace stayaway::tools {
namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

constexpr std::string_view kFeedUsage =
    "usage: stayaway feed --target HOST:PORT --fixes FIXES.ndjson [--speed X] [--batch N]\n"
    "                     [--device-keys KEYS.json] [--token-file FILE]\n"
    "  --speed X         play the story X times faster than it was recorded (default 1)\n"
    "  --batch N         at most N fixes per frame (default 500)\n"
    "  --device-keys F   a JSON object of device id -> key (64 hex digits), the format of\n"
    "                    the daemon's DATA_DIR/device_keys.json: every fix of those devices\n"
    "                    is signed with its key (HMAC-SHA256, access/fix_mac.h) as it is\n"
    "                    sent; other devices' fixes go unsigned\n"
    "  --token-file FILE the credential's bearer token (default: $STAYAWAY_TOKEN); it needs\n"
    "                    the ingest role for the devices of the story\n";

template <typename Number>
bool ParseNumber(const std::string& text, Number* value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return error == std::errc() && end == text.data() + text.size();
}

TimeMs WallNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sends one batch and waits for its ack; reports refusals. Returns false when the
// connection failed.
bool SendBatch(DaemonClient& client, uint64_t batch_id, std::vector<v1::Fix>* batch,
               uint64_t* accepted, uint64_t* rejected, std::ostream& err) {
  if (batch->empty()) return true;
  v1::ClientFrame frame;
  frame.mutable_batch()->set_batch_id(batch_id);
  for (v1::Fix& fix : *batch) *frame.mutable_batch()->add_fixes() = std::move(fix);
  batch->clear();
  if (Status s = client.Send(frame); !s.ok()) {
    err << "stayaway feed: " << s.message() << '\n';
    return false;
  }
  v1::ServerFrame reply;
  if (Status s = client.Receive(&reply); !s.ok()) {
    err << "stayaway feed: " << s.message() << '\n';
    return false;
  }
  if (reply.has_error()) {
    err << "stayaway feed: daemon error " << reply.error().code() << ": "
        << reply.error().message() << '\n';
    *rejected += static_cast<uint64_t>(frame.batch().fixes_size());
    return true;
  }
  *accepted += static_cast<uint64_t>(reply.ack().accepted_size());
  for (const v1::Rejection& r : reply.ack().rejected()) {
    ++*rejected;
    err << "refused " << r.device() << "#" << r.seq() << ": " << r.code() << ": " << r.reason()
        << '\n';
  }
  return true;
}

}  // namespace

int RunFeedCommand(std::span<const std::string_view> args, std::ostream& out,
                   std::ostream& err) {
  std::map<std::string, std::string> flags;
  if (!ParseFlags(args, &flags, err, "stayaway feed")) {
    err << kFeedUsage;
    return kUsage;
  }
  if (flags.count("help")) {
    out << kFeedUsage;
    return kOk;
  }
  if (!flags.count("target") || !flags.count("fixes")) {
    err << kFeedUsage;
    return kUsage;
  }
  double speed = 1;
  size_t max_batch = 500;
  if ((flags.count("speed") && (!ParseNumber(flags["speed"], &speed) || !(speed > 0))) ||
      (flags.count("batch") && (!ParseNumber(flags["batch"], &max_batch) || max_batch == 0))) {
    err << "stayaway feed: --speed must be > 0 and --batch a positive whole number\n";
    return kUsage;
  }
  access::DeviceKeys keys;
  if (flags.count("device-keys")) {
    std::ifstream key_file(flags["device-keys"]);
    if (!key_file) {
      err << "stayaway feed: cannot read " << flags["device-keys"] << '\n';
      return kUsage;
    }
    std::stringstream text;
    text << key_file.rdbuf();
    StatusOr<access::DeviceKeys> parsed =
        access::ParseDeviceKeysJson(text.str(), flags["device-keys"]);
    if (!parsed.ok()) {
      err << "stayaway feed: " << parsed.status().message() << '\n';
      return kUsage;
    }
    keys = std::move(parsed).value();
  }
  std::ifstream in(flags["fixes"]);
  if (!in) {
    err << "stayaway feed: cannot read " << flags["fixes"] << '\n';
    return kUsage;
  }
  StatusOr<std::string> token = ResolveToken(flags);
  if (!token.ok()) {
    err << "stayaway feed: " << token.status().message() << '\n';
    return kUsage;
  }
  DaemonClient client;
  Status connected = client.Connect(flags["target"]);
  if (connected.ok()) connected = client.Authenticate(*token);
  if (!connected.ok()) {
    err << "stayaway feed: " << connected.message() << '\n';
    return kUsage;
  }

  std::optional<TimeMs> story_start;
  const TimeMs wall_start = WallNowMs();
  std::vector<v1::Fix> batch;
  TimeMs batch_due = 0;
  uint64_t batch_id = 0, accepted = 0, rejected = 0, line_number = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    StatusOr<v1::Input> input = ingest::ParseReplayLine(line);
    if (!input.ok()) {
      err << "line " << line_number << ": " << input.status().message() << '\n';
      ++rejected;
      continue;
    }
    if (!input->has_fix()) continue;  // ticks: the daemon keeps its own clock
    v1::Fix fix = input->fix();
    const TimeMs t = TimestampToMs(fix.time());
    if (!story_start) story_start = t;
    const auto offset = static_cast<TimeMs>(static_cast<double>(t - *story_start) / speed);
    const TimeMs due = wall_start + offset;
    if (!batch.empty() && (due != batch_due || batch.size() >= max_batch)) {
      if (!SendBatch(client, ++batch_id, &batch, &accepted, &rejected, err)) return kUsage;
    }
    if (const TimeMs wait = due - WallNowMs(); wait > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(wait));
    }
    MsToTimestamp(due, fix.mutable_time());
    fix.clear_received();
    // Signed last: the MAC covers the time as sent.
    if (auto key = keys.find(fix.device()); key != keys.end()) access::SignFix(&fix, key->second);
    batch_due = due;
    batch.push_back(std::move(fix));
  }
  if (!SendBatch(client, ++batch_id, &batch, &accepted, &rejected, err)) return kUsage;
  out << "fed " << accepted << " fixes, " << rejected << " refused\n";
  return rejected == 0 ? kOk : kRefused;
}

int RunWatchCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  constexpr std::string_view kWatchUsage =
      "usage: stayaway watch --target HOST:PORT [--from SEQ|now] [--format text|json]"
      " [--count N]\n"
      "\n"
      "Subscribes to a running stayawayd's events and prints each as it comes.\n"
      "  --target HOST:PORT  the daemon's ingest port\n"
      "  --from SEQ|now      the first event log number to print (default 1), or only new\n"
      "                      events\n"
      "  --format text|json  one readable line per event (default) or its JSON\n"
      "  --count N           stop after N events (default: run until interrupted)\n";
  if (WantsHelp(args)) {
    out << kWatchUsage << kCredentialUsage;
    return kOk;
  }
  std::map<std::string, std::string> flags;
  if (!ParseFlags(args, &flags, err, "stayaway watch") || !flags.count("target")) {
    if (!flags.count("target")) err << "stayaway watch: --target is required\n";
    err << kWatchUsage << kCredentialUsage;
    return kUsage;
  }
  uint64_t from = 1, count = 0;
  const bool from_now = flags.count("from") && flags["from"] == "now";
  if ((flags.count("from") && !from_now && !ParseNumber(flags["from"], &from)) ||
      (flags.count("count") && !ParseNumber(flags["count"], &count))) {
    err << "stayaway watch: --from takes a sequence number or now, --count a whole number\n";
    return kUsage;
  }
  const bool json = flags.count("format") && flags["format"] == "json";
  StatusOr<std::string> token = ResolveToken(flags);
  if (!token.ok()) {
    err << "stayaway watch: " << token.status().message() << '\n';
    return kUsage;
  }
  DaemonClient client;
  Status connected = client.Connect(flags["target"]);
  if (connected.ok()) connected = client.Authenticate(*token);
  if (!connected.ok()) {
    err << "stayaway watch: " << connected.message() << '\n';
    return kUsage;
  }
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(from);
  subscribe.mutable_subscribe()->set_from_now(from_now);
  subscribe.mutable_subscribe()->set_name("stayaway-watch");
  if (Status s = client.Send(subscribe); !s.ok()) {
    err << "stayaway watch: " << s.message() << '\n';
    return kUsage;
  }
  for (uint64_t seen = 0; count == 0 || seen < count;) {
    v1::ServerFrame frame;
    if (Status s = client.Receive(&frame); !s.ok()) {
      err << "stayaway watch: " << s.message() << '\n';
      return seen > 0 || count == 0 ? kOk : kUsage;
    }
    if (!frame.has_event()) continue;
    ++seen;
    const v1::EventRecord& record = frame.event();
    if (json) {
      out << "{\"seq\":" << record.seq() << ",\"event\":" << ingest::EventToJson(record.event())
          << "}\n";
    } else {
      out << "#" << record.seq() << " " << ingest::EventToText(record.event()) << '\n';
    }
    out.flush();
  }
  return kOk;
}

}  // namespace stayaway::tools
