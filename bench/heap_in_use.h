// HeapInUse: the bytes glibc's malloc has handed out and not had back, of every thread,
// for the benchmarks that report what a structure holds (mallinfo2: in-use chunks and
// mmapped ones). Thread-safe (glibc's own locking).
#ifndef STAYAWAY_BENCH_HEAP_IN_USE_H_
#define STAYAWAY_BENCH_HEAP_IN_USE_H_

#include <malloc.h>

#include <cstddef>

namespace stayaway::bench {

inline size_t HeapInUse() {
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_HEAP_IN_USE_H_
