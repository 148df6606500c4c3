#include "evidence/merkle_frontier.h"

#include <bit>
#include <cstring>

namespace stayaway::evidence {

uint64_t MerkleFrontier::Append(std::string_view data) {
  subtrees_.push_back(HashLeaf(data));
  const uint64_t index = size_++;
  // Two complete subtrees of equal size merge, exactly as the bits of size_ carry.
  for (uint64_t carried = index; carried & 1; carried >>= 1) {
    const Hash right = subtrees_.back();
    subtrees_.pop_back();
    subtrees_.back() = HashChildren(subtrees_.back(), right);
  }
  return index;
}

Hash MerkleFrontier::Root() const {
  if (subtrees_.empty()) return EmptyRoot();
  // RFC 6962 splits at the largest power of two, so the smaller subtrees fold in from
  // the right.
  Hash root = subtrees_.back();
  for (size_t i = subtrees_.size() - 1; i-- > 0;) root = HashChildren(subtrees_[i], root);
  return root;
}

StatusOr<MerkleFrontier> MerkleFrontier::FromSubtrees(uint64_t size, std::vector<Hash> subtrees) {
  if (subtrees.size() != static_cast<size_t>(std::popcount(size))) {
    return InvalidArgument("merkle frontier: " + std::to_string(subtrees.size()) +
                           " subtree hashes for " + std::to_string(size) + " leaves");
  }
  MerkleFrontier f;
  f.size_ = size;
  f.subtrees_ = std::move(subtrees);
  return f;
}

std::string MerkleFrontier::Serialize() const {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[static_cast<size_t>(i)] = static_cast<char>((size_ >> (8 * i)) & 0xff);
  for (const Hash& h : subtrees_) out.append(reinterpret_cast<const char*>(h.data()), h.size());
  return out;
}

StatusOr<MerkleFrontier> MerkleFrontier::Deserialize(std::string_view bytes) {
  if (bytes.size() < 8) return InvalidArgument("merkle frontier: too short");
  MerkleFrontier f;
  for (int i = 7; i >= 0; --i) f.size_ = (f.size_ << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  const size_t count = static_cast<size_t>(std::popcount(f.size_));
  if (bytes.size() != 8 + count * kHashSize) {
    return InvalidArgument("merkle frontier: " + std::to_string(bytes.size()) +
                           " bytes do not hold a frontier of " + std::to_string(f.size_) + " leaves");
  }
  f.subtrees_.resize(count);
  for (size_t i = 0; i < count; ++i) {
    std::memcpy(f.subtrees_[i].data(), bytes.data() + 8 + i * kHashSize, kHashSize);
  }
  return f;
}

}  // namespace stayaway::evidence
