// SmallList<T>: a list of trivially copyable T that holds its first element inline and
// moves to the heap from the second on; a std::vector for the engine's per-person lists.
//
// Almost every person belongs to one order: a std::vector<Membership> for them is 24
// bytes inline plus a 32-byte heap block; a SmallList is 16 bytes and no block (16 fewer
// bytes in a PersonState, which keeps a person at eight cache lines). Iterators are
// pointers, invalidated by any insertion, as a vector's.
// Thread-compatible.
#ifndef STAYAWAY_ENGINE_SMALL_LIST_H_
#define STAYAWAY_ENGINE_SMALL_LIST_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace stayaway::engine {

template <typename T>
class SmallList {
  static_assert(std::is_trivially_copyable_v<T> && std::is_trivially_default_constructible_v<T>,
                "SmallList copies its elements as bytes");

 public:
  SmallList() : storage_{T()} {}
  ~SmallList() {
    if (on_heap()) delete[] storage_.heap;
  }
  SmallList(const SmallList& other) : SmallList() { assign(other.begin(), other.end()); }
  SmallList& operator=(const SmallList& other) {
    if (this != &other) {
      clear();
      assign(other.begin(), other.end());
    }
    return *this;
  }
  SmallList(SmallList&& other) noexcept : SmallList() { swap(other); }
  SmallList& operator=(SmallList&& other) noexcept {
    swap(other);
    return *this;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T* data() { return on_heap() ? storage_.heap : &storage_.one; }
  const T* data() const { return on_heap() ? storage_.heap : &storage_.one; }
  T* begin() { return data(); }
  T* end() { return data() + size_; }
  const T* begin() const { return data(); }
  const T* end() const { return data() + size_; }
  T& operator[](size_t i) { return data()[i]; }
  const T& operator[](size_t i) const { return data()[i]; }
  T& back() { return data()[size_ - 1]; }
  const T& back() const { return data()[size_ - 1]; }

  // Inserts value before pos (a pointer into this list, or end()); returns where it went.
  T* insert(const T* pos, const T& value) {
    const size_t at = static_cast<size_t>(pos - data());
    if (size_ == capacity_) Grow();
    T* d = data();
    std::copy_backward(d + at, d + size_, d + size_ + 1);
    d[at] = value;
    ++size_;
    return d + at;
  }
  void push_back(const T& value) { insert(end(), value); }
  // Removes [first, last) (pointers into this list).
  T* erase(const T* first, const T* last) {
    T* d = data();
    const size_t from = static_cast<size_t>(first - d), to = static_cast<size_t>(last - d);
    std::copy(d + to, d + size_, d + from);
    size_ -= static_cast<uint32_t>(to - from);
    return d + from;
  }
  void clear() { size_ = 0; }

 private:
  bool on_heap() const { return capacity_ > 1; }
  void Grow() {
    const uint32_t capacity = capacity_ * 2;
    T* grown = new T[capacity];
    std::copy(data(), data() + size_, grown);
    if (on_heap()) delete[] storage_.heap;
    storage_.heap = grown;
    capacity_ = capacity;
  }
  void assign(const T* first, const T* last) {
    for (; first != last; ++first) push_back(*first);
  }
  void swap(SmallList& other) noexcept {
    // The union as bytes, whichever member is in use (both are trivially copyable).
    unsigned char bytes[sizeof(Storage)];
    std::memcpy(bytes, &storage_, sizeof(Storage));
    std::memcpy(&storage_, &other.storage_, sizeof(Storage));
    std::memcpy(&other.storage_, bytes, sizeof(Storage));
    std::swap(size_, other.size_);
    std::swap(capacity_, other.capacity_);
  }

  union Storage {
    T one;  // capacity_ 1: the element itself
    T* heap;
  };
  Storage storage_;
  uint32_t size_ = 0;
  uint32_t capacity_ = 1;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_SMALL_LIST_H_
