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

template <typename PutEvents>
std::string SnapshotFile::EncodeWith(const PutEvents& put_events) const {
  std::string bytes(with_board ? kMagic : kMagicWithoutBoard, 4);
  PutInt(records, 8, &bytes);
  PutBytes(engine_bytes, &bytes);
  PutBytes(frontier_bytes, &bytes);
  put_events(&bytes);
  PutMessages(orders, &bytes);
  PutMessages(zones, &bytes);
  if (with_board) PutMessages(devices, &bytes);
  PutInt(Crc32c(bytes), 4, &bytes);
  return bytes;
}

std::string SnapshotFile::Encode() const {
  return EncodeWith([this](std::string* out) { PutMessages(events, out); });
}

std::string SnapshotFile::EncodeWithEventRecords(
    std::span<const std::string_view> event_records) const {
  return EncodeWith([event_records](std::string* out) {
    PutInt(event_records.size(), 4, out);
    for (std::string_view record : event_records) PutBytes(record, out);
  });
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
  r.Messages(&out.events);
  r.Messages(&out.orders);
  r.Messages(&out.zones);
  out.with_board = with_board;
  if (with_board) r.Messages(&out.devices);
  if (!r.ok || !r.in.empty()) return InvalidArgument("malformed snapshot");
  return out;
}

}  // namespace stayaway::journal
