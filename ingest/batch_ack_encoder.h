// BatchAckEncoder: the TCP port's acknowledgement of a batch, as one frame (ServerFrame
// holding a BatchAck, varint-delimited), from the fixes' ids kept compactly and one
// outcome per fix.
//
// Byte for byte what building a ServerFrame and EncodeFrame give
// (batch_ack_encoder_test.cc), without a message or a string per fix: the BatchAck is
// kept from one ack to the next (a cleared FixRef keeps its device's buffer), and the
// frame around it is written by hand. One allocation an ack: the frame's bytes.
//
// Thread-compatible: one encoder per connection.
#ifndef STAYAWAY_INGEST_BATCH_ACK_ENCODER_H_
#define STAYAWAY_INGEST_BATCH_ACK_ENCODER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ingest/monitoring_service.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

// The ids of a batch's fixes, in order, in two allocations however many there are.
class BatchFixIds {
 public:
  void Reserve(size_t fixes, size_t id_bytes);
  void Add(std::string_view device, uint64_t seq);
  size_t size() const { return ends_.size(); }
  std::string_view device(size_t i) const {
    const size_t begin = i == 0 ? 0 : ends_[i - 1].device_end;
    return std::string_view(devices_).substr(begin, ends_[i].device_end - begin);
  }
  uint64_t seq(size_t i) const { return ends_[i].seq; }

 private:
  struct End {
    size_t device_end;  // in devices_
    uint64_t seq;
  };
  std::string devices_;  // every fix's device id, one after another
  std::vector<End> ends_;
};

class BatchAckEncoder {
 public:
  // `outcomes` has one entry per fix of `ids`.
  std::string Encode(uint64_t batch_id, const BatchFixIds& ids,
                     const std::vector<FixOutcome>& outcomes);

 private:
  v1::BatchAck ack_;
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_BATCH_ACK_ENCODER_H_
