// Transparent huge pages for the heap: glibc's malloc asks the kernel for them when the
// tunable glibc.malloc.hugetlb=1 is set, which glibc reads only when a process starts. At a
// million devices the engine's state is a chain of dependent cache misses per fix, each a
// TLB miss with 4 KiB pages, and page faults are expensive on virtual machines: huge pages
// take a fifth to a third off (README, "Measured"). So stayawayd and stayaway turn it on
// themselves: the first thing main() does is EnableHugePageHeap, which runs the same
// program again (execv of the file /proc/self/exe names, so the process keeps its name;
// same pid, same arguments, same descriptors) with the tunable added when it is not there
// yet.
//
// It changes nothing when GLIBC_TUNABLES already says glibc.malloc.hugetlb (whatever
// value: the operator's choice stands), when STAYAWAY_HUGE_PAGES=0, in sanitizer builds
// (their allocator is not glibc's), or when the exec fails (the program runs on with
// 4 KiB pages). A kernel with transparent huge pages off ("never") ignores the tunable.
//
// Call it before any thread starts. Not thread-safe.
#ifndef STAYAWAY_BASE_HUGE_PAGE_HEAP_H_
#define STAYAWAY_BASE_HUGE_PAGE_HEAP_H_

#include <optional>
#include <string>

namespace stayaway {

// Runs the program again with huge pages for its heap, as above; returns only when it did
// not.
void EnableHugePageHeap(char** argv);

// Whether this process's heap asked for huge pages: glibc's allocator with the tunable on
// (for the start-up log line).
bool HugePageHeapRequested();

// The GLIBC_TUNABLES value to run again with, given the current one and
// STAYAWAY_HUGE_PAGES (either may be null); nullopt when nothing is to change.
std::optional<std::string> HugePageTunables(const char* glibc_tunables, const char* opt_out);

}  // namespace stayaway

#endif  // STAYAWAY_BASE_HUGE_PAGE_HEAP_H_
