#include "daemon/event_log.h"

#include <google/protobuf/io/coded_stream.h>

#include <algorithm>
#include <cstring>

namespace stayaway::daemon {

char* EventLog::Reserve(size_t size) {
  if (blocks_.empty() || last_block_size_ - last_block_used_ < size) {
    last_block_size_ = std::max(kBlockBytes, size);
    blocks_.push_back(std::unique_ptr<char[]>(new char[last_block_size_]));  // not zeroed
    last_block_used_ = 0;
  }
  char* at = blocks_.back().get() + last_block_used_;
  spans_.push_back({static_cast<uint32_t>(blocks_.size() - 1),
                    static_cast<uint32_t>(last_block_used_), static_cast<uint32_t>(size)});
  last_block_used_ += size;
  return at;
}

void EventLog::AppendBytes(std::string_view record) {
  char* at = Reserve(record.size());
  if (!record.empty()) std::memcpy(at, record.data(), record.size());
}

void EventLog::AppendEvent(const v1::Event& event) {
  using google::protobuf::io::CodedOutputStream;
  // EventRecord's wire form: field 1 (seq) as a varint, field 2 (event) with its length.
  constexpr uint8_t kSeqTag = (1 << 3) | 0;
  constexpr uint8_t kEventTag = (2 << 3) | 2;
  const uint64_t seq = spans_.size() + 1;
  const size_t event_size = event.ByteSizeLong();
  const size_t size = 1 + CodedOutputStream::VarintSize64(seq) + 1 +
                      CodedOutputStream::VarintSize64(event_size) + event_size;
  auto* at = reinterpret_cast<uint8_t*>(Reserve(size));
  *at++ = kSeqTag;
  at = CodedOutputStream::WriteVarint64ToArray(seq, at);
  *at++ = kEventTag;
  at = CodedOutputStream::WriteVarint64ToArray(event_size, at);
  event.SerializeWithCachedSizesToArray(at);
}

void EventLog::Append(std::vector<v1::Event>* events) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const v1::Event& event : *events) AppendEvent(event);
  events->clear();
}

void EventLog::AppendEncoded(std::span<const std::string_view> records) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::string_view record : records) AppendBytes(record);
}

uint64_t EventLog::Read(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seq = from_seq == 0 ? 1 : from_seq;
  for (size_t n = 0; n < max && seq <= spans_.size(); ++n, ++seq) {
    const Span& span = spans_[seq - 1];
    // Bytes this log wrote from a record it was given or made: they parse.
    (void)out->emplace_back().ParseFromArray(blocks_[span.block].get() + span.offset,
                                             static_cast<int>(span.size));
  }
  return seq;
}

uint64_t EventLog::ReadEncoded(uint64_t from_seq, size_t max, std::vector<std::string>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seq = from_seq == 0 ? 1 : from_seq;
  for (size_t n = 0; n < max && seq <= spans_.size(); ++n, ++seq) {
    const Span& span = spans_[seq - 1];
    out->emplace_back(blocks_[span.block].get() + span.offset, span.size);
  }
  return seq;
}

uint64_t EventLog::NextSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spans_.size() + 1;
}

uint64_t EventLog::AddListener(std::function<void()> on_new) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  const uint64_t handle = next_listener_++;
  listeners_.emplace(handle, std::move(on_new));
  return handle;
}

void EventLog::RemoveListener(uint64_t handle) {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  listeners_.erase(handle);
}

void EventLog::NotifyListeners() {
  std::lock_guard<std::mutex> lock(listeners_mu_);
  for (auto& [handle, on_new] : listeners_) on_new();
}

}  // namespace stayaway::daemon
