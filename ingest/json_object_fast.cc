#include "ingest/json_object_fast.h"

#include <charconv>
#include <cmath>
#include <string>
#include <system_error>

namespace stayaway::ingest {
namespace {

using google::protobuf::ListValue;
using google::protobuf::Struct;
using google::protobuf::Value;

constexpr int kMaxDepth = 32;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A recursive-descent reader that gives up (returns false) on anything outside the
// accepted shapes; the caller then hands the text to the JSON mapping.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  bool Document(Struct* out) {
    SkipSpace();
    if (!Object(out, 1)) return false;
    SkipSpace();
    return pos_ == text_.size();
  }

 private:
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Eat(char c) {
    if (Peek() != c || pos_ == text_.size()) return false;
    ++pos_;
    return true;
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool Word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Object(Struct* out, int depth) {
    if (depth > kMaxDepth || !Eat('{')) return false;
    SkipSpace();
    if (Eat('}')) return true;
    auto* fields = out->mutable_fields();
    std::string key;
    while (true) {
      SkipSpace();
      if (!String(&key)) return false;
      SkipSpace();
      if (!Eat(':')) return false;
      SkipSpace();
      // A repeated key: the mapping decides what that means.
      if (fields->find(key) != fields->end()) return false;
      if (!ValueOf(&(*fields)[key], depth)) return false;
      SkipSpace();
      if (Eat('}')) return true;
      if (!Eat(',')) return false;
    }
  }

  bool Array(ListValue* out, int depth) {
    if (depth > kMaxDepth || !Eat('[')) return false;
    SkipSpace();
    if (Eat(']')) return true;
    while (true) {
      SkipSpace();
      if (!ValueOf(out->add_values(), depth)) return false;
      SkipSpace();
      if (Eat(']')) return true;
      if (!Eat(',')) return false;
    }
  }

  bool ValueOf(Value* out, int depth) {
    switch (Peek()) {
      case '{':
        return Object(out->mutable_struct_value(), depth + 1);
      case '[':
        return Array(out->mutable_list_value(), depth + 1);
      case '"':
        return String(out->mutable_string_value());
      case 't':
        out->set_bool_value(true);
        return Word("true");
      case 'f':
        out->set_bool_value(false);
        return Word("false");
      case 'n':
        out->set_null_value(google::protobuf::NULL_VALUE);
        return Word("null");
      default:
        return Number(out);
    }
  }

  bool String(std::string* out) {
    if (!Eat('"')) return false;
    out->clear();
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c < 0x20 || c > 0x7e) return false;  // control bytes and non-ASCII: the mapping's
      if (c != '\\') {
        out->push_back(c);
        continue;
      }
      if (pos_ == text_.size()) return false;
      switch (text_[pos_++]) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        default:
          return false;  // \u and anything else
      }
    }
    return false;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, converted with correct rounding.
  bool Number(Value* out) {
    const size_t start = pos_;
    bool integral = true;
    Eat('-');
    if (Eat('0')) {
      if (IsDigit(Peek())) return false;
    } else {
      if (!IsDigit(Peek())) return false;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Eat('.')) {
      integral = false;
      if (!IsDigit(Peek())) return false;
      while (IsDigit(Peek())) ++pos_;
    }
    if (Peek() == 'e' || Peek() == 'E') {
      integral = false;
      ++pos_;
      if (Peek() == '+' || Peek() == '-') ++pos_;
      if (!IsDigit(Peek())) return false;
      while (IsDigit(Peek())) ++pos_;
    }
    double value = 0;
    const auto [end, error] = std::from_chars(text_.data() + start, text_.data() + pos_, value);
    if (error != std::errc() || end != text_.data() + pos_ || !std::isfinite(value)) return false;
    // The mapping reads an integer as one, so "-0" is the integer zero, not -0.0.
    out->set_number_value(integral && value == 0 ? 0.0 : value);
    return true;
  }

  std::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

bool ParseCommonJsonObject(std::string_view text, Struct* out) {
  out->Clear();
  return Reader(text).Document(out);
}

}  // namespace stayaway::ingest
