// BlobTopic: named values too large for one Kafka message (an instance's whole state at a
// position of the input log: megabytes, where a broker takes 1 MB a message by default),
// kept on partition 0 of a compacted topic. The building block of Kafka mode's snapshot
// topic (docs/kafka.md): a new instance starts from the newest one instead of reading the
// log from its start.
//
// Layout, for a blob NAME at VERSION (a number the writer picks, growing: a log offset):
//   key "NAME/VERSION/I"         chunk I (from 0) of the blob's bytes, chunk_bytes each, the
//                                last one shorter;
//   key "NAME/VERSION/manifest"  that version's manifest, written after every chunk is
//                                acknowledged: "version=V;chunks=C;bytes=B;sha256=HEX" (HEX:
//                                64 lower-case digits of the SHA-256 of the whole blob);
//   key "NAME"                   the same manifest again, written last, unless the topic
//                                holds a newer version's already: what readers before the
//                                per-version manifests read.
// Put then writes tombstones for every key of NAME the topic still holds from an older
// version (a replaced one, or one a writer that died left without its manifest), so that
// compaction keeps the newest. It never removes a newer version's keys.
//
// Reading (ReadNewestBlob) takes the partition from its start to its end as it stands, the
// last value of each key (a tombstone removes the key), and returns the newest version
// whose chunks are all there and match its manifest's size and digest: a blob is returned
// whole and as written, or not at all.
//
// Two writers at once (two instances that both believe they lead, for a moment) cannot
// leave the topic without a readable blob: a writer removes only versions older than its
// own, and only once its own is whole, so the newest whole version is only ever removed by
// the writer of a newer whole one. (With one manifest key and every other version's chunks
// removed, as before, the slower writer's manifest could name chunks the faster one had
// just tombstoned.)
//
// Format promise: a later version reads manifests and chunks an earlier one wrote.
// Thread-compatible: one thread uses a writer at a time; ReadNewest is a free function.
#ifndef STAYAWAY_KAFKA_BLOB_TOPIC_H_
#define STAYAWAY_KAFKA_BLOB_TOPIC_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "kafka/producer.h"

namespace stayaway::kafka {

struct BlobTopicOptions {
  std::string bootstrap_servers;  // required
  std::string client_id = "stayaway";
  std::string topic;  // compacted, one partition; required
  // Bytes per chunk: below the brokers' message.max.bytes (1 MB by default) with room for
  // the key and the record's overhead.
  std::size_t chunk_bytes = 512 * 1024;
  // How long each message may take to be acknowledged, and a read to reach the end.
  std::chrono::milliseconds timeout{15'000};
};

// One blob as read back.
struct Blob {
  uint64_t version = 0;
  std::string bytes;
};

class BlobTopicWriter {
 public:
  static StatusOr<std::unique_ptr<BlobTopicWriter>> Create(BlobTopicOptions options);
  BlobTopicWriter(const BlobTopicWriter&) = delete;
  BlobTopicWriter& operator=(const BlobTopicWriter&) = delete;

  // Writes `bytes` as NAME at `version` (see above); ok once the manifests are
  // acknowledged by the cluster (acks=all) and the older versions' keys are tombstoned.
  // `name` holds no '/'. A failure part way leaves the previous version the newest.
  Status Put(std::string_view name, uint64_t version, std::string_view bytes);

 private:
  explicit BlobTopicWriter(BlobTopicOptions options) : options_(std::move(options)) {}
  Status Send(const std::string& key, std::string_view value);

  BlobTopicOptions options_;
  std::unique_ptr<Producer> producer_;
};

// The newest whole blob called `name` on the topic; nullopt when it holds no manifest of
// it. kInternal, saying what is wrong with each, when no version with a manifest is whole
// (a manifest that does not parse, chunks missing or not matching its size or digest),
// and when the topic could not be read to its end within options.timeout.
StatusOr<std::optional<Blob>> ReadNewestBlob(const BlobTopicOptions& options,
                                             std::string_view name);

}  // namespace stayaway::kafka

#endif  // STAYAWAY_KAFKA_BLOB_TOPIC_H_
