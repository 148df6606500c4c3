#include "ingest/batch_ack_encoder.h"

#include <google/protobuf/io/coded_stream.h>

namespace stayaway::ingest {

void BatchFixIds::Reserve(size_t fixes, size_t id_bytes) {
  ends_.reserve(fixes);
  devices_.reserve(id_bytes);
}

void BatchFixIds::Add(std::string_view device, uint64_t seq) {
  devices_.append(device);
  ends_.push_back(End{devices_.size(), seq});
}

std::string BatchAckEncoder::Encode(uint64_t batch_id, const BatchFixIds& ids,
                                    const std::vector<FixOutcome>& outcomes) {
  // Clear keeps the repeated fields' messages and their strings' buffers for the next ack.
  ack_.Clear();
  ack_.set_batch_id(batch_id);
  uint32_t duplicates = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const FixOutcome& outcome = outcomes[i];
    if (outcome.accepted) {
      v1::FixRef* ref = ack_.add_accepted();
      ref->mutable_device()->assign(ids.device(i));
      ref->set_seq(ids.seq(i));
      if (outcome.duplicate) ++duplicates;
      continue;
    }
    v1::Rejection* rejection = ack_.add_rejected();
    rejection->set_index(static_cast<uint32_t>(i));
    rejection->mutable_device()->assign(ids.device(i));
    rejection->set_seq(ids.seq(i));
    rejection->set_code(outcome.code);
    rejection->set_reason(outcome.reason);
  }
  ack_.set_duplicates(duplicates);
  // The frame: its length, then a ServerFrame whose only field is the ack (field 1,
  // length-delimited), exactly as the ServerFrame would serialize.
  using google::protobuf::io::CodedOutputStream;
  const size_t ack_bytes = ack_.ByteSizeLong();
  constexpr uint8_t kAckTag = (1 << 3) | 2;
  const size_t message_bytes = 1 + CodedOutputStream::VarintSize64(ack_bytes) + ack_bytes;
  std::string out(CodedOutputStream::VarintSize64(message_bytes) + message_bytes, '\0');
  auto* at = reinterpret_cast<uint8_t*>(out.data());
  at = CodedOutputStream::WriteVarint64ToArray(message_bytes, at);
  *at++ = kAckTag;
  at = CodedOutputStream::WriteVarint64ToArray(ack_bytes, at);
  ack_.SerializeWithCachedSizesToArray(at);
  return out;
}

}  // namespace stayaway::ingest
