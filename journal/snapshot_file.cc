#include "journal/snapshot_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "journal/journal.h"

namespace stayaway::journal {
namespace {

constexpr char kMagic[] = "SSD1";

void PutU32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutU64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}
void PutBytes(std::string_view bytes, std::string* out) {
  PutU32(static_cast<uint32_t>(bytes.size()), out);
  out->append(bytes);
}

// Reads what PutU32/PutU64/PutBytes wrote; every read is bounds-checked.
struct Reader {
  std::string_view in;
  bool ok = true;
  uint64_t Int(int bytes) {
    if (in.size() < static_cast<size_t>(bytes)) {
      ok = false;
      return 0;
    }
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>(in[static_cast<size_t>(i)]);
    in.remove_prefix(static_cast<size_t>(bytes));
    return v;
  }
  std::string_view Bytes() {
    const uint64_t n = Int(4);
    if (!ok || in.size() < n) {
      ok = false;
      return {};
    }
    std::string_view out = in.substr(0, n);
    in.remove_prefix(n);
    return out;
  }
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
  PutU32(static_cast<uint32_t>(messages.size()), out);
  for (const Message& m : messages) PutBytes(m.SerializeAsString(), out);
}

}  // namespace

std::string SnapshotFile::Encode() const {
  std::string bytes(kMagic, 4);
  PutU64(records, &bytes);
  PutBytes(engine_bytes, &bytes);
  PutBytes(frontier_bytes, &bytes);
  PutMessages(events, &bytes);
  PutMessages(orders, &bytes);
  PutMessages(zones, &bytes);
  PutU32(Crc32c(bytes), &bytes);
  return bytes;
}

StatusOr<SnapshotFile> SnapshotFile::Decode(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.substr(0, 4) != std::string_view(kMagic, 4)) {
    return InvalidArgument("not a snapshot");
  }
  Reader crc{bytes.substr(bytes.size() - 4)};
  if (crc.Int(4) != Crc32c(bytes.substr(0, bytes.size() - 4))) {
    return InvalidArgument("snapshot checksum mismatch");
  }
  Reader r{bytes.substr(4, bytes.size() - 8)};
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

Status WriteFileAtomically(const std::string& path, std::string_view bytes) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
  if (fd < 0) return FailedPrecondition("cannot create " + temp + ": " + std::strerror(errno));
  size_t written = 0;
  bool ok = true;
  while (ok && written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fdatasync(fd) == 0;
  const std::string why = ok ? "" : std::strerror(errno);
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    return FailedPrecondition("cannot write " + path + ": " + (ok ? std::strerror(errno) : why));
  }
  const std::string dir = std::filesystem::path(path).parent_path().string();
  const int dir_fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return Status::Ok();
}

StatusOr<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot read " + path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace stayaway::journal
