// Identifiers a client chooses: the ids of orders, zones, persons and devices, the ids in
// request paths (alerts, credentials), credential names and device patterns, subscriber
// names. One rule for all of them, checked wherever such an id enters from outside (HTTP
// bodies, paths and queries, TCP frames, OsmAnd and Traccar requests, the CLI's input
// files); never when the journal is read back, so a history written before the rule
// still replays.
//
// The rule: 1 to kMaxIdentifierBytes (64) characters from A-Z a-z 0-9 . _ : -, the first
// a letter or a digit. Why this set:
//   - it covers what real ids look like: IMEIs and other numeric ids ("356938035643809"),
//     MAC-like ids ("00:1a:2b:3c:4d:5e"), Traccar unique ids and OsmAnd ids (digits or
//     short names), UUIDs (36 characters), case numbers ("KG-2025-0001"), and our own
//     alert ids (16 hex digits) and credential ids ("cred-" and 12 hex digits);
//   - every character is safe as it stands in an HTTP header value (Location), a URL
//     path segment, a Prometheus label, a log line, a JSON string and a file name: no
//     control characters (CR, LF, NUL), no space, quote, '/', '%', '?', '#', '\\' or '*'
//     ('*' ends a credential's device pattern);
//   - a letter or digit first keeps ids from being read as command-line options ("-x")
//     or hidden and relative path names (".", "..").
// 64 characters hold a UUID with a prefix; longer ids are almost always a mistake.
//
// Identifier is the checked form: holding one proves the rule was checked, so text built
// from it (a Location header) is safe by construction.
//
// Pure; thread-safe.
#ifndef STAYAWAY_BASE_IDENTIFIER_H_
#define STAYAWAY_BASE_IDENTIFIER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include "base/status.h"

namespace stayaway {

inline constexpr std::size_t kMaxIdentifierBytes = 64;

// One sentence stating the rule, for error messages and documentation.
inline constexpr std::string_view kIdentifierRule =
    "ids are 1 to 64 characters from A-Z a-z 0-9 . _ : - and start with a letter or digit";

// True when `text` follows the rule.
bool IsIdentifier(std::string_view text);

// Ok, or InvalidArgument naming `what` ("order id", "device") and the first problem:
//   device "tag\r\n1" is not a valid id: character 4 is a control character (0x0d); ids are ...
// The offending text is shown escaped (control and non-ASCII bytes as \xNN) and
// shortened, so the message itself is safe to log and to send back.
Status CheckIdentifier(std::string_view text, std::string_view what);

// `text` made printable for messages: at most 80 characters, each control, quote,
// backslash or non-ASCII byte as \xNN; longer text ends in "...".
std::string PrintableId(std::string_view text);

// An id that follows the rule.
class Identifier {
 public:
  // The checked id, or CheckIdentifier's error.
  static StatusOr<Identifier> Make(std::string_view text, std::string_view what);

  const std::string& str() const { return value_; }
  operator std::string_view() const { return value_; }  // NOLINT: implicit by design

  friend bool operator==(const Identifier&, const Identifier&) = default;

 private:
  explicit Identifier(std::string value) : value_(std::move(value)) {}
  std::string value_;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_IDENTIFIER_H_
