#include "tools/replay_command.h"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <optional>
#include <ostream>
#include <span>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>

#include "base/status.h"
#include "base/work_crew.h"
#include "engine/engine.h"
#include "ingest/event_json_writer.h"
#include "ingest/event_text.h"
#include "ingest/json_codec.h"
#include "ingest/recordable_input.h"
#include "tools/command_line.h"
#include "tools/progress_meter.h"

namespace stayaway::tools {
namespace {

enum class LineRead { kEnd, kLine, kTooLong };

// Reads one line (without its "\n" or "\r\n") into `line`, keeping at most `max_bytes`:
// a longer line is consumed to its end but not kept, so one runaway line cannot make the
// replay buffer a whole file. `*length` is the full length of the line.
LineRead ReadBoundedLine(std::streambuf* in, std::size_t max_bytes, std::string* line,
                         std::size_t* length) {
  line->clear();
  *length = 0;
  bool any = false;
  for (;;) {
    const auto c = in->sbumpc();
    if (c == std::char_traits<char>::eof()) break;
    any = true;
    if (c == '\n') break;
    if (*length < max_bytes + 1) line->push_back(static_cast<char>(c));
    ++*length;
  }
  if (!any) return LineRead::kEnd;
  if (*length <= max_bytes + 1 && !line->empty() && line->back() == '\r') {
    line->pop_back();
    --*length;
  }
  return *length > max_bytes ? LineRead::kTooLong : LineRead::kLine;
}

bool IsBlank(std::string_view text) {
  return text.find_first_not_of(" \t\r") == std::string_view::npos;
}

void WriteEvents(const std::vector<v1::Event>& events, bool text, std::ostream& out,
                 ReplayStats* stats) {
  for (const v1::Event& event : events) {
    out << (text ? ingest::EventToText(event) : ingest::EventToJson(event)) << '\n';
    ++stats->events;
  }
}

// Opens `path`; a directory opens fine on Linux but reads as empty, so it is refused.
bool OpenForReading(const std::string& path, std::ifstream* in, std::string* error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    *error = "is a directory";
    return false;
  }
  in->open(path, std::ios::binary);
  if (!*in) {
    *error = std::strerror(errno);
    return false;
  }
  return true;
}

// The whole file as text, or nullopt with `*error` set ("No such file or directory").
std::optional<std::string> ReadWholeFile(const std::string& path, std::string* error) {
  std::ifstream in;
  if (!OpenForReading(path, &in, error)) return std::nullopt;
  // Read in large pieces into a string sized from the file (a pipe has no size): through
  // a string stream, 100,000 orders (29 MB) took a tenth of a second more.
  std::string text;
  std::error_code ec;
  if (const auto size = std::filesystem::file_size(path, ec); !ec) text.reserve(size);
  std::array<char, 1 << 16> piece;
  while (in.read(piece.data(), piece.size()) || in.gcount() > 0) {
    text.append(piece.data(), static_cast<std::size_t>(in.gcount()));
  }
  if (in.bad()) {
    *error = "read error";
    return std::nullopt;
  }
  return text;
}

struct ReplayFlags {
  std::string orders;
  std::string fixes;
  std::string zones;
  std::string config;
  std::string format = "json";
  unsigned lanes = 0;  // 0: one per core
  bool progress = false;
};

void DeclareReplayFlags(CommandLine& line, ReplayFlags* flags) {
  line.Required("--orders", &flags->orders, "ORDERS.json",
                "JSON array of orders (proto JSON mapping, proto field names)");
  line.Required("--fixes", &flags->fixes, "FIXES.ndjson",
                "one JSON object per line: a fix {\"device\":\"tag-1\",\"seq\":7,"
                "\"time\":\"2025-03-01T10:00:00Z\",\"lat\":42.87,\"lon\":74.59,"
                "\"accuracy_m\":8} or a tick {\"tick\":\"2025-03-01T10:05:00Z\"}");
  line.Option("--zones", &flags->zones, "ZONES.json",
              "JSON array of global exclusion zones (shelters)");
  line.Option("--config", &flags->config, "CONFIG.json",
              "engine thresholds (EngineConfig); 0 or absent = default");
  line.Option("--format", &flags->format, "json|text",
              "JSON lines (default) or one readable line per event");
  line.Option("--lanes", &flags->lanes, "N",
              "threads that parse, evaluate and print (default: one per core); the output "
              "does not depend on it");
  line.ProgressFlag(&flags->progress);
  line.Footer(
      "Refused orders and lines are reported on stderr (\"line 12: ...\") and skipped;\n"
      "duplicate fixes are ignored. A summary line ends stderr; progress, when shown,\n"
      "goes to stderr too, never among the events.\n"
      "Exit status: 0 all applied, 1 something refused, 2 usage error or unreadable file.");
}

CommandLine ReplayCommandLine() {
  return CommandLine("stayaway replay", "--orders ORDERS.json --fixes FIXES.ndjson [options]",
                     "Feeds orders, global zones and a file of fixes and ticks through the engine\n"
                     "and writes every event it emits to stdout, one JSON object per line. The\n"
                     "same files always give the same output.");
}

}  // namespace

void PrintReplayUsage(std::ostream& out) {
  CommandLine line = ReplayCommandLine();
  ReplayFlags flags;
  DeclareReplayFlags(line, &flags);
  out << line.Help();
}

namespace {

// The replay refuses what the daemon would not journal (ingest/recordable_input.h), so a
// replay and the daemon judge the same input the same way.
template <typename Apply>
Status Recordable(const google::protobuf::Message& message, std::string_view what, Apply apply) {
  if (auto refusal = ingest::CheckRecordable(message, what)) {
    return InvalidArgument(std::move(refusal->reason));
  }
  return apply();
}

// The fixes file goes through in chunks of lines. Each chunk is parsed on every lane (a
// line's parse depends on nothing else), applied in line order (runs of fixes as one
// engine batch, which the engine evaluates in its own lanes), and its events are printed
// on every lane into one buffer per lane, written out in order. The output is the same
// for any number of lanes and any chunk size: the engine's result does not depend on how
// fixes are batched, and every line is reported in order.
constexpr size_t kChunkLines = 8192;

// One line of a chunk: what reading and parsing it found.
struct ChunkLine {
  std::string text;
  std::size_t length = 0;  // the whole line's length, also when too long to keep
  LineRead read = LineRead::kLine;
  bool blank = false;
  Status refused;   // a parse or record check refusal; ok otherwise
  v1::Input input;  // when it parsed and may be recorded
};

struct Chunk {
  std::vector<ChunkLine> lines;   // reused: their strings keep their capacity
  size_t count = 0;               // lines read into this chunk
  std::vector<v1::Event> events;  // what applying it emitted, in order
  // The run of fixes being gathered for one engine batch (its first run_size), and their
  // lines. Fixes are swapped in from the lines, never freed: a line's Input and the run
  // trade storage, so a chunk decodes and applies its fixes without allocating.
  std::vector<v1::Fix> run;
  size_t run_size = 0;
  std::vector<size_t> run_lines;
};

// Reads up to kChunkLines lines; false at the end of the stream with nothing read.
bool ReadChunk(std::streambuf* in, Chunk* chunk) {
  if (chunk->lines.size() < kChunkLines) {
    chunk->lines.resize(kChunkLines);
    chunk->run_lines.reserve(kChunkLines);
  }
  chunk->count = 0;
  while (chunk->count < kChunkLines) {
    ChunkLine& line = chunk->lines[chunk->count];
    line.read = ReadBoundedLine(in, ingest::kMaxReplayLineBytes, &line.text, &line.length);
    if (line.read == LineRead::kEnd) break;
    ++chunk->count;
  }
  return chunk->count > 0;
}

void ParseLine(ChunkLine& line) {
  line.refused = Status::Ok();
  line.blank = line.read == LineRead::kLine && IsBlank(line.text);
  if (line.read != LineRead::kLine || line.blank) return;
  // Into the line's own Input, which keeps its storage from chunk to chunk.
  if (Status parsed = ingest::ParseReplayLineInto(line.text, &line.input); !parsed.ok()) {
    line.refused = std::move(parsed);
    return;
  }
  // The replay refuses what the daemon would not journal (ingest/recordable_input.h).
  if (auto refusal = ingest::CheckRecordableInput(line.input)) {
    line.refused = InvalidArgument(std::move(refusal->reason));
  }
}

// Applies a parsed chunk in line order; reports refused lines in order and counts.
void ApplyChunk(engine::Engine& engine, uint64_t first_line, Chunk* chunk, std::ostream& errors,
                ReplayStats* stats) {
  chunk->events.clear();
  std::vector<v1::Event> produced;
  auto outcome = [&](size_t i, bool tick, const Status& status) {
    if (status.ok()) {
      ++(tick ? stats->ticks : stats->fixes);
    } else if (status.code() == StatusCode::kAlreadyExists) {
      ++stats->duplicates;
    } else {
      ++stats->rejected_lines;
      errors << "line " << first_line + i << ": " << status.message() << '\n';
    }
    for (v1::Event& event : produced) chunk->events.push_back(std::move(event));
  };
  std::vector<v1::Fix>& run = chunk->run;
  size_t& run_size = chunk->run_size;
  std::vector<size_t>& run_lines = chunk->run_lines;
  auto flush = [&] {
    engine.ApplyFixes(std::span<const v1::Fix>(run.data(), run_size), &produced,
                      [&](size_t k, const Status& status, std::vector<v1::Event>*) {
                        outcome(run_lines[k], false, status);
                      });
    run_size = 0;
    run_lines.clear();
  };
  for (size_t i = 0; i < chunk->count; ++i) {
    ChunkLine& line = chunk->lines[i];
    if (line.read == LineRead::kLine && line.blank) continue;
    if (line.read == LineRead::kTooLong || !line.refused.ok()) {
      flush();
      ++stats->rejected_lines;
      errors << "line " << first_line + i << ": "
             << (line.read == LineRead::kTooLong
                     ? "line is " + std::to_string(line.length) + " bytes, more than the limit of " +
                           std::to_string(ingest::kMaxReplayLineBytes)
                     : line.refused.message())
             << '\n';
      continue;
    }
    if (line.input.has_fix()) {
      if (run_size == run.size()) run.emplace_back();
      run[run_size++].Swap(line.input.mutable_fix());
      run_lines.push_back(i);
      continue;
    }
    flush();
    produced.clear();
    const Status status = engine.Apply(line.input, &produced);
    outcome(i, line.input.has_tick(), status);
  }
  flush();
}

void ReplayFixes(engine::Engine& engine, const ReplayInputs& inputs, std::istream& fixes,
                 std::ostream& events, std::ostream& errors, ReplayStats* stats) {
  WorkCrew crew(inputs.lanes, "sa-replay");
  const unsigned lanes = crew.lanes();
  std::vector<std::string> printed(lanes);
  Chunk chunk;
  uint64_t bytes_read = 0;
  while (ReadChunk(fixes.rdbuf(), &chunk)) {
    const uint64_t first_line = stats->lines + 1;
    stats->lines += chunk.count;
    if (inputs.progress != nullptr) {
      for (size_t i = 0; i < chunk.count; ++i) bytes_read += chunk.lines[i].length + 1;
    }
    crew.Run([&](unsigned lane) {
      for (size_t i = lane; i < chunk.count; i += lanes) ParseLine(chunk.lines[i]);
    });
    ApplyChunk(engine, first_line, &chunk, errors, stats);
    // Each lane prints one contiguous share of the events; the shares go out in order.
    const size_t n = chunk.events.size();
    crew.Run([&](unsigned lane) {
      std::string& out = printed[lane];
      out.clear();
      for (size_t e = n * lane / lanes; e < n * (lane + 1) / lanes; ++e) {
        if (inputs.text_output) {
          out += ingest::EventToText(chunk.events[e]);
        } else {
          ingest::AppendEventJson(chunk.events[e], &out);
        }
        out += '\n';
      }
    });
    for (const std::string& out : printed) events.write(out.data(), static_cast<std::streamsize>(out.size()));
    stats->events += n;
    if (inputs.progress != nullptr) inputs.progress->Update(stats->lines, bytes_read);
  }
}

}  // namespace

ReplayStats Replay(const ReplayInputs& inputs, std::istream& fixes, std::ostream& events,
                   std::ostream& errors) {
  ReplayStats stats;
  engine::Engine engine(inputs.settings, inputs.lanes);
  std::vector<v1::Event> out;

  for (std::size_t i = 0; i < inputs.orders.size(); ++i) {
    const v1::Order& order = inputs.orders[i];
    out.clear();
    const Status status =
        Recordable(order, "order", [&] { return engine.ApplyOrder(order, &out); });
    WriteEvents(out, inputs.text_output, events, &stats);
    if (status.ok()) {
      ++stats.orders;
    } else {
      ++stats.rejected_orders;
      errors << "order " << i << " (" << (order.id().empty() ? "no id" : order.id())
             << "): " << status.message() << '\n';
    }
  }
  for (std::size_t i = 0; i < inputs.zones.size(); ++i) {
    const v1::Zone& zone = inputs.zones[i];
    out.clear();
    const Status status =
        Recordable(zone, "zone", [&] { return engine.ApplyGlobalZone(zone, &out); });
    WriteEvents(out, inputs.text_output, events, &stats);
    if (status.ok()) {
      ++stats.zones;
    } else {
      ++stats.rejected_orders;
      errors << "zone " << i << " (" << (zone.id().empty() ? "no id" : zone.id())
             << "): " << status.message() << '\n';
    }
  }

  ReplayFixes(engine, inputs, fixes, events, errors, &stats);
  return stats;
}

std::string FormatSummary(const ReplayStats& stats) {
  std::ostringstream s;
  s << "summary: lines=" << stats.lines << " fixes=" << stats.fixes << " ticks=" << stats.ticks
    << " duplicates=" << stats.duplicates << " rejected=" << stats.rejected_lines
    << " events=" << stats.events << " orders=" << stats.orders << " zones=" << stats.zones
    << " orders_rejected=" << stats.rejected_orders;
  return std::move(s).str();
}

int RunReplayCommand(std::span<const std::string_view> args, std::ostream& events,
                     std::ostream& errors) {
  CommandLine line = ReplayCommandLine();
  ReplayFlags flags;
  DeclareReplayFlags(line, &flags);
  if (auto exit = line.Parse(args, events, errors)) return *exit;
  if (flags.format != "json" && flags.format != "text") {
    return line.UsageError(errors, "--format is json or text");
  }
  if (line.Given("--lanes") && (flags.lanes < 1 || flags.lanes > 256)) {
    return line.UsageError(errors, "--lanes is a number from 1 to 256");
  }

  // Reads and parses one whole-document file; reports and returns false on failure.
  auto load = [&errors](const std::string& path, auto parse, auto* result) {
    std::string error;
    const std::optional<std::string> text = ReadWholeFile(path, &error);
    if (!text) {
      errors << "stayaway replay: cannot read " << path << ": " << error << '\n';
      return false;
    }
    auto parsed = parse(*text);
    if (!parsed.ok()) {
      errors << "stayaway replay: " << path << ": " << parsed.status().message() << '\n';
      return false;
    }
    *result = std::move(parsed).value();
    return true;
  };

  ReplayInputs inputs;
  inputs.text_output = flags.format == "text";
  inputs.lanes = flags.lanes == 0 ? std::max(1u, std::thread::hardware_concurrency()) : flags.lanes;
  if (!load(flags.orders, ingest::ParseOrdersJson, &inputs.orders)) return kExitUsage;
  if (!flags.zones.empty() && !load(flags.zones, ingest::ParseZonesJson, &inputs.zones)) {
    return kExitUsage;
  }
  if (!flags.config.empty()) {
    v1::EngineConfig config;
    if (!load(flags.config, ingest::ParseEngineConfigJson, &config)) return kExitUsage;
    StatusOr<engine::EngineSettings> settings = engine::ResolveSettings(config);
    if (!settings.ok()) {
      errors << "stayaway replay: " << flags.config << ": " << settings.status().message() << '\n';
      return kExitUsage;
    }
    inputs.settings = *settings;
  }

  std::ifstream fixes;
  if (std::string error; !OpenForReading(flags.fixes, &fixes, &error)) {
    errors << "stayaway replay: cannot read " << flags.fixes << ": " << error << '\n';
    return kExitUsage;
  }

  ProgressMeter meter = ProgressMeter::ForCommand(flags.progress, errors, "replay", "lines");
  std::error_code size_error;
  const uintmax_t file_bytes = std::filesystem::file_size(flags.fixes, size_error);
  if (!size_error) meter.SetTotalBytes(file_bytes);
  if (meter.on()) inputs.progress = &meter;
  const ReplayStats stats = Replay(inputs, fixes, events, errors);
  events.flush();
  meter.Finish();
  if (fixes.bad()) {
    errors << "stayaway replay: read error in " << flags.fixes << '\n';
    errors << FormatSummary(stats) << '\n';
    return kExitUsage;
  }
  if (!events) {
    errors << "stayaway replay: cannot write events\n";
    errors << FormatSummary(stats) << '\n';
    return kExitUsage;
  }
  errors << FormatSummary(stats) << '\n';
  return stats.anything_rejected() ? kExitRejected : kExitOk;
}

}  // namespace stayaway::tools
