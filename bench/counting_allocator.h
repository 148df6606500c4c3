// The counting allocator of the allocation benchmarks: linking counting_allocator.cc into a
// binary replaces its global operator new and delete with malloc and free that count
// every allocation, of every thread, so a benchmark reports allocations per item.
// Thread-safe (one relaxed atomic counter).
#ifndef STAYAWAY_BENCH_COUNTING_ALLOCATOR_H_
#define STAYAWAY_BENCH_COUNTING_ALLOCATOR_H_

#include <cstdint>

namespace stayaway::bench {

// Calls of operator new and new[] since the process started.
uint64_t AllocationsSoFar();

}  // namespace stayaway::bench

#endif  // STAYAWAY_BENCH_COUNTING_ALLOCATOR_H_
