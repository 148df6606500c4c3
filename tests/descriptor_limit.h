// Raising this process's limit on open descriptors, for the suites that open a thousand
// connections or more. A started stayawayd inherits the limit. Not thread-safe.
#ifndef STAYAWAY_TESTS_DESCRIPTOR_LIMIT_H_
#define STAYAWAY_TESTS_DESCRIPTOR_LIMIT_H_

#include <sys/resource.h>

#include <algorithm>

namespace stayaway::testing_harness {

// Raises the soft RLIMIT_NOFILE to `want` (at most the hard limit); true when it is now at
// least `want`.
inline bool RaiseDescriptorLimit(rlim_t want) {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return false;
  if (limit.rlim_cur >= want) return true;
  limit.rlim_cur = std::min(want, limit.rlim_max);
  return ::setrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur >= want;
}

}  // namespace stayaway::testing_harness

#endif  // STAYAWAY_TESTS_DESCRIPTOR_LIMIT_H_
