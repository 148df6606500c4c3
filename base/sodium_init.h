// InitSodium: libsodium's one-time start-up (sodium_init), which every use of libsodium in
// stayaway goes through first. libsodium is our one crypto library for hashing, MACs,
// signatures, random bytes and encodings (OpenSSL is used for TLS only).
// Thread-safe: the first call initialises, later calls return the stored result.
#ifndef STAYAWAY_BASE_SODIUM_INIT_H_
#define STAYAWAY_BASE_SODIUM_INIT_H_

namespace stayaway {

// True when libsodium is ready; false only if it could not start (no usable randomness).
bool InitSodium();

}  // namespace stayaway

#endif  // STAYAWAY_BASE_SODIUM_INIT_H_
