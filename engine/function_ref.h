// FunctionRef: a non-owning reference to a callable, for parameters that are called
// before the function taking them returns.
//
// A std::function parameter made from a lambda with more than two pointers' worth of
// captures allocates on the heap each time it is made; the batch path makes its lambdas
// once per batch, and the engine allocates nothing per fix (bench/allocation_bench.cc).
// A FunctionRef is two pointers and never allocates. The callable it refers to must
// outlive every call through it (a lambda written in the call's argument list does).
// Thread-safety: as the callable it refers to.
#ifndef STAYAWAY_ENGINE_FUNCTION_REF_H_
#define STAYAWAY_ENGINE_FUNCTION_REF_H_

#include <memory>
#include <type_traits>
#include <utility>

namespace stayaway::engine {

template <typename Signature>
class FunctionRef;

template <typename R, typename... Args>
class FunctionRef<R(Args...)> {
 public:
  template <typename F>
    requires(!std::is_same_v<std::remove_cvref_t<F>, FunctionRef> &&
             std::is_invocable_r_v<R, F&, Args...>)
  FunctionRef(F&& f) noexcept  // NOLINT(google-explicit-constructor): used like a lambda
      : callable_(const_cast<void*>(static_cast<const void*>(std::addressof(f)))),
        call_([](void* callable, Args... args) -> R {
          return (*static_cast<std::remove_reference_t<F>*>(callable))(
              std::forward<Args>(args)...);
        }) {}

  R operator()(Args... args) const { return call_(callable_, std::forward<Args>(args)...); }

 private:
  void* callable_;
  R (*call_)(void*, Args...);
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_FUNCTION_REF_H_
