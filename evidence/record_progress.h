// RecordProgress: how a long evidence operation (replaying a journal, checking an export)
// tells its caller how far it has come, for a tool's progress line (tools/progress_meter.h).
#ifndef STAYAWAY_EVIDENCE_RECORD_PROGRESS_H_
#define STAYAWAY_EVIDENCE_RECORD_PROGRESS_H_

#include <cstdint>
#include <functional>

namespace stayaway::evidence {

// Told how many records are done so far, and of how many (0: not known). Called on the
// operation's thread after each record; may be empty (nobody asked).
using RecordProgress = std::function<void(uint64_t done, uint64_t total)>;

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_RECORD_PROGRESS_H_
