#include "kafka/blob_topic.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <utility>
#include <vector>

#include "base/hex.h"
#include "base/sha256.h"
#include "kafka/partition_reader.h"

namespace stayaway::kafka {
namespace {

struct Manifest {
  uint64_t version = 0;
  uint64_t chunks = 0;
  uint64_t bytes = 0;
  std::string sha256;  // hex
};

std::string FormatManifest(const Manifest& m) {
  return "version=" + std::to_string(m.version) + ";chunks=" + std::to_string(m.chunks) +
         ";bytes=" + std::to_string(m.bytes) + ";sha256=" + m.sha256;
}

std::optional<uint64_t> ParseNumber(std::string_view text) {
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

std::optional<Manifest> ParseManifest(std::string_view text) {
  Manifest m;
  bool version = false, chunks = false, bytes = false;
  while (!text.empty()) {
    const size_t end = std::min(text.find(';'), text.size());
    const std::string_view item = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view field = item.substr(0, eq);
    const std::string_view value = item.substr(eq + 1);
    if (field == "sha256") {
      if (!IsLowerHex(value, kSha256Bytes)) return std::nullopt;
      m.sha256 = std::string(value);
      continue;
    }
    const std::optional<uint64_t> number = ParseNumber(value);
    if (!number) return std::nullopt;
    if (field == "version") {
      m.version = *number;
      version = true;
    } else if (field == "chunks") {
      m.chunks = *number;
      chunks = true;
    } else if (field == "bytes") {
      m.bytes = *number;
      bytes = true;
    }  // a field a later version adds is passed over
  }
  if (!version || !chunks || !bytes || m.sha256.empty()) return std::nullopt;
  return m;
}

std::string ChunkKey(std::string_view name, uint64_t version, uint64_t index) {
  return std::string(name) + "/" + std::to_string(version) + "/" + std::to_string(index);
}

std::string VersionManifestKey(std::string_view name, uint64_t version) {
  return std::string(name) + "/" + std::to_string(version) + "/manifest";
}

// Which version of `name` a key "NAME/VERSION/..." belongs to (set in *version): kOtherName
// for another name's key and for NAME itself, kMalformed for a key of NAME that no writer
// makes (VERSION not a number, nothing after it).
enum class KeyOf { kOtherName, kVersion, kMalformed };
KeyOf VersionOfKey(std::string_view key, std::string_view name, uint64_t* version) {
  if (key.size() <= name.size() || !key.starts_with(name) || key[name.size()] != '/') {
    return KeyOf::kOtherName;
  }
  std::string_view rest = key.substr(name.size() + 1);
  const std::optional<uint64_t> number = ParseNumber(rest.substr(0, rest.find('/')));
  if (!number || rest.find('/') == std::string_view::npos) return KeyOf::kMalformed;
  *version = *number;
  return KeyOf::kVersion;
}

// Partition 0 of the topic as it stands: the last value of each key, tombstones removed.
StatusOr<std::map<std::string, std::string>> ReadTable(const BlobTopicOptions& options) {
  PartitionReaderOptions reader_options;
  reader_options.bootstrap_servers = options.bootstrap_servers;
  reader_options.client_id = options.client_id;
  StatusOr<std::unique_ptr<PartitionReader>> reader =
      PartitionReader::Open(reader_options, {options.topic, 0}, 0);
  if (!reader.ok()) return reader.status();
  StatusOr<std::pair<int64_t, int64_t>> marks = (*reader)->Watermarks(options.timeout);
  if (!marks.ok()) return marks.status();
  // Compaction may have removed the first offsets: start at the first one held.
  if (marks->first > 0) {
    if (Status s = (*reader)->Seek(marks->first); !s.ok()) return s;
  }
  std::map<std::string, std::string> table;
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  while ((*reader)->position() < marks->second) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status(StatusCode::kInternal,
                    "kafka: " + options.topic + " was not read to its end in time");
    }
    StatusOr<std::optional<ConsumedMessage>> message =
        (*reader)->Read(std::chrono::milliseconds(100));
    if (!message.ok() || !message->has_value()) continue;  // the reader goes on
    ConsumedMessage& m = **message;
    if (m.value.empty()) {
      table.erase(m.key);
    } else {
      table[m.key] = std::move(m.value);
    }
  }
  return table;
}

}  // namespace

StatusOr<std::unique_ptr<BlobTopicWriter>> BlobTopicWriter::Create(BlobTopicOptions options) {
  if (options.topic.empty()) return InvalidArgument("a blob topic needs a topic");
  if (options.chunk_bytes == 0)
    return InvalidArgument("a blob topic needs chunks of 1 byte or more");
  std::unique_ptr<BlobTopicWriter> writer(new BlobTopicWriter(std::move(options)));
  ProducerOptions producer;
  producer.bootstrap_servers = writer->options_.bootstrap_servers;
  producer.client_id = writer->options_.client_id;
  producer.linger_ms = 0;
  StatusOr<std::unique_ptr<Producer>> made = Producer::Create(producer);
  if (!made.ok()) return made.status();
  writer->producer_ = std::move(*made);
  return writer;
}

Status BlobTopicWriter::Send(const std::string& key, std::string_view value) {
  StatusOr<DeliveryReport> report =
      producer_->ProduceAndWait(options_.topic, key, value, options_.timeout, /*partition=*/0);
  if (!report.ok()) return report.status();
  return report->status;
}

Status BlobTopicWriter::Put(std::string_view name, uint64_t version, std::string_view bytes) {
  if (name.empty() || name.find('/') != std::string_view::npos) {
    return InvalidArgument("a blob's name is not empty and holds no '/'");
  }
  Manifest manifest;
  manifest.version = version;
  manifest.bytes = bytes.size();
  manifest.chunks = (bytes.size() + options_.chunk_bytes - 1) / options_.chunk_bytes;
  manifest.sha256 = HexEncode(Sha256(bytes));
  for (uint64_t i = 0; i < manifest.chunks; ++i) {
    const std::string_view chunk = bytes.substr(i * options_.chunk_bytes, options_.chunk_bytes);
    if (Status s = Send(ChunkKey(name, version, i), chunk); !s.ok()) return s;
  }
  const std::string text = FormatManifest(manifest);
  if (Status s = Send(VersionManifestKey(name, version), text); !s.ok()) return s;
  StatusOr<std::map<std::string, std::string>> table = ReadTable(options_);
  if (!table.ok()) return table.status();
  // The name's own key is what earlier readers read: it moves forward only.
  const auto current = table->find(std::string(name));
  const std::optional<Manifest> newest =
      current == table->end() ? std::nullopt : ParseManifest(current->second);
  if (!newest || newest->version <= version) {
    if (Status s = Send(std::string(name), text); !s.ok()) return s;
  }
  // Older versions go: replaced, or left by a writer that died before its manifest. Newer
  // ones stay, whole or being written by another writer at this moment.
  for (const auto& [key, value] : *table) {
    uint64_t key_version = 0;
    const KeyOf of = VersionOfKey(key, name, &key_version);
    if (of == KeyOf::kOtherName || (of == KeyOf::kVersion && key_version >= version)) continue;
    // No value at all (not an empty one): a tombstone.
    if (Status s = Send(key, std::string_view()); !s.ok()) return s;
  }
  return Status::Ok();
}

namespace {

// The blob `text` (a manifest) describes, put together from the table's chunks and checked;
// kInternal saying what is wrong otherwise.
StatusOr<Blob> Assemble(const std::map<std::string, std::string>& table, std::string_view name,
                        std::string_view text) {
  const std::optional<Manifest> manifest = ParseManifest(text);
  if (!manifest) {
    return Status(StatusCode::kInternal,
                  "blob " + std::string(name) + ": the manifest does not parse");
  }
  Blob blob;
  blob.version = manifest->version;
  blob.bytes.reserve(manifest->bytes);
  for (uint64_t i = 0; i < manifest->chunks; ++i) {
    const auto chunk = table.find(ChunkKey(name, manifest->version, i));
    if (chunk == table.end()) {
      return Status(StatusCode::kInternal, "blob " + std::string(name) + " version " +
                                               std::to_string(manifest->version) + ": chunk " +
                                               std::to_string(i) + " is missing");
    }
    blob.bytes += chunk->second;
  }
  if (blob.bytes.size() != manifest->bytes || HexEncode(Sha256(blob.bytes)) != manifest->sha256) {
    return Status(StatusCode::kInternal, "blob " + std::string(name) + " version " +
                                             std::to_string(manifest->version) +
                                             ": its chunks do not match the manifest's size and "
                                             "digest");
  }
  return blob;
}

}  // namespace

StatusOr<std::optional<Blob>> ReadNewestBlob(const BlobTopicOptions& options,
                                             std::string_view name) {
  StatusOr<std::map<std::string, std::string>> table = ReadTable(options);
  if (!table.ok()) return table.status();
  // Every manifest of the name: the per-version ones by their key's version, the name's own
  // (which an earlier writer wrote alone) by the version it states, newest first.
  std::vector<std::pair<uint64_t, const std::string*>> manifests;
  for (const auto& [key, value] : *table) {
    uint64_t version = 0;
    if (VersionOfKey(key, name, &version) == KeyOf::kVersion &&
        key == VersionManifestKey(name, version)) {
      manifests.emplace_back(version, &value);
    }
  }
  if (const auto own = table->find(std::string(name)); own != table->end()) {
    const std::optional<Manifest> stated = ParseManifest(own->second);
    // One that does not parse is tried last: it only says why nothing could be read.
    manifests.emplace_back(stated ? stated->version : 0, &own->second);
  }
  if (manifests.empty()) return std::optional<Blob>();
  std::stable_sort(manifests.begin(), manifests.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string why;
  for (const auto& [version, text] : manifests) {
    StatusOr<Blob> blob = Assemble(*table, name, *text);
    if (blob.ok()) return std::optional<Blob>(std::move(*blob));
    if (why.find(blob.status().message()) == std::string::npos) {
      why += (why.empty() ? "" : "; ") + blob.status().message();
    }
  }
  return Status(StatusCode::kInternal, why);
}

}  // namespace stayaway::kafka
