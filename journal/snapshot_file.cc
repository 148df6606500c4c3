#include "journal/snapshot_file.h"

#include "journal/byte_codec.h"
#include "journal/journal.h"

namespace stayaway::journal {
namespace {

constexpr char kMagic[] = "SSD1";

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
  std::string bytes(kMagic, 4);
  PutInt(records, 8, &bytes);
  PutBytes(engine_bytes, &bytes);
  PutBytes(frontier_bytes, &bytes);
  PutMessages(events, &bytes);
  PutMessages(orders, &bytes);
  PutMessages(zones, &bytes);
  PutInt(Crc32c(bytes), 4, &bytes);
  return bytes;
}

StatusOr<SnapshotFile> SnapshotFile::Decode(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.substr(0, 4) != std::string_view(kMagic, 4)) {
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
  if (!r.ok || !r.in.empty()) return InvalidArgument("malformed snapshot");
  return out;
}

}  // namespace stayaway::journal
