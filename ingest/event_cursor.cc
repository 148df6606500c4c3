#include "ingest/event_cursor.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/post.hpp>
#include <memory>
#include <utility>

#include "access/redaction.h"

namespace stayaway::ingest {

EventCursor::EventCursor(EventFeed& feed, std::string subscriber, bool whole)
    : feed_(feed), subscriber_(std::move(subscriber)), whole_(whole) {}

void EventCursor::StartAt(uint64_t seq) {
  const uint64_t end = std::max<uint64_t>(feed_.NextEventSeq(), 1);
  next_seq_ = std::clamp<uint64_t>(seq, 1, end);
}

void EventCursor::StartAfter(uint64_t seq) {
  const uint64_t end = std::max<uint64_t>(feed_.NextEventSeq(), 1);
  next_seq_ = seq < end ? seq + 1 : end;  // never wraps around to 0
}

void EventCursor::StartNow() { next_seq_ = std::max<uint64_t>(feed_.NextEventSeq(), 1); }

void EventCursor::Listen(boost::asio::any_io_executor executor, std::function<void()> on_new) {
  if (closed_ || listener_) return;
  // The listener runs on the engine thread: it only posts a wake-up, and only when none is
  // pending (the reader reads everything new when it wakes).
  auto wake_pending = std::make_shared<std::atomic<bool>>(false);
  listener_ = feed_.AddEventListener([executor, wake_pending, on_new = std::move(on_new)] {
    if (wake_pending->exchange(true)) return;
    boost::asio::post(executor, [wake_pending, on_new] {
      wake_pending->store(false);
      on_new();
    });
  });
}

bool EventCursor::Read(std::size_t max, std::vector<v1::EventRecord>* out) {
  const std::size_t first = out->size();
  const uint64_t next = feed_.ReadEvents(next_seq_, std::max<std::size_t>(max, 1), out);
  if (out->size() == first) return false;
  next_seq_ = std::max(next, out->back().seq() + 1);
  if (!whole_) {
    for (std::size_t i = first; i < out->size(); ++i) access::RedactForAuditor(&(*out)[i]);
  }
  return true;
}

void EventCursor::ReportLag() {
  const uint64_t end = feed_.NextEventSeq();
  feed_.ReportSubscriberLag(subscriber_, end > next_seq_ ? end - next_seq_ : 0);
}

void EventCursor::Close() {
  if (closed_) return;
  closed_ = true;
  if (listener_) feed_.RemoveEventListener(*listener_);
  listener_.reset();
  feed_.ForgetSubscriber(subscriber_);
}

}  // namespace stayaway::ingest
