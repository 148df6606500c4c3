#include "tools/live_commands.h"

#include <charconv>
#include <chrono>
#include <filesystem>
#include <fstream>
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
#include "tools/command_line.h"
#include "tools/credential_flag.h"
#include "tools/daemon_client.h"
#include "tools/progress_meter.h"

namespace stayaway::tools {
namespace {

constexpr int kOk = 0;
constexpr int kRefused = 1;
constexpr int kUsage = 2;

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
  CommandLine line("stayaway feed", "--target HOST:PORT --fixes FIXES.ndjson [options]",
                   "Streams a file of fixes live into a running stayawayd, at the pace they were\n"
                   "recorded (or --speed times faster); prints how many were accepted.");
  std::string target, fixes_path, device_keys, token_file;
  double speed = 1;
  uint64_t max_batch = 500;
  bool progress = false;
  line.Required("--target", &target, "HOST:PORT", "the daemon's ingest port");
  line.Required("--fixes", &fixes_path, "FIXES.ndjson",
                "the fixes, as `stayaway replay` takes them");
  line.Option("--speed", &speed, "X", "play the story X times faster than it was recorded (1)");
  line.Option("--batch", &max_batch, "N", "at most N fixes per frame (500)");
  line.Option("--device-keys", &device_keys, "KEYS.json",
              "device id -> key (64 hex digits), as DATA_DIR/device_keys.json: every fix of "
              "those devices is signed with its key (HMAC-SHA256) as it is sent");
  TokenFileOption(line, &token_file);
  line.ProgressFlag(&progress);
  line.Footer(
      "The credential needs the ingest role for the devices of the story.\n"
      "Exit status: 0 all accepted, 1 some refused, 2 usage or connection error.");
  if (auto exit = line.Parse(args, out, err)) return *exit;
  if (!(speed > 0) || max_batch == 0) {
    return line.UsageError(err, "--speed must be > 0 and --batch a positive whole number");
  }
  access::DeviceKeys keys;
  if (!device_keys.empty()) {
    std::ifstream key_file(device_keys);
    if (!key_file) {
      err << "stayaway feed: cannot read " << device_keys << '\n';
      return kUsage;
    }
    std::stringstream text;
    text << key_file.rdbuf();
    StatusOr<access::DeviceKeys> parsed = access::ParseDeviceKeysJson(text.str(), device_keys);
    if (!parsed.ok()) {
      err << "stayaway feed: " << parsed.status().message() << '\n';
      return kUsage;
    }
    keys = std::move(parsed).value();
  }
  std::ifstream in(fixes_path);
  if (!in) {
    err << "stayaway feed: cannot read " << fixes_path << '\n';
    return kUsage;
  }
  StatusOr<std::string> token = ResolveToken(token_file);
  if (!token.ok()) {
    err << "stayaway feed: " << token.status().message() << '\n';
    return kUsage;
  }
  DaemonClient client;
  Status connected = client.Connect(target);
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
  ProgressMeter meter = ProgressMeter::ForCommand(progress, err, "feed", "lines");
  std::error_code size_error;
  const uintmax_t file_bytes = std::filesystem::file_size(fixes_path, size_error);
  if (!size_error) meter.SetTotalBytes(file_bytes);
  uint64_t bytes_read = 0;
  std::string text;
  while (std::getline(in, text)) {
    ++line_number;
    bytes_read += text.size() + 1;
    meter.Update(line_number, bytes_read);
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    StatusOr<v1::Input> input = ingest::ParseReplayLine(text);
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
  meter.Finish();
  out << "fed " << accepted << " fixes, " << rejected << " refused\n";
  return rejected == 0 ? kOk : kRefused;
}

int RunWatchCommand(std::span<const std::string_view> args, std::ostream& out, std::ostream& err) {
  CommandLine line("stayaway watch", "--target HOST:PORT [--from SEQ|now] [options]",
                   "Subscribes to a running stayawayd's events and prints each as it comes.");
  std::string target, from_text, format = "text", token_file;
  uint64_t count = 0;
  line.Option("--target", &target, "HOST:PORT", "the daemon's ingest port (required)");
  line.Option("--from", &from_text, "SEQ|now",
              "the first event log number to print (default 1), or only new events");
  line.Option("--format", &format, "text|json",
              "one readable line per event (default) or its JSON");
  line.Option("--count", &count, "N", "stop after N events (default: run until interrupted)");
  TokenFileOption(line, &token_file);
  if (auto exit = line.Parse(args, out, err)) return *exit;
  if (target.empty()) return line.UsageError(err, "--target is required");
  uint64_t from = 1;
  const bool from_now = from_text == "now";
  if ((!from_text.empty() && !from_now && !ParseNumber(from_text, &from)) ||
      (format != "text" && format != "json")) {
    return line.UsageError(err, "--from takes a sequence number or now, --format text or json");
  }
  const bool json = format == "json";
  StatusOr<std::string> token = ResolveToken(token_file);
  if (!token.ok()) {
    err << "stayaway watch: " << token.status().message() << '\n';
    return kUsage;
  }
  DaemonClient client;
  Status connected = client.Connect(target);
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
