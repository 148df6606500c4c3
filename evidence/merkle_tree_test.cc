// Tests of the RFC 9162 Merkle tree: published Certificate Transparency vectors, then a
// brute-force oracle (the RFC's recursive definitions written out naively) over many tree
// sizes, with tampering of every part of every proof.
#include "evidence/merkle_tree.h"

#include <gtest/gtest.h>

#include <bit>
#include <random>
#include <string>
#include <vector>

#include "evidence/merkle_frontier.h"
#include "proto/stayaway.pb.h"

namespace stayaway::evidence {
namespace {

std::string Unhex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

Hash H(std::string_view hex) {
  StatusOr<Hash> hash = HashFromHex(hex);
  EXPECT_TRUE(hash.ok()) << hex;
  return hash.ok() ? *hash : Hash{};
}

// The published vectors of the Certificate Transparency reference tests, as carried by
// transparency-dev/merkle proof/verify_test.go (and google/certificate-transparency's
// merkle tree tests): eight leaves, the tree heads of sizes 0..8, and proofs.
const std::vector<std::string> kCtLeaves = {
    Unhex(""),         Unhex("00"),       Unhex("10"),
    Unhex("2021"),     Unhex("3031"),     Unhex("40414243"),
    Unhex("5051525354555657"), Unhex("606162636465666768696a6b6c6d6e6f"),
};
const char* const kCtRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",  // size 8
};

struct PublishedInclusion {
  uint64_t leaf_index;  // 0-based (the published table numbers leaves from 1)
  uint64_t tree_size;
  std::vector<const char*> path;
};
const std::vector<PublishedInclusion> kCtInclusion = {
    {0, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5, 8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1, 5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct PublishedConsistency {
  uint64_t old_size;
  uint64_t new_size;
  std::vector<const char*> proof;
};
const std::vector<PublishedConsistency> kCtConsistency = {
    {1, 8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6, 8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6, 7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

MerkleTree CtTree() {
  MerkleTree tree;
  for (const std::string& leaf : kCtLeaves) tree.Append(leaf);
  return tree;
}

std::vector<Hash> Hashes(const std::vector<const char*>& hex) {
  std::vector<Hash> out;
  for (const char* h : hex) out.push_back(H(h));
  return out;
}

// ---------------------------------------------------------------------------------
// The oracle: RFC 9162 2.1.1, 2.1.3.1 and 2.1.4.1 written out literally, O(n) per call.
// ---------------------------------------------------------------------------------

uint64_t LargestPowerOfTwoBelow(uint64_t n) {
  uint64_t k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

Hash NaiveMth(std::span<const Hash> leaves) {
  if (leaves.empty()) return EmptyRoot();
  if (leaves.size() == 1) return leaves[0];
  const uint64_t k = LargestPowerOfTwoBelow(leaves.size());
  return HashChildren(NaiveMth(leaves.first(k)), NaiveMth(leaves.subspan(k)));
}

std::vector<Hash> NaivePath(uint64_t m, std::span<const Hash> leaves) {
  if (leaves.size() <= 1) return {};
  const uint64_t k = LargestPowerOfTwoBelow(leaves.size());
  std::vector<Hash> out;
  if (m < k) {
    out = NaivePath(m, leaves.first(k));
    out.push_back(NaiveMth(leaves.subspan(k)));
  } else {
    out = NaivePath(m - k, leaves.subspan(k));
    out.push_back(NaiveMth(leaves.first(k)));
  }
  return out;
}

std::vector<Hash> NaiveSubproof(uint64_t m, std::span<const Hash> leaves, bool b) {
  const uint64_t n = leaves.size();
  if (m == n) return b ? std::vector<Hash>{} : std::vector<Hash>{NaiveMth(leaves)};
  const uint64_t k = LargestPowerOfTwoBelow(n);
  std::vector<Hash> out;
  if (m <= k) {
    out = NaiveSubproof(m, leaves.first(k), b);
    out.push_back(NaiveMth(leaves.subspan(k)));
  } else {
    out = NaiveSubproof(m - k, leaves.subspan(k), false);
    out.push_back(NaiveMth(leaves.first(k)));
  }
  return out;
}

Hash Flip(Hash hash, size_t byte) {
  hash[byte % kHashSize] ^= 0x01;
  return hash;
}

// Distinct leaves, so a leaf hash never stands for another leaf.
std::string LeafData(uint64_t i) { return "record " + std::to_string(i) + " " + std::string(i % 7, 'x'); }

// ---------------------------------------------------------------------------------
// Published vectors
// ---------------------------------------------------------------------------------

TEST(MerkleHashing, EmptyTreeIsSha256OfNothing) {
  EXPECT_EQ(HashToHex(EmptyRoot()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  MerkleTree tree;
  EXPECT_EQ(tree.size(), 0u);
  EXPECT_EQ(tree.CurrentRoot(), EmptyRoot());
  ASSERT_TRUE(tree.RootHash(0).ok());
  EXPECT_EQ(*tree.RootHash(0), EmptyRoot());
}

TEST(MerkleHashing, LeafAndNodePrefixesAreDistinct) {
  // The leaf hash of the empty string is SHA-256(0x00): the published size-1 root.
  EXPECT_EQ(HashToHex(HashLeaf("")), kCtRoots[1]);
  const Hash a = HashLeaf("a");
  const Hash b = HashLeaf("b");
  // A node is not the leaf hash of its children's concatenation (second preimages).
  EXPECT_NE(HashChildren(a, b), HashLeaf(HashToBytes(a) + HashToBytes(b)));
  EXPECT_EQ(HashChildren(a, b),
            Sha256(std::string(1, '\x01') + HashToBytes(a) + HashToBytes(b)));
}

TEST(MerkleTree, RootsMatchPublishedCtVectors) {
  MerkleTree tree;
  EXPECT_EQ(HashToHex(tree.CurrentRoot()), kCtRoots[0]);
  for (size_t i = 0; i < kCtLeaves.size(); ++i) {
    EXPECT_EQ(tree.Append(kCtLeaves[i]), i);
    EXPECT_EQ(HashToHex(tree.CurrentRoot()), kCtRoots[i + 1]) << "size " << i + 1;
  }
  // Every past size, after the fact.
  for (uint64_t size = 0; size <= 8; ++size) {
    StatusOr<Hash> root = tree.RootHash(size);
    ASSERT_TRUE(root.ok());
    EXPECT_EQ(HashToHex(*root), kCtRoots[size]) << "size " << size;
  }
  EXPECT_FALSE(tree.RootHash(9).ok());
}

TEST(MerkleTree, InclusionProofsMatchPublishedVectors) {
  const MerkleTree tree = CtTree();
  for (const PublishedInclusion& v : kCtInclusion) {
    StatusOr<std::vector<Hash>> path = tree.InclusionProof(v.leaf_index, v.tree_size);
    ASSERT_TRUE(path.ok());
    EXPECT_EQ(*path, Hashes(v.path)) << "leaf " << v.leaf_index << " size " << v.tree_size;
    // And the published path verifies, independently of our generator.
    const Hash leaf = HashLeaf(kCtLeaves[v.leaf_index]);
    EXPECT_TRUE(VerifyInclusion(leaf, v.leaf_index, v.tree_size, Hashes(v.path),
                                H(kCtRoots[v.tree_size]))
                    .ok());
  }
  // A one-leaf tree: empty path, the root is the leaf hash.
  StatusOr<std::vector<Hash>> single = tree.InclusionProof(0, 1);
  ASSERT_TRUE(single.ok());
  EXPECT_TRUE(single->empty());
  EXPECT_TRUE(VerifyInclusion(HashLeaf(kCtLeaves[0]), 0, 1, {}, H(kCtRoots[1])).ok());
}

TEST(MerkleTree, ConsistencyProofsMatchPublishedVectors) {
  const MerkleTree tree = CtTree();
  for (const PublishedConsistency& v : kCtConsistency) {
    StatusOr<std::vector<Hash>> proof = tree.ConsistencyProof(v.old_size, v.new_size);
    ASSERT_TRUE(proof.ok());
    EXPECT_EQ(*proof, Hashes(v.proof)) << v.old_size << " -> " << v.new_size;
    EXPECT_TRUE(VerifyConsistency(v.old_size, v.new_size, H(kCtRoots[v.old_size]),
                                  H(kCtRoots[v.new_size]), Hashes(v.proof))
                    .ok());
  }
}

TEST(MerkleTree, RefusesSizesAndIndicesOutsideTheTree) {
  const MerkleTree tree = CtTree();
  EXPECT_FALSE(tree.InclusionProof(8, 8).ok());
  EXPECT_FALSE(tree.InclusionProof(0, 9).ok());
  EXPECT_FALSE(tree.InclusionProof(0, 0).ok());
  EXPECT_FALSE(tree.ConsistencyProof(5, 4).ok());
  EXPECT_FALSE(tree.ConsistencyProof(1, 9).ok());
  EXPECT_TRUE(tree.ConsistencyProof(0, 8).ok());
  EXPECT_TRUE(tree.ConsistencyProof(8, 8)->empty());
}

TEST(MerkleVerify, EdgeCasesOfTheVerifiers) {
  const Hash some = HashLeaf("some");
  const Hash other = HashLeaf("other");
  // No leaf is in an empty tree; an index must be below the size.
  EXPECT_FALSE(VerifyInclusion(some, 0, 0, {}, EmptyRoot()).ok());
  EXPECT_FALSE(VerifyInclusion(some, 2, 1, {}, some).ok());
  EXPECT_FALSE(VerifyInclusion(some, 0, 1, {}, other).ok());
  // Equal sizes: empty proof and equal roots, nothing else.
  EXPECT_TRUE(VerifyConsistency(3, 3, some, some, {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, some, other, {}).ok());
  EXPECT_FALSE(VerifyConsistency(3, 3, some, some, std::vector<Hash>{some}).ok());
  // From the empty tree: the old root must be the empty root.
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyRoot(), other, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, some, other, {}).ok());
  EXPECT_FALSE(VerifyConsistency(0, 5, EmptyRoot(), other, std::vector<Hash>{some}).ok());
  // Logs do not shrink; a real step needs a proof.
  EXPECT_FALSE(VerifyConsistency(2, 1, some, other, {}).ok());
  EXPECT_FALSE(VerifyConsistency(1, 2, some, other, {}).ok());
}

TEST(MerkleHashing, HexAndBytesConversions) {
  const Hash h = H(kCtRoots[8]);
  EXPECT_EQ(HashToHex(h), kCtRoots[8]);
  EXPECT_EQ(*HashFromHex("5DC9DA79A70659A9AD559CB701DED9A2AB9D823AAD2F4960CFE370EFF4604328"), h);
  EXPECT_FALSE(HashFromHex("5dc9").ok());
  EXPECT_FALSE(HashFromHex(std::string(64, 'g')).ok());
  EXPECT_EQ(*HashFromBytes(HashToBytes(h)), h);
  EXPECT_FALSE(HashFromBytes(std::string(31, '\0')).ok());
  EXPECT_FALSE(HashFromBytes(std::string(33, '\0')).ok());
}

// ---------------------------------------------------------------------------------
// Brute force against the oracle
// ---------------------------------------------------------------------------------

TEST(MerkleTree, EveryPastRootMatchesTheOracle) {
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 300; ++i) {
    tree.Append(LeafData(i));
    leaves.push_back(HashLeaf(LeafData(i)));
    ASSERT_EQ(tree.CurrentRoot(), NaiveMth(leaves)) << "size " << i + 1;
  }
  for (uint64_t size = 0; size <= 300; ++size) {
    ASSERT_EQ(*tree.RootHash(size), NaiveMth(std::span(leaves).first(size))) << size;
  }
  // The same tree built from leaf hashes is the same tree.
  MerkleTree from_hashes;
  for (const Hash& leaf : leaves) from_hashes.AppendLeafHash(leaf);
  EXPECT_EQ(from_hashes.CurrentRoot(), tree.CurrentRoot());
  EXPECT_EQ(from_hashes.LeafHash(123), leaves[123]);
}

// Sizes 1..64 exhaustively, then random sizes up to 300 (fixed seed: reproducible).
std::vector<uint64_t> InclusionSizes() {
  std::vector<uint64_t> sizes;
  for (uint64_t s = 1; s <= 64; ++s) sizes.push_back(s);
  std::mt19937_64 rng(20250301);
  std::uniform_int_distribution<uint64_t> pick(65, 300);
  for (int i = 0; i < 24; ++i) sizes.push_back(pick(rng));
  sizes.push_back(256);
  sizes.push_back(300);
  return sizes;
}

TEST(MerkleTree, EveryInclusionProofVerifiesAndEveryTamperingFails) {
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 300; ++i) {
    tree.Append(LeafData(i));
    leaves.push_back(HashLeaf(LeafData(i)));
  }
  std::vector<Hash> roots;
  for (uint64_t s = 0; s <= 301; ++s) roots.push_back(s <= 300 ? *tree.RootHash(s) : Hash{});

  uint64_t checked = 0;
  for (uint64_t size : InclusionSizes()) {
    const Hash& root = roots[size];
    for (uint64_t i = 0; i < size; ++i) {
      SCOPED_TRACE("leaf " + std::to_string(i) + " of " + std::to_string(size));
      const std::vector<Hash> path = *tree.InclusionProof(i, size);
      ASSERT_EQ(path, NaivePath(i, std::span(leaves).first(size)));
      // At most one hash per level: ceil(log2(size)).
      ASSERT_LE(path.size(), static_cast<size_t>(std::bit_width(size - 1)));
      const Hash& leaf = leaves[i];
      ASSERT_TRUE(VerifyInclusion(leaf, i, size, path, root).ok());
      ++checked;

      // A changed byte in the leaf, in the root, or in any element of the path.
      EXPECT_FALSE(VerifyInclusion(Flip(leaf, i), i, size, path, root).ok());
      EXPECT_FALSE(VerifyInclusion(leaf, i, size, path, Flip(root, i * 7 + 3)).ok());
      for (size_t k = 0; k < path.size(); ++k) {
        std::vector<Hash> bad = path;
        bad[k] = Flip(bad[k], k * 11 + i);
        EXPECT_FALSE(VerifyInclusion(leaf, i, size, bad, root).ok()) << "path[" << k << "]";
      }
      // Another leaf's hash at this position, or this leaf claimed at another position.
      if (size > 1) {
        EXPECT_FALSE(VerifyInclusion(leaves[(i + 1) % size], i, size, path, root).ok());
      }
      for (uint64_t j : {i + 1, i - 1, i ^ 1, i ^ 2, i ^ 4}) {
        if (j < size && j != i) {
          EXPECT_FALSE(VerifyInclusion(leaf, j, size, path, root).ok()) << "index " << j;
        }
      }
      // The proof replayed against the checkpoint of another size.
      for (uint64_t other : {size - 1, size + 1, size * 2, size / 2}) {
        if (other != size && other > i && other <= 300) {
          EXPECT_FALSE(VerifyInclusion(leaf, i, other, path, roots[other]).ok())
              << "size " << other;
        }
      }
      // Elements dropped, added or duplicated.
      if (!path.empty()) {
        std::vector<Hash> shorter(path.begin(), path.end() - 1);
        EXPECT_FALSE(VerifyInclusion(leaf, i, size, shorter, root).ok());
        std::vector<Hash> front_dropped(path.begin() + 1, path.end());
        EXPECT_FALSE(VerifyInclusion(leaf, i, size, front_dropped, root).ok());
      }
      std::vector<Hash> longer = path;
      longer.push_back(root);
      EXPECT_FALSE(VerifyInclusion(leaf, i, size, longer, root).ok());
      std::vector<Hash> prefixed = path;
      prefixed.insert(prefixed.begin(), leaf);
      EXPECT_FALSE(VerifyInclusion(leaf, i, size, prefixed, root).ok());
    }
  }
  EXPECT_GT(checked, 5000u);
}

TEST(MerkleTree, EveryConsistencyProofUpTo64VerifiesAndEveryTamperingFails) {
  MerkleTree tree;
  std::vector<Hash> leaves;
  for (uint64_t i = 0; i < 65; ++i) {
    tree.Append(LeafData(i));
    leaves.push_back(HashLeaf(LeafData(i)));
  }
  std::vector<Hash> roots;
  for (uint64_t s = 0; s <= 65; ++s) roots.push_back(*tree.RootHash(s));

  for (uint64_t new_size = 0; new_size <= 64; ++new_size) {
    for (uint64_t old_size = 0; old_size <= new_size; ++old_size) {
      SCOPED_TRACE(std::to_string(old_size) + " -> " + std::to_string(new_size));
      const std::vector<Hash> proof = *tree.ConsistencyProof(old_size, new_size);
      if (old_size > 0 && old_size < new_size) {
        ASSERT_EQ(proof, NaiveSubproof(old_size, std::span(leaves).first(new_size), true));
      } else {
        ASSERT_TRUE(proof.empty());
      }
      const Hash& old_root = roots[old_size];
      const Hash& new_root = roots[new_size];
      ASSERT_TRUE(VerifyConsistency(old_size, new_size, old_root, new_root, proof).ok());

      // Altered roots: the old log was rewritten, or the new one.
      EXPECT_FALSE(
          VerifyConsistency(old_size, new_size, Flip(old_root, new_size), new_root, proof).ok());
      // (Any tree extends the empty one, so from size 0 only the old root is checked.)
      if (old_size > 0 && old_size < new_size) {
        EXPECT_FALSE(
            VerifyConsistency(old_size, new_size, old_root, Flip(new_root, old_size), proof)
                .ok());
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, new_root, old_root, proof).ok());
      }
      if (proof.empty()) continue;

      for (size_t k = 0; k < proof.size(); ++k) {
        std::vector<Hash> bad = proof;
        bad[k] = Flip(bad[k], k * 5 + old_size);
        EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, bad).ok())
            << "proof[" << k << "]";
      }
      std::vector<Hash> shorter(proof.begin(), proof.end() - 1);
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, shorter).ok());
      std::vector<Hash> longer = proof;
      longer.push_back(new_root);
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, longer).ok());
      std::vector<Hash> prefixed = proof;
      prefixed.insert(prefixed.begin(), old_root);
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, prefixed).ok());
      EXPECT_FALSE(VerifyConsistency(old_size, new_size, old_root, new_root, {}).ok());
      // The proof replayed for other sizes, with the genuine roots of those sizes.
      for (uint64_t other_old : {old_size - 1, old_size + 1}) {
        if (other_old >= 1 && other_old < new_size && other_old != old_size) {
          EXPECT_FALSE(VerifyConsistency(other_old, new_size, roots[other_old], new_root, proof)
                           .ok())
              << "old size " << other_old;
        }
      }
      for (uint64_t other_new : {new_size - 1, new_size + 1}) {
        if (other_new > old_size && other_new <= 65 && other_new != new_size) {
          EXPECT_FALSE(VerifyConsistency(old_size, other_new, old_root, roots[other_new], proof)
                           .ok())
              << "new size " << other_new;
        }
      }
    }
  }
}

TEST(MerkleTree, ProofMessagesRoundTripAndRefuseMalformedHashes) {
  const MerkleTree tree = CtTree();
  StatusOr<v1::InclusionProof> inclusion = tree.InclusionProofMessage(5, 8);
  ASSERT_TRUE(inclusion.ok());
  EXPECT_EQ(inclusion->leaf_index(), 5u);
  EXPECT_EQ(inclusion->tree_size(), 8u);
  EXPECT_EQ(inclusion->path_size(), 3);
  const Hash root8 = H(kCtRoots[8]);
  EXPECT_TRUE(VerifyInclusion(HashLeaf(kCtLeaves[5]), *inclusion, root8).ok());

  v1::InclusionProof short_element = *inclusion;
  short_element.mutable_path(1)->pop_back();
  const Status refused = VerifyInclusion(HashLeaf(kCtLeaves[5]), short_element, root8);
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.message().find("path[1]"), std::string::npos) << refused.message();

  StatusOr<v1::ConsistencyProof> consistency = tree.ConsistencyProofMessage(6, 8);
  ASSERT_TRUE(consistency.ok());
  EXPECT_TRUE(VerifyConsistency(*consistency, H(kCtRoots[6]), root8).ok());
  v1::ConsistencyProof wrong_size = *consistency;
  wrong_size.set_old_size(5);
  EXPECT_FALSE(VerifyConsistency(wrong_size, H(kCtRoots[5]), root8).ok());
}

TEST(MerkleVerify, FailureMessagesSayWhatDoesNotMatch) {
  const MerkleTree tree = CtTree();
  const std::vector<Hash> path = *tree.InclusionProof(5, 8);
  const Status status =
      VerifyInclusion(HashLeaf("forged"), 5, 8, path, H(kCtRoots[8]));
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("leaf 5"), std::string::npos) << status.message();
  EXPECT_NE(status.message().find("5dc9da79a70659a9"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace stayaway::evidence

// ---------------------------------------------------------------------------------
// Trees that start from a retention cut: the whole tree is the oracle.
// ---------------------------------------------------------------------------------

namespace stayaway::evidence {
namespace {

MerkleTree PrunedAt(const MerkleTree& whole, const std::vector<Hash>& leaf_hashes, uint64_t cut,
                    const std::vector<uint64_t>& retained) {
  auto frontier = whole.FrontierAt(cut);
  EXPECT_TRUE(frontier.ok());
  std::vector<MerkleTree::RetainedLeaf> kept;
  for (uint64_t leaf : retained) {
    auto path = whole.PathInFrontierSubtree(leaf, cut);
    EXPECT_TRUE(path.ok()) << path.status().message();
    kept.push_back({leaf, leaf_hashes[leaf], *path});
  }
  auto tree = MerkleTree::FromFrontier(*frontier, kept);
  EXPECT_TRUE(tree.ok()) << tree.status().message();
  for (uint64_t i = cut; i < leaf_hashes.size(); ++i) tree->AppendLeafHash(leaf_hashes[i]);
  return std::move(tree).value();
}

TEST(PrunedMerkleTreeTest, EveryProofAfterEveryCutMatchesTheWholeTree) {
  constexpr uint64_t kLeaves = 37;
  std::vector<Hash> leaf_hashes;
  MerkleTree whole;
  for (uint64_t i = 0; i < kLeaves; ++i) {
    leaf_hashes.push_back(HashLeaf("leaf " + std::to_string(i)));
    whole.AppendLeafHash(leaf_hashes.back());
  }
  for (uint64_t cut = 0; cut <= kLeaves; ++cut) {
    std::vector<uint64_t> retained;
    for (uint64_t i = 0; i < cut; i += 3) retained.push_back(i);
    const MerkleTree tree = PrunedAt(whole, leaf_hashes, cut, retained);
    ASSERT_EQ(tree.size(), kLeaves);
    EXPECT_EQ(tree.pruned_leaves(), cut);
    EXPECT_EQ(tree.CurrentRoot(), whole.CurrentRoot());
    for (uint64_t n = std::max<uint64_t>(cut, 1); n <= kLeaves; ++n) {
      SCOPED_TRACE("cut " + std::to_string(cut) + " size " + std::to_string(n));
      EXPECT_EQ(*tree.RootHash(n), *whole.RootHash(n));
      for (uint64_t leaf = 0; leaf < n; ++leaf) {
        const bool known = leaf >= cut || leaf % 3 == 0;
        auto got = tree.InclusionProof(leaf, n);
        ASSERT_EQ(got.ok(), known) << "leaf " << leaf;
        if (known) {
          EXPECT_EQ(*got, *whole.InclusionProof(leaf, n)) << "leaf " << leaf;
        }
      }
      for (uint64_t old = 0; old <= n; ++old) {
        auto got = tree.ConsistencyProof(old, n);
        const bool known = old == 0 || old >= cut;
        ASSERT_EQ(got.ok(), known) << "old " << old;
        if (known) {
          EXPECT_EQ(*got, *whole.ConsistencyProof(old, n)) << "old " << old;
        }
      }
    }
    if (cut > 1) {
      EXPECT_FALSE(tree.RootHash(cut - 1).ok());
    }
  }
}

TEST(PrunedMerkleTreeTest, ASecondCutCarriesTheRetainedLeavesForward) {
  constexpr uint64_t kLeaves = 53;
  std::vector<Hash> leaf_hashes;
  MerkleTree whole;
  for (uint64_t i = 0; i < kLeaves; ++i) {
    leaf_hashes.push_back(HashLeaf("entry " + std::to_string(i)));
    whole.AppendLeafHash(leaf_hashes.back());
  }
  for (uint64_t first = 1; first < 30; first += 4) {
    for (uint64_t second = first; second <= 45; second += 5) {
      SCOPED_TRACE("cuts " + std::to_string(first) + ", " + std::to_string(second));
      std::vector<uint64_t> retained = {0, first - 1};
      const MerkleTree once = PrunedAt(whole, leaf_hashes, first, retained);
      // The second cut keeps the first's retained leaves and one more after the first cut.
      auto frontier = once.FrontierAt(second);
      ASSERT_TRUE(frontier.ok());
      std::vector<MerkleTree::RetainedLeaf> kept;
      std::vector<uint64_t> keep = retained;
      if (second > first) keep.push_back(second - 1);
      for (uint64_t leaf : keep) {
        auto path = once.PathInFrontierSubtree(leaf, second);
        ASSERT_TRUE(path.ok()) << path.status().message();
        EXPECT_EQ(*path, *whole.PathInFrontierSubtree(leaf, second));
        kept.push_back({leaf, leaf_hashes[leaf], *path});
      }
      auto twice = MerkleTree::FromFrontier(*frontier, kept);
      ASSERT_TRUE(twice.ok()) << twice.status().message();
      for (uint64_t i = second; i < kLeaves; ++i) twice->AppendLeafHash(leaf_hashes[i]);
      for (uint64_t leaf : keep) {
        EXPECT_EQ(*twice->InclusionProof(leaf, kLeaves), *whole.InclusionProof(leaf, kLeaves));
      }
      EXPECT_EQ(twice->CurrentRoot(), whole.CurrentRoot());
    }
  }
}

TEST(PrunedMerkleTreeTest, RefusesRetainedPathsThatDoNotLeadToTheFrontier) {
  MerkleTree whole;
  std::vector<Hash> leaf_hashes;
  for (int i = 0; i < 12; ++i) {
    leaf_hashes.push_back(HashLeaf(std::to_string(i)));
    whole.AppendLeafHash(leaf_hashes.back());
  }
  auto frontier = whole.FrontierAt(11);
  auto path = whole.PathInFrontierSubtree(5, 11);
  ASSERT_TRUE(frontier.ok() && path.ok());
  EXPECT_TRUE(MerkleTree::FromFrontier(*frontier, {{5, leaf_hashes[5], *path}}).ok());
  EXPECT_FALSE(MerkleTree::FromFrontier(*frontier, {{5, leaf_hashes[6], *path}}).ok());
  EXPECT_FALSE(MerkleTree::FromFrontier(*frontier, {{4, leaf_hashes[4], *path}}).ok());
  EXPECT_FALSE(MerkleTree::FromFrontier(*frontier, {{11, leaf_hashes[11], {}}}).ok());
  std::vector<Hash> short_path(path->begin(), path->end() - 1);
  EXPECT_FALSE(MerkleTree::FromFrontier(*frontier, {{5, leaf_hashes[5], short_path}}).ok());
}

}  // namespace
}  // namespace stayaway::evidence
