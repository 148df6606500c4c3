// The version of this build, for `stayaway --version` and `stayawayd --version`: the
// project version and the commit it was built from, e.g. "0.1.0 (commit 1a2b3c4d5e6f)"
// ("+changes" when the tree had uncommitted changes, "unknown" outside a git checkout).
// Written at every build by cmake/version.cmake. Thread-safe.
#ifndef STAYAWAY_BASE_VERSION_H_
#define STAYAWAY_BASE_VERSION_H_

#include <string_view>

namespace stayaway {

std::string_view VersionText();

}  // namespace stayaway

#endif  // STAYAWAY_BASE_VERSION_H_
