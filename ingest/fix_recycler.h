// FixRecycler: batches of fixes a sink has finished with, kept so that a front end can
// decode its next batch into them without allocating (FixSink::TakeUsedFixes,
// client_frame_decoder.h). What the fixes hold does not matter: they are parsed over.
//
// Bounded: it keeps at most kMaxFixes fixes, and a batch given beyond that is freed; Take
// hands out no fix with large buffers. Give and Take lock a mutex once per batch.
// Thread-safe.
#ifndef STAYAWAY_INGEST_FIX_RECYCLER_H_
#define STAYAWAY_INGEST_FIX_RECYCLER_H_

#include <cstddef>
#include <mutex>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::ingest {

class FixRecycler {
 public:
  // Enough for every connection of a busy centre to have a batch in flight and one
  // coming back; about 250 bytes a fix kept.
  static constexpr size_t kMaxFixes = 1 << 16;
  // A fix whose id and MAC buffers hold more than this is kept as a new one.
  static constexpr size_t kMaxKeptBytesPerFix = 256;

  void Give(std::vector<v1::Fix>&& fixes);
  // A batch given before (any size), or an empty vector when none is kept.
  std::vector<v1::Fix> Take();

 private:
  std::mutex mu_;
  std::vector<std::vector<v1::Fix>> kept_;  // guarded by mu_
  size_t kept_fixes_ = 0;                   // guarded by mu_
};

}  // namespace stayaway::ingest

#endif  // STAYAWAY_INGEST_FIX_RECYCLER_H_
