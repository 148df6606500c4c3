// MerkleFrontier: the right edge of an append-only RFC 6962 Merkle tree — one hash per
// set bit of its size — which is all it takes to append leaves and compute the current
// root. The daemon keeps this (O(log n) memory) instead of every leaf; proofs come from
// MerkleTree, rebuilt offline from the journal. Thread-compatible.
#ifndef STAYAWAY_EVIDENCE_MERKLE_FRONTIER_H_
#define STAYAWAY_EVIDENCE_MERKLE_FRONTIER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "evidence/merkle_tree.h"

namespace stayaway::evidence {

class MerkleFrontier {
 public:
  // Appends a leaf (its data is hashed as SHA-256(0x00 || data)); returns its index.
  uint64_t Append(std::string_view data);
  uint64_t size() const { return size_; }
  // The RFC 6962 root of the leaves so far (SHA-256("") when empty).
  Hash Root() const;

  // The complete subtrees' hashes, largest (leftmost) first: one per set bit of size().
  const std::vector<Hash>& subtrees() const { return subtrees_; }
  // A frontier from its parts; refuses a count of hashes that is not popcount(size).
  static StatusOr<MerkleFrontier> FromSubtrees(uint64_t size, std::vector<Hash> subtrees);

  // For snapshots: the size and the subtree hashes, largest subtree first.
  std::string Serialize() const;
  static StatusOr<MerkleFrontier> Deserialize(std::string_view bytes);

 private:
  uint64_t size_ = 0;
  std::vector<Hash> subtrees_;  // complete subtrees, sizes = the set bits of size_, largest first
};

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_MERKLE_FRONTIER_H_
