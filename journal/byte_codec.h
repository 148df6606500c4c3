// Little-endian integers and length-prefixed byte strings, for stayawayd's own binary files
// (snapshot_file.h, evidence/retention_base.h). ByteReader checks every read against what
// is left and turns `ok` false instead of reading past the end, so damaged files are
// refused, never overrun. Header-only; thread-compatible.
#ifndef STAYAWAY_JOURNAL_BYTE_CODEC_H_
#define STAYAWAY_JOURNAL_BYTE_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace stayaway::journal {

inline void PutInt(uint64_t value, int bytes, std::string* out) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// A u32 length, then the bytes.
inline void PutBytes(std::string_view bytes, std::string* out) {
  PutInt(bytes.size(), 4, out);
  out->append(bytes);
}

struct ByteReader {
  std::string_view in;
  bool ok = true;

  uint64_t Int(int bytes) {
    if (in.size() < static_cast<size_t>(bytes)) {
      ok = false;
      return 0;
    }
    uint64_t value = 0;
    for (int i = bytes - 1; i >= 0; --i) {
      value = (value << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    }
    in.remove_prefix(static_cast<size_t>(bytes));
    return value;
  }
  std::string_view Take(uint64_t n) {
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string_view out = in.substr(0, n);
    in.remove_prefix(n);
    return out;
  }
  std::string_view Bytes() { return Take(Int(4)); }
};

}  // namespace stayaway::journal

#endif  // STAYAWAY_JOURNAL_BYTE_CODEC_H_
