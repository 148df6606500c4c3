#include "ingest/json_codec.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "ingest/event_json_writer.h"
#include "ingest/id_checks.h"
#include "ingest/json_fast_reader.h"
#include "ingest/order_json_fast.h"
#include "ingest/replay_line_fast.h"

namespace stayaway::ingest {
namespace {

namespace pbutil = google::protobuf::util;

bool IsJsonSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// What a byte scan learns about a JSON text without building anything.
struct JsonShape {
  char first = '\0';                // first non-whitespace byte; '\0' for blank text
  bool has_top_level_tick = false;  // the top-level object has a key spelled "tick"
  bool text_after_value = false;    // more than whitespace after the top-level value
};

// Protobuf's JSON parser recurses per nesting level (and slows to a crawl on very deep
// arrays), so the nesting depth is checked here first, in one pass with no recursion.
// Strings are skipped with their escapes; anything else malformed is left to Protobuf.
Status ScanJson(std::string_view text, int max_depth, JsonShape* shape) {
  int depth = 0;
  bool top_is_object = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      const std::size_t start = i + 1;
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\') ++i;
      }
      if (i >= text.size()) break;  // unterminated string: Protobuf reports it
      if (depth == 1 && top_is_object && text.substr(start, i - start) == "tick") {
        std::size_t j = i + 1;
        while (j < text.size() && IsJsonSpace(text[j])) ++j;
        if (j < text.size() && text[j] == ':') shape->has_top_level_tick = true;
      }
    } else if (c == '{' || c == '[') {
      if (depth == 0 && shape->first == '\0') top_is_object = c == '{';
      if (++depth > max_depth) {
        return InvalidArgument("JSON is nested deeper than " + std::to_string(max_depth) +
                               " levels");
      }
    } else if (c == '}' || c == ']') {
      if (depth > 0 && --depth == 0) {
        for (std::size_t j = i + 1; j < text.size(); ++j) {
          if (!IsJsonSpace(text[j])) shape->text_after_value = true;
        }
        break;  // Protobuf reports what follows; the scan has seen every level
      }
    }
    if (shape->first == '\0' && !IsJsonSpace(c)) shape->first = c;
  }
  return Status::Ok();
}

// Protobuf's messages name a field as "(path) name: Cannot find field." or
// "(path): invalid value ...", and syntax errors add a second line quoting the text and
// a third with a caret. Rewritten here as one line: "orders[1].zones[0]: unknown field
// \"bogus\"", "lat: invalid value ...", "Unexpected end of string ... (near: ...)".
std::string CleanProtobufMessage(std::string_view raw) {
  std::string_view first = raw;
  std::string_view context;
  if (const auto nl = raw.find('\n'); nl != std::string_view::npos) {
    first = raw.substr(0, nl);
    std::string_view rest = raw.substr(nl + 1);
    context = rest.substr(0, rest.find('\n'));
    while (!context.empty() && IsJsonSpace(context.front())) context.remove_prefix(1);
    while (!context.empty() && IsJsonSpace(context.back())) context.remove_suffix(1);
  }

  std::string path;
  if (first.size() > 1 && first.front() == '(') {
    if (const auto close = first.find(')'); close != std::string_view::npos) {
      path = std::string(first.substr(1, close - 1));
      first.remove_prefix(close + 1);
      while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
      if (!first.empty() && first.front() == ':') first.remove_prefix(1);
      while (!first.empty() && first.front() == ' ') first.remove_prefix(1);
    }
  }

  std::string out;
  constexpr std::string_view kUnknown = ": Cannot find field.";
  constexpr std::string_view kBadTime = "Invalid time format: ";
  constexpr std::string_view kBadTimeEnd =
      " for type type.googleapis.com/google.protobuf.Timestamp";
  if (const auto at = first.find(kBadTime);
      at != std::string_view::npos && first.ends_with(kBadTimeEnd)) {
    // "invalid value Field 'time', Invalid time format: x for type ...Timestamp"
    const std::string_view value = first.substr(
        at + kBadTime.size(), first.size() - kBadTimeEnd.size() - at - kBadTime.size());
    out = path.empty() ? "" : path + ": ";
    out += "invalid time \"" + std::string(value) +
           "\", expected RFC 3339 such as 2025-03-01T10:00:00Z";
  } else if (first.size() > kUnknown.size() && first.ends_with(kUnknown)) {
    const std::string_view name = first.substr(0, first.size() - kUnknown.size());
    out = path.empty() ? "" : path + ": ";
    out += "unknown field \"" + std::string(name) + "\"";
  } else {
    out = path.empty() ? std::string(first) : path + ": " + std::string(first);
  }
  // "for type type.googleapis.com/google.protobuf.Timestamp" -> "... google.protobuf..."
  constexpr std::string_view kTypeUrl = "type.googleapis.com/";
  for (auto at = out.find(kTypeUrl); at != std::string::npos; at = out.find(kTypeUrl)) {
    out.erase(at, kTypeUrl.size());
  }
  if (!context.empty()) out += " (near: " + std::string(context) + ")";
  return out;
}

pbutil::JsonParseOptions StrictParseOptions() {
  pbutil::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  return options;
}

// Parses `text` into `out`, prefixing any error with `what` ("fix", "orders").
Status ParseMessage(std::string_view text, google::protobuf::Message* out, std::string_view what) {
  const auto status = pbutil::JsonStringToMessage(
      google::protobuf::StringPiece(text.data(), text.size()), out, StrictParseOptions());
  if (status.ok()) return Status::Ok();
  std::string message =
      CleanProtobufMessage(std::string_view(status.message().data(), status.message().size()));
  // "tick: invalid time ..." already says what it is about.
  if (!message.starts_with(std::string(what) + ":")) message = std::string(what) + ": " + message;
  return InvalidArgument(std::move(message));
}

// A JSON array of messages, parsed as the list message {"<field>": <text>}.
template <typename List>
Status ParseArrayDocument(std::string_view text, std::string_view field, List* list) {
  JsonShape shape;
  if (Status s = ScanJson(text, kMaxDocumentDepth - 1, &shape); !s.ok()) {
    return InvalidArgument(std::string(field) + ": " + s.message());
  }
  if (shape.first != '[') {
    // Protobuf would accept one object as a one-element list; the file format says array.
    return InvalidArgument(
        std::string(field) + ": expected a JSON array of " + std::string(field) + ", found " +
        (shape.first == '\0' ? std::string("nothing") : "'" + std::string(1, shape.first) + "'"));
  }
  if (shape.text_after_value) {
    // Refused here because the text is spliced into a wrapper object below.
    return InvalidArgument(std::string(field) + ": unexpected text after the array");
  }
  std::string wrapped;
  wrapped.reserve(text.size() + field.size() + 6);
  wrapped += "{\"";
  wrapped += field;
  wrapped += "\":";
  wrapped += text;
  wrapped += "}";
  // Errors already name the path ("orders[1].zones[0]"), so no extra prefix.
  const auto status = pbutil::JsonStringToMessage(wrapped, list, StrictParseOptions());
  if (status.ok()) return Status::Ok();
  return InvalidArgument(
      CleanProtobufMessage(std::string_view(status.message().data(), status.message().size())));
}

// An orders document the quick way, in one pass: each element of a common shape decoded
// by order_json_fast.h, any other skipped over and decoded by the mapping on its own (an
// element decodes alike inside the list and alone). The array's own punctuation is
// checked here. False when anything is off (the punctuation, an element, an element
// nested deeper than the whole document's limit allows): the caller then takes the whole
// document's answer from the mapping, so that every refusal keeps its message and its
// path ("orders[3].zones[0]").
bool ParseOrdersQuickly(std::string_view text, std::vector<v1::Order>* out) {
  // The array is one level of the document's kMaxDocumentDepth - 1 (ScanJson's bound on
  // the mapping's route), and one more is kept in hand.
  constexpr int kMaxElementDepth = kMaxDocumentDepth - 3;
  FastJsonReader reader(text);
  if (!reader.Eat('[')) return false;
  if (!reader.Eat(']')) {
    do {
      // A null or a scalar is left to the whole document's parse, which says what it is.
      if (reader.Peek() != '{') return false;
      const std::size_t start = reader.position();
      v1::Order& order = out->emplace_back();
      if (ReadCommonOrder(reader, &order)) continue;
      order.Clear();
      reader.Seek(start);
      if (!reader.SkipNested(kMaxElementDepth)) return false;
      const std::string_view element = text.substr(start, reader.position() - start);
      const auto status =
          pbutil::JsonStringToMessage(google::protobuf::StringPiece(element.data(), element.size()),
                                      &order, StrictParseOptions());
      if (!status.ok()) return false;
    } while (reader.Eat(','));
    if (!reader.Eat(']')) return false;
  }
  reader.SkipSpace();
  return reader.AtEnd();
}

// The orders' ids are checked whichever way they were decoded.
Status CheckOrdersIds(const std::vector<v1::Order>& orders) {
  for (std::size_t i = 0; i < orders.size(); ++i) {
    const std::string path = "orders[" + std::to_string(i) + "]";
    if (Status s = CheckOrderIds(orders[i], path); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace

namespace {

// The checks and defaults every decoded line gets, whichever decoder read it.
Status Complete(v1::Input* input) {
  if (input->has_tick()) {
    if (!input->tick().has_tick()) return InvalidArgument("tick has no time");
    return Status::Ok();
  }
  v1::Fix* fix = input->mutable_fix();
  if (!fix->has_time()) return InvalidArgument("fix has no time");
  if (Status s = CheckFixIds(*fix); !s.ok()) return InvalidArgument("fix: " + s.message());
  if (!fix->has_received()) *fix->mutable_received() = fix->time();
  return Status::Ok();
}

StatusOr<v1::Input> Completed(v1::Input input) {
  if (Status s = Complete(&input); !s.ok()) return s;
  return input;
}

}  // namespace

Status ParseReplayLineInto(std::string_view line, v1::Input* out) {
  if (line.size() <= kMaxReplayLineBytes) {
    // Cleared in place: a fix keeps its strings' storage and its times for the next line
    // (clearing the Input would free the fix, the member of a oneof; Fix.time and
    // Fix.received are `optional` so that clearing the fix keeps them).
    if (out->has_fix()) {
      out->mutable_fix()->Clear();
    } else {
      out->Clear();
    }
    if (ParseCommonReplayLine(line, out)) return Complete(out);
  }
  StatusOr<v1::Input> parsed = ParseReplayLineByJsonMapping(line);
  if (!parsed.ok()) return parsed.status();
  *out = std::move(parsed).value();
  return Status::Ok();
}

StatusOr<v1::Input> ParseReplayLine(std::string_view line) {
  v1::Input input;
  if (Status s = ParseReplayLineInto(line, &input); !s.ok()) return s;
  return input;
}

StatusOr<v1::Input> ParseReplayLineByJsonMapping(std::string_view line) {
  if (line.size() > kMaxReplayLineBytes) {
    return InvalidArgument("line is " + std::to_string(line.size()) +
                           " bytes, more than the limit of " + std::to_string(kMaxReplayLineBytes));
  }
  JsonShape shape;
  if (Status s = ScanJson(line, kMaxReplayLineDepth, &shape); !s.ok()) return s;
  if (shape.first != '{') {
    return InvalidArgument(shape.first == '\0' ? "empty line, expected a JSON object"
                                               : "expected a JSON object (a fix or a tick)");
  }

  v1::Input input;
  if (shape.has_top_level_tick) {
    if (Status s = ParseMessage(line, input.mutable_tick(), "tick"); !s.ok()) return s;
  } else {
    if (Status s = ParseMessage(line, input.mutable_fix(), "fix"); !s.ok()) return s;
  }
  return Completed(std::move(input));
}

StatusOr<std::vector<v1::Order>> ParseOrdersJson(std::string_view text) {
  std::vector<v1::Order> orders;
  if (!ParseOrdersQuickly(text, &orders)) return ParseOrdersJsonByJsonMapping(text);
  if (Status s = CheckOrdersIds(orders); !s.ok()) return s;
  return orders;
}

StatusOr<std::vector<v1::Order>> ParseOrdersJsonByJsonMapping(std::string_view text) {
  v1::OrderList list;
  if (Status s = ParseArrayDocument(text, "orders", &list); !s.ok()) return s;
  std::vector<v1::Order> orders(std::make_move_iterator(list.mutable_orders()->begin()),
                                std::make_move_iterator(list.mutable_orders()->end()));
  if (Status s = CheckOrdersIds(orders); !s.ok()) return s;
  return orders;
}

StatusOr<std::vector<v1::Zone>> ParseZonesJson(std::string_view text) {
  v1::ZoneList list;
  if (Status s = ParseArrayDocument(text, "zones", &list); !s.ok()) return s;
  for (int i = 0; i < list.zones_size(); ++i) {
    const std::string path = "zones[" + std::to_string(i) + "]";
    if (Status s = CheckZoneIds(list.zones(i), path); !s.ok()) return s;
  }
  return std::vector<v1::Zone>(std::make_move_iterator(list.mutable_zones()->begin()),
                               std::make_move_iterator(list.mutable_zones()->end()));
}

StatusOr<v1::EngineConfig> ParseEngineConfigJson(std::string_view text) {
  JsonShape shape;
  if (Status s = ScanJson(text, kMaxDocumentDepth, &shape); !s.ok()) {
    return InvalidArgument("config: " + s.message());
  }
  if (shape.first != '{') return InvalidArgument("config: expected a JSON object");
  v1::EngineConfig config;
  if (Status s = ParseMessage(text, &config, "config"); !s.ok()) return s;
  return config;
}

std::string EventToJson(const v1::Event& event) {
  if (event.redacted() || event.supervised().withheld() || event.protected_().withheld()) {
    return RedactedToJson(event);
  }
  // The bytes of Protobuf 3.21's printer with always_print_primitive_fields (unset
  // non-optional scalars printed, "late": false; unset proto3 `optional` fields left out),
  // written without it (event_json_writer.h, proved equal by its oracle test).
  return WriteEventJson(event);
}

std::string RedactedToJson(const google::protobuf::Message& message) {
  pbutil::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_primitive_fields = false;
  options.preserve_proto_field_names = true;
  std::string out;
  if (!pbutil::MessageToJsonString(message, &out, options).ok()) {
    // Only a Timestamp out of RFC 3339's range fails; one valid line still says so.
    return "{\"encoding_error\":true}";
  }
  return out;
}

}  // namespace stayaway::ingest
