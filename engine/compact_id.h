// CompactId: an immutable-length text id (a device id) in 16 bytes: up to 15 bytes held
// inline, longer ones in a heap block of their own.
//
// A std::string is 32 bytes even when its text fits inline; a million devices each carry
// one id, read on every fix (the device lookup compares it, engine/id_index.h), so inline
// text in half the space keeps a device's state in 96 bytes. Real device ids (IMEIs,
// serial numbers, "tag-10042") are mostly 15 bytes or shorter; a longer one costs a heap
// block, as a std::string of that length does.
// Thread-compatible.
#ifndef STAYAWAY_ENGINE_COMPACT_ID_H_
#define STAYAWAY_ENGINE_COMPACT_ID_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace stayaway::engine {

class CompactId {
 public:
  static constexpr size_t kInline = 15;

  CompactId() { bytes_[kInline] = 0; }
  explicit CompactId(std::string_view text) : CompactId() { Assign(text); }
  CompactId(const CompactId& other) : CompactId() { Assign(other.view()); }
  CompactId& operator=(const CompactId& other) {
    if (this != &other) Assign(other.view());
    return *this;
  }
  CompactId(CompactId&& other) noexcept : CompactId() { Swap(other); }
  CompactId& operator=(CompactId&& other) noexcept {
    Swap(other);
    return *this;
  }
  CompactId& operator=(std::string_view text) {
    Assign(text);
    return *this;
  }
  ~CompactId() { Release(); }

  std::string_view view() const {
    if (!on_heap()) return {bytes_, static_cast<size_t>(bytes_[kInline])};
    return {heap_pointer(), heap_size()};
  }
  std::string str() const { return std::string(view()); }
  size_t size() const { return view().size(); }
  bool empty() const { return size() == 0; }
  friend bool operator==(const CompactId& a, std::string_view b) { return a.view() == b; }

 private:
  // bytes_[kInline] is the inline length (0 to 15), or kHeap: then bytes_ holds the
  // block's address and, after it, the length.
  static constexpr char kHeap = static_cast<char>(0x7F);
  bool on_heap() const { return bytes_[kInline] == kHeap; }
  const char* heap_pointer() const {
    const char* p;
    std::memcpy(&p, bytes_, sizeof(p));
    return p;
  }
  size_t heap_size() const {
    uint32_t n;
    std::memcpy(&n, bytes_ + sizeof(char*), sizeof(n));
    return n;
  }
  void Release() {
    if (on_heap()) delete[] heap_pointer();
    bytes_[kInline] = 0;
  }
  void Assign(std::string_view text) {
    Release();
    if (text.size() <= kInline) {
      std::memcpy(bytes_, text.data(), text.size());
      bytes_[kInline] = static_cast<char>(text.size());
      return;
    }
    char* block = new char[text.size()];
    std::memcpy(block, text.data(), text.size());
    const auto n = static_cast<uint32_t>(text.size());
    std::memcpy(bytes_, &block, sizeof(block));
    std::memcpy(bytes_ + sizeof(block), &n, sizeof(n));
    bytes_[kInline] = kHeap;
  }
  void Swap(CompactId& other) noexcept {
    char tmp[sizeof(bytes_)];
    std::memcpy(tmp, bytes_, sizeof(bytes_));
    std::memcpy(bytes_, other.bytes_, sizeof(bytes_));
    std::memcpy(other.bytes_, tmp, sizeof(bytes_));
  }

  alignas(8) char bytes_[kInline + 1];
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_COMPACT_ID_H_
