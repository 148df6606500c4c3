// The leaves of stayaway's Merkle log: what exactly is hashed for each journal record and
// each event, so a court's own tool can recompute them. In journal order, every accepted
// input contributes one leaf, immediately followed by one leaf per event the engine emitted
// while applying it:
//
//   input leaf data = 0x49 ('I') || deterministic serialization of the v1::Input
//   event leaf data = 0x45 ('E') || deterministic serialization of the v1::EventRecord
//
// (The tree then hashes each leaf's data as SHA-256(0x00 || data), RFC 6962.) Because the
// engine is deterministic, the whole tree is rebuilt from the journal by replaying it.
// Pure functions, thread-safe; FixLeafBatch is thread-compatible.
#ifndef STAYAWAY_EVIDENCE_LEAVES_H_
#define STAYAWAY_EVIDENCE_LEAVES_H_

#include <string>
#include <string_view>
#include <vector>

namespace google::protobuf {
class MessageLite;
}
namespace stayaway::v1 {
class EventRecord;
class Fix;
class Input;
}  // namespace stayaway::v1

namespace stayaway::evidence {

std::string InputLeafData(const v1::Input& input);
// The hot path's shortcut for a fix: InputLeafData(Input{fix}), made without copying the
// fix into an Input. After its first byte ("I") it is the serialized Input, exactly
// DeterministicBytes(Input{fix}) (a fix has no map fields): the journal record.
std::string FixLeafData(const v1::Fix& fix);
// FixLeafData appended to `out`, which keeps its capacity: no allocation once it has grown.
void AppendFixLeafData(const v1::Fix& fix, std::string* out);

// The leaf data of a batch of fixes (the daemon's FixesWork) in one buffer, so a batch
// costs a couple of allocations rather than one per fix. Thread-compatible.
class FixLeafBatch {
 public:
  void Reserve(size_t fixes, size_t bytes_per_fix = 96) {
    ends_.reserve(fixes);
    bytes_.reserve(fixes * bytes_per_fix);
  }
  void Clear() {
    bytes_.clear();
    ends_.clear();
  }
  void Add(const v1::Fix& fix) {
    AppendFixLeafData(fix, &bytes_);
    ends_.push_back(bytes_.size());
  }
  size_t size() const { return ends_.size(); }
  // The leaf data of the i-th fix added; valid until the next Add or Clear.
  std::string_view operator[](size_t i) const {
    const size_t begin = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(begin, ends_[i] - begin);
  }

 private:
  std::string bytes_;
  std::vector<size_t> ends_;
};

// "I" + serialized Input bytes: InputLeafData of the Input those bytes hold.
std::string InputLeafDataFromBytes(std::string_view input_bytes);
// "E" + the record's deterministic bytes: what follows the first kLeafPrefixBytes bytes
// parses as the record.
std::string EventLeafData(const v1::EventRecord& record);
inline constexpr size_t kLeafPrefixBytes = 1;
// Deterministic serialization (stable field order, map entries sorted) of any message.
std::string DeterministicBytes(const google::protobuf::MessageLite& message);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_LEAVES_H_
