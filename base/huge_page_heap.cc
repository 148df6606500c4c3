#include "base/huge_page_heap.h"

#include <unistd.h>

#include <cstdlib>
#include <string_view>

#include "base/sanitized_build.h"

namespace stayaway {

std::optional<std::string> HugePageTunables(const char* glibc_tunables, const char* opt_out) {
  if (opt_out != nullptr && std::string_view(opt_out) == "0") return std::nullopt;
  constexpr std::string_view kTunable = "glibc.malloc.hugetlb";
  const std::string_view current = glibc_tunables == nullptr ? "" : glibc_tunables;
  if (current.find(kTunable) != std::string_view::npos) return std::nullopt;
  std::string tunables(current);
  if (!tunables.empty()) tunables += ':';
  tunables += kTunable;
  tunables += "=1";
  return tunables;
}

bool HugePageHeapRequested() {
  if constexpr (kSanitizedBuild) return false;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables == nullptr) return false;
  const std::string_view all = tunables;
  constexpr std::string_view kSetting = "glibc.malloc.hugetlb=";
  const size_t at = all.find(kSetting);
  if (at == std::string_view::npos) return false;
  const std::string_view value =
      all.substr(at + kSetting.size(), all.find(':', at) - at - kSetting.size());
  return !value.empty() && value != "0";
}

void EnableHugePageHeap(char** argv) {
  if constexpr (kSanitizedBuild) return;
  const char* before = std::getenv("GLIBC_TUNABLES");
  const std::optional<std::string> tunables =
      HugePageTunables(before, std::getenv("STAYAWAY_HUGE_PAGES"));
  if (!tunables) return;
  const std::optional<std::string> saved =
      before == nullptr ? std::nullopt : std::optional<std::string>(before);
  // The binary's own path, not /proc/self/exe: the process is named after the file it
  // runs (ps, top, pkill and the journal's unit logs would all say "exe").
  char path[4096];
  const ssize_t length = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
  if (length <= 0 || static_cast<size_t>(length) >= sizeof(path) - 1) return;
  path[length] = '\0';
  if (::setenv("GLIBC_TUNABLES", tunables->c_str(), 1) != 0) return;
  ::execv(path, argv);
  // Only reached when the exec failed: run on as we are, with the environment as it was.
  if (saved) {
    ::setenv("GLIBC_TUNABLES", saved->c_str(), 1);
  } else {
    ::unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace stayaway
