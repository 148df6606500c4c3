#include "ingest/fix_recycler.h"

#include <utility>

namespace stayaway::ingest {

void FixRecycler::Give(std::vector<v1::Fix>&& fixes) {
  if (fixes.empty()) return;
  // A fix keeps the buffers its fields grew to: one that held an oversized id or MAC (the
  // port refused it) would keep that memory for good, so it starts over.
  for (v1::Fix& fix : fixes) {
    if (fix.device().capacity() + fix.mac().capacity() > kMaxKeptBytesPerFix ||
        fix.flags().Capacity() > 16) {
      fix = v1::Fix();
    }
  }
  std::vector<v1::Fix> dropped;  // freed after the lock is let go
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_fixes_ + fixes.size() > kMaxFixes) {
      dropped = std::move(fixes);
    } else {
      kept_fixes_ += fixes.size();
      kept_.push_back(std::move(fixes));
    }
  }
}

std::vector<v1::Fix> FixRecycler::Take() {
  std::lock_guard<std::mutex> lock(mu_);
  if (kept_.empty()) return {};
  std::vector<v1::Fix> batch = std::move(kept_.back());
  kept_.pop_back();
  kept_fixes_ -= batch.size();
  return batch;
}

}  // namespace stayaway::ingest
