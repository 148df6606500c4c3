// ChunkedTable<T>: an append-only table of T, indexed like a vector, stored in chunks of
// kChunk elements that never move.
//
// The engine's persons, devices and orders only grow and are found by index. A
// std::vector of them grows by doubling: at a million devices up to half its capacity is
// slack (a table just past a power of two holds twice what it uses) and each growth
// copies everything. Here a table allocates one chunk at a time, so the slack is at most
// one chunk, elements never move (references stay valid as the table grows), and an
// index costs one more load, from a chunk list that stays in cache (1,024 entries
// a chunk: a thousand chunks for a million elements).
//
//   ChunkedTable<PersonState> persons;
//   PersonState& p = persons.emplace_back();
//   persons[0].id = "P-1";
//
// Elements are default-constructed, in place; T must be default-constructible.
// Thread-compatible: concurrent reads are safe; growing it is not (like a vector).
#ifndef STAYAWAY_ENGINE_CHUNKED_TABLE_H_
#define STAYAWAY_ENGINE_CHUNKED_TABLE_H_

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace stayaway::engine {

template <typename T>
class ChunkedTable {
 public:
  static constexpr size_t kChunkBits = 10;
  static constexpr size_t kChunk = size_t{1} << kChunkBits;

  ChunkedTable() = default;
  ChunkedTable(ChunkedTable&&) noexcept = default;
  ChunkedTable& operator=(ChunkedTable&&) noexcept = default;

  T& operator[](size_t i) { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  const T& operator[](size_t i) const { return chunks_[i >> kChunkBits][i & (kChunk - 1)]; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  T& back() { return (*this)[size_ - 1]; }

  // Appends a default-constructed element and returns it.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    return (*this)[size_++];
  }
  // Grows to n elements (never shrinks).
  void resize(size_t n) {
    while (size_ < n) emplace_back();
  }

  // Forward iteration, for range-for over the elements in index order.
  template <typename Table, typename Value>
  class Iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = Value*;
    using reference = Value&;
    Iterator(Table* table, size_t i) : table_(table), i_(i) {}
    Value& operator*() const { return (*table_)[i_]; }
    Value* operator->() const { return &(*table_)[i_]; }
    Iterator& operator++() {
      ++i_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return i_ == other.i_; }

   private:
    Table* table_;
    size_t i_;
  };
  using iterator = Iterator<ChunkedTable, T>;
  using const_iterator = Iterator<const ChunkedTable, const T>;
  iterator begin() { return iterator(this, 0); }
  iterator end() { return iterator(this, size_); }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size_); }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace stayaway::engine

#endif  // STAYAWAY_ENGINE_CHUNKED_TABLE_H_
