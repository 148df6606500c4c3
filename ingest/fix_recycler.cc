#include "ingest/fix_recycler.h"

#include <utility>

namespace stayaway::ingest {

void FixRecycler::Give(std::vector<v1::Fix>&& fixes) {
  if (fixes.empty()) return;
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
  std::vector<v1::Fix> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (kept_.empty()) return batch;
    batch = std::move(kept_.back());
    kept_.pop_back();
    kept_fixes_ -= batch.size();
  }
  // A fix keeps the buffers its fields grew to: one that held an oversized id or MAC
  // would keep that memory for good, so it starts over. Checked here, on the taker's
  // thread, not in Give on the engine's.
  for (v1::Fix& fix : batch) {
    if (fix.device().capacity() + fix.mac().capacity() > kMaxKeptBytesPerFix ||
        fix.flags().Capacity() > 16) {
      fix = v1::Fix();
    }
  }
  return batch;
}

}  // namespace stayaway::ingest
