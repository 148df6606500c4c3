#include "evidence/retention_base.h"

#include <filesystem>

#include "base/crc32c.h"
#include "base/file_io.h"
#include "evidence/leaves.h"
#include "evidence/merkle_frontier.h"
#include "journal/byte_codec.h"
#include "journal/journal.h"

namespace stayaway::evidence {
namespace {

constexpr char kMagic[] = "SRB1";

using journal::ByteReader;
using journal::PutBytes;
using journal::PutInt;

}  // namespace

std::string RetentionBase::Encode() const {
  std::string out(kMagic, 4);
  PutInt(first_segment, 4, &out);
  PutInt(static_cast<uint64_t>(cut_time_ms), 8, &out);
  PutBytes(state.Encode(), &out);
  PutInt(retained.size(), 4, &out);
  for (const RetainedRecord& r : retained) {
    PutInt(r.position, 8, &out);
    PutInt(r.leaf, 8, &out);
    PutBytes(r.input.SerializeAsString(), &out);
    PutInt(r.subtree_path.size(), 4, &out);
    for (const Hash& h : r.subtree_path) out.append(reinterpret_cast<const char*>(h.data()), h.size());
  }
  PutInt(Crc32c(out), 4, &out);
  return out;
}

StatusOr<RetentionBase> RetentionBase::Decode(std::string_view bytes) {
  if (bytes.size() < 8 || bytes.substr(0, 4) != std::string_view(kMagic, 4)) {
    return InvalidArgument("not a retention base");
  }
  ByteReader crc{bytes.substr(bytes.size() - 4)};
  if (crc.Int(4) != Crc32c(bytes.substr(0, bytes.size() - 4))) {
    return InvalidArgument("retention base checksum mismatch");
  }
  ByteReader r{bytes.substr(4, bytes.size() - 8)};
  RetentionBase base;
  base.first_segment = static_cast<uint32_t>(r.Int(4));
  base.cut_time_ms = static_cast<TimeMs>(r.Int(8));
  StatusOr<journal::SnapshotFile> state = journal::SnapshotFile::Decode(r.Bytes());
  if (!r.ok || !state.ok()) return InvalidArgument("retention base: malformed state");
  base.state = std::move(state).value();
  const uint64_t count = r.Int(4);
  for (uint64_t i = 0; r.ok && i < count; ++i) {
    RetainedRecord& record = base.retained.emplace_back();
    record.position = r.Int(8);
    record.leaf = r.Int(8);
    const std::string_view input = r.Bytes();
    if (!r.ok || !record.input.ParseFromArray(input.data(), static_cast<int>(input.size()))) {
      r.ok = false;
      break;
    }
    const uint64_t hashes = r.Int(4);
    if (hashes > 64) r.ok = false;
    for (uint64_t k = 0; r.ok && k < hashes; ++k) {
      const std::string_view h = r.Take(kHashSize);
      if (r.ok) record.subtree_path.push_back(*HashFromBytes(h));
    }
  }
  if (!r.ok || !r.in.empty()) return InvalidArgument("retention base: malformed");
  return base;
}

StatusOr<MerkleTree> RetentionBase::Tree() const {
  StatusOr<MerkleFrontier> frontier = MerkleFrontier::Deserialize(state.frontier_bytes);
  if (!frontier.ok()) return frontier.status();
  std::vector<MerkleTree::RetainedLeaf> leaves;
  for (const RetainedRecord& r : retained) {
    leaves.push_back({r.leaf, HashLeaf(InputLeafData(r.input)), r.subtree_path});
  }
  return MerkleTree::FromFrontier(*frontier, leaves);
}

StatusOr<std::optional<RetentionBase>> LoadRetentionBase(const std::string& journal_dir) {
  const std::string path = (std::filesystem::path(journal_dir) / kRetentionBaseFile).string();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<RetentionBase>();
  StatusOr<std::string> bytes = ReadWholeFile(path);
  if (!bytes.ok()) return bytes.status();
  StatusOr<RetentionBase> base = RetentionBase::Decode(*bytes);
  if (!base.ok()) return FailedPrecondition(path + ": " + base.status().message());
  return std::optional<RetentionBase>(std::move(base).value());
}

Status SaveRetentionBase(const std::string& journal_dir, const RetentionBase& base) {
  return WriteFileAtomically(
      (std::filesystem::path(journal_dir) / kRetentionBaseFile).string(), base.Encode());
}

}  // namespace stayaway::evidence
