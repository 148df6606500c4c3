#include "journal/journal.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

#include "base/crc32c.h"
#include "base/file_io.h"
#include "base/private_files.h"
#include "proto/stayaway.pb.h"

namespace stayaway::journal {
namespace {

namespace fs = std::filesystem;

constexpr size_t kHeaderBytes = 8;

uint32_t Load32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void Store32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

std::string SegmentName(uint32_t number) {
  char name[32];
  std::snprintf(name, sizeof name, "journal-%06u.log", number);
  return name;
}

}  // namespace

std::vector<uint32_t> ListSegments(const std::string& dir) {
  std::vector<uint32_t> out;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    unsigned number = 0;
    if (name.size() == 18 && std::sscanf(name.c_str(), "journal-%6u.log", &number) == 1) {
      out.push_back(number);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

namespace {
void SyncDirectory(const std::string& dir) {
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
}
}  // namespace

StatusOr<uint64_t> DeleteSegmentsBefore(const std::string& dir, uint32_t first_kept) {
  uint64_t freed = 0;
  for (uint32_t number : ListSegments(dir)) {
    if (number >= first_kept) break;
    const fs::path path = fs::path(dir) / SegmentName(number);
    std::error_code ec;
    const uint64_t bytes = fs::file_size(path, ec);
    if (!fs::remove(path, ec) || ec) {
      return FailedPrecondition("cannot delete " + path.string() + ": " + ec.message());
    }
    freed += bytes;
  }
  SyncDirectory(dir);
  return freed;
}

StatusOr<ReadReport> ReadAll(const std::string& dir, bool salvage,
                             const std::function<void(const v1::Input&)>& on_input,
                             ReadMode mode) {
  ReadOptions options;
  options.salvage = salvage;
  options.mode = mode;
  return ReadAll(dir, options, on_input);
}

StatusOr<ReadReport> ReadAll(const std::string& dir, const ReadOptions& options,
                             const std::function<void(const v1::Input&)>& on_input) {
  return ReadAllRecords(dir, options,
                        [&](const v1::Input& input, std::string_view) { on_input(input); });
}

StatusOr<ReadReport> ReadAllRecords(
    const std::string& dir, const ReadOptions& options,
    const std::function<void(const v1::Input&, std::string_view payload)>& on_input) {
  const bool salvage = options.salvage;
  const ReadMode mode = options.mode;
  ReadReport report;
  std::vector<uint32_t> segments = ListSegments(dir);
  std::erase_if(segments, [&](uint32_t n) { return n < options.first_segment; });
  const bool stops_early = !segments.empty() && segments.back() >= options.end_segment;
  std::erase_if(segments, [&](uint32_t n) { return n >= options.end_segment; });
  if (!segments.empty() && segments.front() != options.first_segment) {
    return FailedPrecondition("journal segment " + SegmentName(options.first_segment) + " in " +
                              dir + " is missing: the journal starts at " +
                              SegmentName(segments.front()));
  }
  for (size_t s = 0; s < segments.size(); ++s) {
    const bool last = s + 1 == segments.size() && !stops_early;
    if (options.on_segment) options.on_segment(segments[s], report.records);
    const std::string path = (fs::path(dir) / SegmentName(segments[s])).string();
    StatusOr<std::string> read = ReadWholeFile(path);
    if (!read.ok()) {
      std::error_code ec;
      if (!fs::exists(path, ec)) {
        // Listed, then gone: a retention run deleted it meanwhile (readers of a live
        // journal match "is missing" and read again from the new base).
        return FailedPrecondition("journal segment " + SegmentName(segments[s]) + " in " + dir +
                                  " is missing: deleted while the journal was read");
      }
      return FailedPrecondition("journal segment unreadable: " + read.status().message());
    }
    const std::string bytes = std::move(read).value();
    size_t offset = 0;
    while (offset < bytes.size()) {
      if (options.cancel != nullptr && options.cancel->load(std::memory_order_relaxed)) {
        return FailedPrecondition("reading " + dir + " was cancelled");
      }
      std::string problem;
      const size_t left = bytes.size() - offset;
      uint32_t length = 0;
      if (left < kHeaderBytes) {
        problem = "a record header cut short";
      } else {
        length = Load32(bytes.data() + offset);
        if (length > kMaxRecordBytes) {
          problem = "an impossible record length " + std::to_string(length);
        } else if (left - kHeaderBytes < length) {
          problem = "a record cut short";
        } else {
          const std::string_view payload(bytes.data() + offset + kHeaderBytes, length);
          v1::Input input;
          if (Crc32c(payload) != Load32(bytes.data() + offset + 4)) {
            problem = "a checksum mismatch";
          } else if (report.records < options.check_only_records) {
            ++report.records;
            offset += kHeaderBytes + length;
            continue;
          } else if (!input.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
            problem = "a record that is not an input";
          } else {
            on_input(input, payload);
            ++report.records;
            offset += kHeaderBytes + length;
            continue;
          }
        }
      }
      const std::string where = path + " at offset " + std::to_string(offset);
      // Damage at the very end of the newest segment is what a crash mid-write leaves.
      const bool torn_tail = last && (problem.find("cut short") != std::string::npos ||
                                      offset + kHeaderBytes + length >= bytes.size());
      if (torn_tail && mode == ReadMode::kReadOnly) {
        report.warnings += "stopped at an incomplete record (" + problem + ") at " + where + "; ";
        break;
      }
      if (torn_tail) {
        if (::truncate(path.c_str(), static_cast<off_t>(offset)) != 0) {
          return FailedPrecondition("cannot truncate the torn tail of " + where + ": " +
                                    std::strerror(errno));
        }
        report.truncated_bytes = bytes.size() - offset;
        report.warnings += "truncated a torn record (" + problem + ") at " + where + "; ";
        break;
      }
      if (!salvage) {
        return FailedPrecondition("journal damaged: " + problem + " in " + where +
                                  " (start with --salvage to skip the rest of that segment)");
      }
      report.warnings += "salvage: skipped the rest of " + where + " after " + problem + "; ";
      break;
    }
  }
  return report;
}

JournalWriter::~JournalWriter() {
  if (fd_ >= 0) {
    Sync();
    ::close(fd_);
  }
}

Status JournalWriter::Open(const std::string& dir, bool fsync, uint64_t segment_bytes) {
  dir_ = dir;
  fsync_ = fsync;
  segment_limit_ = segment_bytes;
  if (Status s = MakePrivateDirectories(dir); !s.ok()) return s;
  const std::vector<uint32_t> segments = ListSegments(dir);
  segment_number_ = segments.empty() ? 0 : segments.back() - 1;
  if (segments.empty()) return Roll();
  segment_number_ = segments.back();
  const std::string path = (fs::path(dir) / SegmentName(segment_number_)).string();
  StatusOr<int> fd = OpenPrivateFile(path, O_APPEND);
  if (!fd.ok()) return fd.status();
  fd_ = *fd;
  std::error_code ec;
  segment_bytes_ = fs::file_size(path, ec);
  return Status::Ok();
}

Status JournalWriter::Roll() {
  if (fd_ >= 0) ::close(fd_);
  ++segment_number_;
  const std::string path = (fs::path(dir_) / SegmentName(segment_number_)).string();
  StatusOr<int> fd = OpenPrivateFile(path, O_APPEND);
  if (!fd.ok()) {
    fd_ = -1;
    --segment_number_;  // the next roll tries the same name: no gap in the numbers
    return fd.status();
  }
  fd_ = *fd;
  segment_bytes_ = 0;
  SyncDirectory(dir_);  // the new file's name must survive a crash too
  return Status::Ok();
}

void JournalWriter::Append(const v1::Input& input) { AppendSerialized(input.SerializeAsString()); }

void JournalWriter::AppendSerialized(std::string_view payload) {
  Store32(static_cast<uint32_t>(payload.size()), &buffer_);
  Store32(Crc32c(payload), &buffer_);
  buffer_ += payload;
  ++records_;
}

Status JournalWriter::Sync() {
  if (buffer_.empty()) return Status::Ok();
  // A segment that failed to open is tried again before anything is written.
  if (fd_ < 0 || (segment_bytes_ > 0 && segment_bytes_ + buffer_.size() > segment_limit_)) {
    if (Status s = Roll(); !s.ok()) {
      buffer_.clear();  // refused: none of the batch may reach the journal later
      return s;
    }
  }
  // On any failure the batch is refused, so none of it may stay in the journal either:
  // a replay must apply exactly what the live engine applied.
  auto fail = [&](const std::string& what) {
    const std::string why = what + ": " + std::strerror(errno);
    if (::ftruncate(fd_, static_cast<off_t>(segment_bytes_)) != 0) {
      // Left for the reader: a torn tail is truncated at the next start.
    }
    buffer_.clear();
    return FailedPrecondition(why);
  };
  size_t written = 0;
  while (written < buffer_.size()) {
    const ssize_t n = ::write(fd_, buffer_.data() + written, buffer_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("journal write failed");
    written += static_cast<size_t>(n);
  }
  if (fsync_ && ::fdatasync(fd_) != 0) return fail("journal fdatasync failed");
  segment_bytes_ += buffer_.size();
  buffer_.clear();
  return Status::Ok();
}

}  // namespace stayaway::journal
