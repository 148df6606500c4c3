#include "daemon/event_log.h"

namespace stayaway::daemon {

void EventLog::Append(std::vector<v1::Event>* events) {
  std::lock_guard<std::mutex> lock(mu_);
  for (v1::Event& event : *events) {
    v1::EventRecord& record = records_.emplace_back();
    record.set_seq(records_.size());
    record.mutable_event()->Swap(&event);
  }
  events->clear();
}

uint64_t EventLog::Read(uint64_t from_seq, size_t max, std::vector<v1::EventRecord>* out) const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t seq = from_seq == 0 ? 1 : from_seq;
  for (size_t n = 0; n < max && seq <= records_.size(); ++n, ++seq) {
    out->push_back(records_[seq - 1]);
  }
  return seq;
}

uint64_t EventLog::NextSeq() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_.size() + 1;
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
