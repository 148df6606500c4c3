// Status and StatusOr: errors as values on hot paths (ARCHITECTURE.md, decision 10).
//
// A Status is either ok or carries a code and a message meant for the sender of the bad
// input ("lat 91.2 is outside [-90, 90]"). StatusOr<T> holds a T or a non-ok Status.
// Both are plain values: copyable, movable, no shared state; thread-compatible.
#ifndef STAYAWAY_BASE_STATUS_H_
#define STAYAWAY_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace stayaway {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,  // the input is malformed or out of range
  kNotFound,         // the input names something unknown (device, order)
  kAlreadyExists,    // a duplicate (device, seq) or a stale order version
  kFailedPrecondition,
  kInternal,
  kUnauthenticated,   // no credential, or one the daemon does not know
  kPermissionDenied,  // a known credential whose roles do not allow this
};

// Stable lower-case name of a code, used as the reason label in counters and replies.
std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid_argument: lat 91.2 is outside [-90, 90]", or "ok".
  std::string ToString() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string message) {
  return Status(StatusCode::kInvalidArgument, std::move(message));
}
inline Status NotFound(std::string message) {
  return Status(StatusCode::kNotFound, std::move(message));
}
inline Status AlreadyExists(std::string message) {
  return Status(StatusCode::kAlreadyExists, std::move(message));
}
inline Status FailedPrecondition(std::string message) {
  return Status(StatusCode::kFailedPrecondition, std::move(message));
}

template <typename T>
class StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    assert(!status_.ok() && "StatusOr needs a value or a non-ok Status");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace stayaway

#endif  // STAYAWAY_BASE_STATUS_H_
