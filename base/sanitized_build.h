// kSanitizedBuild: whether this build runs under AddressSanitizer or ThreadSanitizer, for
// the randomised oracle tests that do fewer rounds there (a sanitized build runs their
// oracle, Protobuf's JSON mapping, many times slower; the plain build keeps the full count
// and the fuzz targets go on from there). GCC says so with __SANITIZE_ADDRESS__ and
// __SANITIZE_THREAD__; Clang, which scripts/sanitize builds ASan with, only through
// __has_feature.
#ifndef STAYAWAY_BASE_SANITIZED_BUILD_H_
#define STAYAWAY_BASE_SANITIZED_BUILD_H_

namespace stayaway {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool kSanitizedBuild = true;
#else
inline constexpr bool kSanitizedBuild = false;
#endif
#else
inline constexpr bool kSanitizedBuild = false;
#endif

}  // namespace stayaway

#endif  // STAYAWAY_BASE_SANITIZED_BUILD_H_
