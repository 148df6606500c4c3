// MerkleTree: the append-only hash tree that makes stayaway's records tamper-evident
// (ARCHITECTURE.md, decision 8). The daemon appends every journal record and every
// derived event (alert transitions, acknowledgements, order changes) as a leaf, signs
// checkpoints of the root (checkpoint.h), and evidence bundles carry inclusion proofs
// against a signed checkpoint. The free Verify* functions need no tree: they are what
// `stayaway verify` (and a court's own tool) runs offline.
//
// Hashing is exactly Certificate Transparency's (RFC 6962 section 2.1, RFC 9162
// section 2.1), so any independent CT implementation checks our roots and proofs:
//   leaf hash  = SHA-256(0x00 || leaf bytes)
//   node hash  = SHA-256(0x01 || left hash || right hash)
//   MTH({})    = SHA-256("")   (the empty tree)
//   MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two < n.
// Inclusion proofs are RFC 9162 2.1.3 audit paths and consistency proofs are RFC 9162
// 2.1.4 proofs: lists of 32-byte node hashes, ordered from the bottom of the tree up.
//
// Hashes are `Hash` (std::array of 32 bytes): raw SHA-256 output, not hex. Protobuf
// `bytes` fields carry the same 32 raw bytes (HashToBytes / HashFromBytes).
//
// Cost: the tree keeps every complete, aligned subtree hash (level 0 = leaf hashes,
// level h = hashes of 2^h-leaf blocks), about two hashes (64 bytes) per leaf. A subtree
// hash never changes once complete, so RootHash, InclusionProof and ConsistencyProof
// take O(log n) hash operations for the current size and for every past size alike;
// Append is amortized O(1).
//
// Retention (evidence/retention.h) deletes the oldest journal records; the tree of what
// remains starts from the frontier at the cut (MerkleFrontier: one hash per complete
// subtree left of it) plus, for a few retained leaves (the order versions still in force),
// their audit paths inside their frontier subtree. Every node a proof about the later
// leaves needs is either such a frontier subtree or lies right of the cut, so roots,
// inclusion proofs (of later and of retained leaves) and consistency proofs from sizes at
// or after the cut are exactly those of the full tree; anything else is refused.
//
// Thread-compatible: const methods may run concurrently with each other, not with
// Append. The Verify* functions are pure and thread-safe.
#ifndef STAYAWAY_EVIDENCE_MERKLE_TREE_H_
#define STAYAWAY_EVIDENCE_MERKLE_TREE_H_

#include <array>
#include <map>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"

namespace stayaway::v1 {
class InclusionProof;
class ConsistencyProof;
}  // namespace stayaway::v1

namespace stayaway::evidence {

inline constexpr size_t kHashSize = kSha256Bytes;
using Hash = Sha256Digest;

// RFC 6962 hashing primitives.
Hash HashLeaf(std::string_view data);                // SHA-256(0x00 || data)
Hash HashChildren(const Hash& left, const Hash& right);  // SHA-256(0x01 || left || right)
Hash EmptyRoot();                                    // SHA-256("")

// Conversions. Hex is lower case, 64 characters.
std::string HashToHex(const Hash& hash);
StatusOr<Hash> HashFromHex(std::string_view hex);
std::string HashToBytes(const Hash& hash);  // the 32 raw bytes, for protobuf `bytes`
StatusOr<Hash> HashFromBytes(std::string_view bytes);  // refuses anything but 32 bytes

class MerkleFrontier;

class MerkleTree {
 public:
  MerkleTree() = default;

  // A leaf left of a retention cut whose proofs survive the cut.
  struct RetainedLeaf {
    uint64_t index = 0;
    Hash leaf_hash{};
    std::vector<Hash> subtree_path;  // its audit path inside its frontier subtree
  };
  // The tree of a log whose first frontier.size() leaves were deleted (see above). Refuses
  // a retained leaf at or after the cut, or whose path does not lead to its subtree's hash.
  static StatusOr<MerkleTree> FromFrontier(const MerkleFrontier& frontier,
                                           const std::vector<RetainedLeaf>& retained);
  // Leaves deleted before this tree begins (0 for a whole tree).
  uint64_t pruned_leaves() const { return pruned_; }
  // The frontier of the tree of `tree_size` leaves (pruned_leaves() <= tree_size <= size()).
  StatusOr<MerkleFrontier> FrontierAt(uint64_t tree_size) const;
  // The audit path of `leaf` inside the complete subtree of the frontier at `cut` that
  // holds it (leaf < cut <= size()): what a new cut keeps for a retained leaf.
  StatusOr<std::vector<Hash>> PathInFrontierSubtree(uint64_t leaf, uint64_t cut) const;

  // Appends one leaf (the record's bytes, hashed with the 0x00 leaf prefix) and returns
  // its index, 0 for the first leaf.
  uint64_t Append(std::string_view data);
  // Appends a leaf whose leaf hash (HashLeaf of its data) was computed elsewhere, e.g.
  // when rebuilding the tree from stored leaf hashes.
  uint64_t AppendLeafHash(const Hash& leaf_hash);

  uint64_t size() const { return levels_.empty() ? 0 : offsets_[0] + levels_[0].size(); }
  // Leaf hash of leaf `index` (pruned_leaves() <= index < size()).
  const Hash& LeafHash(uint64_t index) const { return levels_[0][index - offsets_[0]]; }

  // Root of the tree made of the first `tree_size` leaves (tree_size <= size()); the
  // empty tree's root is SHA-256("").
  StatusOr<Hash> RootHash(uint64_t tree_size) const;
  Hash CurrentRoot() const;  // RootHash(size())

  // RFC 9162 2.1.3.1 audit path of leaf `leaf_index` in the tree of `tree_size` leaves
  // (leaf_index < tree_size <= size()).
  StatusOr<std::vector<Hash>> InclusionProof(uint64_t leaf_index, uint64_t tree_size) const;
  // RFC 9162 2.1.4.1 proof that the tree of old_size leaves is a prefix of the tree of
  // new_size leaves (old_size <= new_size <= size()). Empty when old_size is 0 or equal
  // to new_size: those need no proof.
  StatusOr<std::vector<Hash>> ConsistencyProof(uint64_t old_size, uint64_t new_size) const;

  // The same proofs as protobuf messages, for evidence bundles and exports.
  StatusOr<v1::InclusionProof> InclusionProofMessage(uint64_t leaf_index,
                                                     uint64_t tree_size) const;
  StatusOr<v1::ConsistencyProof> ConsistencyProofMessage(uint64_t old_size,
                                                         uint64_t new_size) const;

 private:
  // Hash of leaves [begin, end) as MTH defines it; 0 < end - begin. Sets *gap when a node
  // it needs was deleted by retention (a caller's precondition check failed to exclude it).
  Hash Subtree(uint64_t begin, uint64_t end, bool* gap) const;
  void AuditPath(uint64_t index, uint64_t begin, uint64_t end, std::vector<Hash>* out,
                 bool* gap) const;
  void SubProof(uint64_t old_end, uint64_t begin, uint64_t end, bool old_is_complete_subtree,
                std::vector<Hash>* out, bool* gap) const;
  Status CheckSize(uint64_t tree_size) const;

  // levels_[h][i] is the hash of leaves [(offsets_[h] + i) * 2^h, ... + 2^h): complete
  // aligned blocks. In a whole tree offsets_ are all 0; after a cut, level h starts with
  // the frontier subtree of that height, if the cut has one.
  std::vector<std::vector<Hash>> levels_;
  std::vector<uint64_t> offsets_;
  uint64_t pruned_ = 0;
  std::map<uint64_t, std::vector<Hash>> retained_paths_;  // by leaf index, left of the cut
};

// Offline verification, RFC 9162 2.1.3.2: ok when `path` proves that the leaf with hash
// `leaf_hash` is leaf `leaf_index` of the tree of `tree_size` leaves whose root is
// `root`. Otherwise a non-ok Status saying what does not hold.
Status VerifyInclusion(const Hash& leaf_hash, uint64_t leaf_index, uint64_t tree_size,
                       std::span<const Hash> path, const Hash& root);

// Offline verification, RFC 9162 2.1.4.2: ok when `proof` shows that the tree of
// old_size leaves with root old_root is a prefix of the tree of new_size leaves with
// root new_root. For old_size == new_size the proof must be empty and the roots equal;
// for old_size == 0 the proof must be empty and old_root must be the empty-tree root.
Status VerifyConsistency(uint64_t old_size, uint64_t new_size, const Hash& old_root,
                         const Hash& new_root, std::span<const Hash> proof);

// The same checks on proofs as they arrive in bundles (path elements must be 32 bytes).
Status VerifyInclusion(const Hash& leaf_hash, const v1::InclusionProof& proof,
                       const Hash& root);
Status VerifyConsistency(const v1::ConsistencyProof& proof, const Hash& old_root,
                         const Hash& new_root);

}  // namespace stayaway::evidence

#endif  // STAYAWAY_EVIDENCE_MERKLE_TREE_H_
