#include "journal/snapshot_file.h"

#include "base/crc32c.h"
#include "journal/byte_codec.h"
#include "journal/journal.h"

namespace stayaway::journal {
namespace {

// SSD2 adds the devices board after the zones; SSD1 files (written before it) still load,
// with an empty board.
constexpr char kMagic[] = "SSD2";
constexpr char kMagicWithoutBoard[] = "SSD1";

// The reader, with messages: a u32 count, then each as PutBytes of its serialization.
struct Reader : ByteReader {
  template <typename Message>
  void Messages(std::vector<Message>* out) {
    const uint64_t count = Int(4);
    for (uint64_t i = 0; ok && i < count; ++i) {
      const std::string_view bytes = Bytes();
      if (!ok || !out->emplace_back().ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
        ok = false;
      }
    }
  }
};

template <typename Message>
void PutMessages(const std::vector<Message>& messages, std::string* out) {
  PutInt(messages.size(), 4, out);
  for (const Message& m : messages) PutBytes(m.SerializeAsString(), out);
}

}  // namespace

std::string SnapshotFile::Encode() const {
  std::string bytes(with_board ? kMagic : kMagicWithoutBoard, 4);
  PutInt(records, 8, &bytes);
  PutBytes(engine_bytes, &bytes);
  PutBytes(frontier_bytes, &bytes);
  PutInt(events.size(), 4, &bytes);
  for (const std::string& record : events) PutBytes(record, &bytes);
  PutMessages(orders, &bytes);
  PutMessages(zones, &bytes);
  if (with_board) PutMessages(devices, &bytes);
  PutInt(Crc32c(bytes), 4, &bytes);
  return bytes;
}

StatusOr<SnapshotFile> SnapshotFile::Decode(std::string_view bytes) {
  if (bytes.size() < 8) return InvalidArgument("not a snapshot");
  const bool with_board = bytes.substr(0, 4) == std::string_view(kMagic, 4);
  if (!with_board && bytes.substr(0, 4) != std::string_view(kMagicWithoutBoard, 4)) {
    return InvalidArgument("not a snapshot");
  }
  ByteReader crc{bytes.substr(bytes.size() - 4)};
  if (crc.Int(4) != Crc32c(bytes.substr(0, bytes.size() - 4))) {
    return InvalidArgument("snapshot checksum mismatch");
  }
  Reader r;
  r.in = bytes.substr(4, bytes.size() - 8);
  SnapshotFile out;
  out.records = r.Int(8);
  out.engine_bytes = std::string(r.Bytes());
  out.frontier_bytes = std::string(r.Bytes());
  const uint64_t event_count = r.Int(4);
  for (uint64_t i = 0; r.ok && i < event_count; ++i) out.events.emplace_back(r.Bytes());
  r.Messages(&out.orders);
  r.Messages(&out.zones);
  out.with_board = with_board;
  if (with_board) r.Messages(&out.devices);
  if (!r.ok || !r.in.empty()) return InvalidArgument("malformed snapshot");
  return out;
}

}  // namespace stayaway::journal
