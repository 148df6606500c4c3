// FastJsonReader: a cursor over JSON text for the fast decoders (replay_line_fast.h,
// order_json_fast.h), with readers of the few token shapes they accept, each decoding
// exactly as Protobuf's JSON mapping would. Every method returns false for anything
// outside those shapes; the decoder then gives up and leaves the whole text to the
// mapping, which accepts or refuses it as it always did. So nothing here ever refuses
// or explains: false means "not sure", never "bad".
//
// Thread-compatible (one reader per text); the free functions are pure.
#ifndef STAYAWAY_INGEST_JSON_FAST_READER_H_
#define STAYAWAY_INGEST_JSON_FAST_READER_H_

#include <google/protobuf/timestamp.pb.h>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace stayaway::ingest {

class FastJsonReader {
 public:
  explicit FastJsonReader(std::string_view text) : text_(text) {}

  // Skips JSON whitespace (space, tab, LF, CR).
  void SkipSpace() {
    while (at_ < text_.size() &&
           (text_[at_] == ' ' || text_[at_] == '\t' || text_[at_] == '\n' || text_[at_] == '\r')) {
      ++at_;
    }
  }
  bool AtEnd() const { return at_ == text_.size(); }
  // After whitespace: consumes `c` when it is next.
  bool Eat(char c) {
    SkipSpace();
    if (at_ < text_.size() && text_[at_] == c) {
      ++at_;
      return true;
    }
    return false;
  }
  // After whitespace: the literal `word` (true, false, null), consumed.
  bool Literal(std::string_view word) {
    SkipSpace();
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  // Where the reader is (a byte offset into the text), and a jump back to such a place.
  std::size_t position() const { return at_; }
  void Seek(std::size_t position) { at_ = position; }
  // After whitespace: the next byte, without consuming it ('\0' at the end).
  char Peek() {
    SkipSpace();
    return at_ < text_.size() ? text_[at_] : '\0';
  }

  // Skips the object or array at the position (after whitespace) with everything nested
  // in it, strings and their escapes included, up to and past its closing bracket. False
  // when the text ends first or it nests deeper than max_depth (the value itself is
  // depth 1). Checks nothing else: what it skipped goes to a parser that does.
  bool SkipNested(int max_depth);

  // A string of printable ASCII with no escape: its contents, pointing into the text.
  bool String(std::string_view* out);

  // A JSON number token (RFC 8259 grammar); `integral` when it has no fraction or
  // exponent.
  bool Number(std::string_view* token, bool* integral);

 private:
  std::string_view text_;
  std::size_t at_ = 0;
};

// A double as the mapping decodes it. Integral tokens go through its integer path (exact
// up to 15 digits, and "-0" becomes +0 there); results that over- or underflow, and
// subnormals, are left to it.
bool ReadMappingDouble(FastJsonReader& reader, double* out);

// A JSON integer 0 .. 2^64-1 without sign, fraction or exponent.
bool ReadMappingUint64(FastJsonReader& reader, uint64_t* out);

// "YYYY-MM-DDTHH:MM:SS[.fff|.ffffff|.fffffffff]Z" with years 1900-2199, as a Timestamp.
bool ReadMappingTime(FastJsonReader& reader, google::protobuf::Timestamp* out);

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_JSON_FAST_READER_H_
