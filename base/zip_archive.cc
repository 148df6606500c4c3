#include "base/zip_archive.h"

#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <limits>

namespace stayaway {
namespace {

constexpr uint32_t kLocalHeader = 0x04034b50;
constexpr uint32_t kCentralHeader = 0x02014b50;
constexpr uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr uint16_t kVersion = 20;  // 2.0: deflate
constexpr uint16_t kStored = 0;
constexpr uint16_t kDeflated = 8;
constexpr uint16_t kDosDate1980 = (0 << 9) | (1 << 5) | 1;  // 1980-01-01
constexpr std::size_t kLocalHeaderBytes = 30;
constexpr std::size_t kCentralHeaderBytes = 46;
constexpr std::size_t kEndBytes = 22;

void Put16(std::string* out, uint16_t v) {
  out->push_back(static_cast<char>(v & 0xff));
  out->push_back(static_cast<char>(v >> 8));
}
void Put32(std::string* out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v & 0xffff));
  Put16(out, static_cast<uint16_t>(v >> 16));
}
uint16_t Get16(std::string_view s, std::size_t at) {
  return static_cast<uint16_t>(static_cast<unsigned char>(s[at]) |
                               (static_cast<unsigned char>(s[at + 1]) << 8));
}
uint32_t Get32(std::string_view s, std::size_t at) {
  return static_cast<uint32_t>(Get16(s, at)) | (static_cast<uint32_t>(Get16(s, at + 2)) << 16);
}

uint32_t Crc32(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes lengths as uInt: feed large inputs in pieces.
  for (std::size_t at = 0; at < bytes.size();) {
    const uInt n = static_cast<uInt>(std::min<std::size_t>(bytes.size() - at, 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), n);
    at += n;
  }
  return static_cast<uint32_t>(crc);
}

// Raw deflate (no zlib header), as ZIP's method 8 wants; nullopt-like empty on failure.
bool Deflate(std::string_view in, std::string* out) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return false;
  }
  out->resize(deflateBound(&z, static_cast<uLong>(in.size())));
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int result = deflate(&z, Z_FINISH);
  out->resize(z.total_out);
  deflateEnd(&z);
  return result == Z_STREAM_END;
}

bool Inflate(std::string_view in, std::size_t size, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, -15) != Z_OK) return false;
  out->assign(size, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(out->size());
  const int result = inflate(&z, Z_FINISH);
  const bool whole = result == Z_STREAM_END && z.total_out == size;
  inflateEnd(&z);
  return whole;
}

}  // namespace

bool IsPlainFileName(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

StatusOr<std::string> WriteZip(const std::map<std::string, std::string>& files) {
  if (files.size() > std::numeric_limits<uint16_t>::max()) {
    return InvalidArgument("more than 65,535 files for one archive");
  }
  std::string archive, central;
  for (const auto& entry : files) {  // std::map: name order
    const std::string& name = entry.first;  // (not a structured binding: the lambda uses it)
    const std::string& contents = entry.second;
    if (!IsPlainFileName(name)) return InvalidArgument("\"" + name + "\" is not a plain file name");
    if (contents.size() > std::numeric_limits<uint32_t>::max() ||
        archive.size() > std::numeric_limits<uint32_t>::max()) {
      return InvalidArgument("an archive over 4 GiB");
    }
    std::string deflated;
    const bool deflate = Deflate(contents, &deflated) && deflated.size() < contents.size();
    const std::string_view data = deflate ? std::string_view(deflated) : contents;
    const uint32_t crc = Crc32(contents);
    const auto offset = static_cast<uint32_t>(archive.size());
    auto header = [&](std::string* out, bool local) {
      Put32(out, local ? kLocalHeader : kCentralHeader);
      if (!local) Put16(out, kVersion);  // made by
      Put16(out, kVersion);              // needed
      Put16(out, 0);                     // flags
      Put16(out, deflate ? kDeflated : kStored);
      Put16(out, 0);  // time 00:00
      Put16(out, kDosDate1980);
      Put32(out, crc);
      Put32(out, static_cast<uint32_t>(data.size()));
      Put32(out, static_cast<uint32_t>(contents.size()));
      Put16(out, static_cast<uint16_t>(name.size()));
      Put16(out, 0);  // extra
      if (!local) {
        Put16(out, 0);  // comment
        Put16(out, 0);  // disk
        Put16(out, 0);  // internal attributes
        Put32(out, 0);  // external attributes
        Put32(out, offset);
      }
      out->append(name);
    };
    header(&archive, /*local=*/true);
    archive.append(data);
    header(&central, /*local=*/false);
  }
  if (archive.size() + central.size() > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgument("an archive over 4 GiB");
  }
  const auto central_offset = static_cast<uint32_t>(archive.size());
  archive.append(central);
  Put32(&archive, kEndOfCentralDirectory);
  Put16(&archive, 0);
  Put16(&archive, 0);
  Put16(&archive, static_cast<uint16_t>(files.size()));
  Put16(&archive, static_cast<uint16_t>(files.size()));
  Put32(&archive, static_cast<uint32_t>(central.size()));
  Put32(&archive, central_offset);
  Put16(&archive, 0);  // comment
  return archive;
}

StatusOr<std::map<std::string, std::string>> ReadZip(std::string_view archive,
                                                     std::size_t max_bytes) {
  auto bad = [](const std::string& why) { return InvalidArgument("not a bundle archive: " + why); };
  if (archive.size() < kEndBytes) return bad("too short");
  // The end record is the last thing in the file, before a comment of at most 65,535 bytes.
  std::size_t end = std::string_view::npos;
  const std::size_t lowest =
      archive.size() > kEndBytes + 0xffff ? archive.size() - kEndBytes - 0xffff : 0;
  for (std::size_t at = archive.size() - kEndBytes + 1; at-- > lowest;) {
    if (Get32(archive, at) == kEndOfCentralDirectory) {
      end = at;
      break;
    }
  }
  if (end == std::string_view::npos) return bad("no end of central directory");
  const uint16_t entries = Get16(archive, end + 10);
  const uint32_t central_size = Get32(archive, end + 12);
  const uint32_t central_offset = Get32(archive, end + 16);
  if (Get16(archive, end + 4) != 0 || Get16(archive, end + 6) != 0 ||
      Get16(archive, end + 8) != entries || uint64_t{central_offset} + central_size > end) {
    return bad("a multi-disk or inconsistent central directory");
  }
  std::map<std::string, std::string> files;
  std::size_t unpacked = 0;
  std::size_t at = central_offset;
  for (uint16_t i = 0; i < entries; ++i) {
    if (at + kCentralHeaderBytes > end || Get32(archive, at) != kCentralHeader) {
      return bad("a damaged central directory");
    }
    const uint16_t flags = Get16(archive, at + 8);
    const uint16_t method = Get16(archive, at + 10);
    const uint32_t crc = Get32(archive, at + 16);
    const uint32_t packed = Get32(archive, at + 20);
    const uint32_t size = Get32(archive, at + 24);
    const uint16_t name_length = Get16(archive, at + 28);
    const std::size_t skip = std::size_t{Get16(archive, at + 30)} + Get16(archive, at + 32);
    const uint32_t local = Get32(archive, at + 42);
    if (at + kCentralHeaderBytes + name_length + skip > end)
      return bad("a damaged central directory");
    const std::string name(archive.substr(at + kCentralHeaderBytes, name_length));
    at += kCentralHeaderBytes + name_length + skip;
    if (!IsPlainFileName(name)) return bad("\"" + name + "\" is not a plain file name");
    if ((flags & 1) != 0 || (method != kStored && method != kDeflated)) {
      return bad(name + ": encrypted, or packed in a way a bundle never is");
    }
    if (files.count(name)) return bad(name + " is in it twice");
    if (size > max_bytes - unpacked)
      return bad("more than " + std::to_string(max_bytes) + " bytes unpacked");
    unpacked += size;
    if (uint64_t{local} + kLocalHeaderBytes > central_offset ||
        Get32(archive, local) != kLocalHeader) {
      return bad(name + ": a damaged local header");
    }
    const std::size_t data =
        local + kLocalHeaderBytes + Get16(archive, local + 26) + Get16(archive, local + 28);
    if (data + uint64_t{packed} > central_offset)
      return bad(name + ": its data runs past the archive");
    const std::string_view bytes = archive.substr(data, packed);
    std::string contents;
    if (method == kStored) {
      if (packed != size) return bad(name + ": stored sizes differ");
      contents = std::string(bytes);
    } else if (!Inflate(bytes, size, &contents)) {
      return bad(name + ": its data does not unpack to its size");
    }
    if (Crc32(contents) != crc) return bad(name + ": its CRC-32 does not match");
    files.emplace(name, std::move(contents));
  }
  return files;
}

}  // namespace stayaway
