#include "journal/snapshot_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

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

Status WriteFileAtomically(const std::string& path, std::string_view bytes, mode_t mode) {
  const std::string temp = path + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return FailedPrecondition("cannot create " + temp + ": " + std::strerror(errno));
  // A temporary file left by a crash keeps its old mode through O_CREAT: set it.
  if (::fchmod(fd, mode) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    ::unlink(temp.c_str());
    return FailedPrecondition("cannot set the mode of " + temp + ": " + why);
  }
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
