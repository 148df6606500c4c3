#include "ingest/batch_ack_encoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "ingest/frame_codec.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

// The acknowledgement built as a ServerFrame, the way the port built it before.
std::string AckThroughServerFrame(uint64_t batch_id, const std::vector<v1::FixRef>& fixes,
                                  const std::vector<FixOutcome>& outcomes) {
  v1::ServerFrame frame;
  v1::BatchAck* ack = frame.mutable_ack();
  ack->set_batch_id(batch_id);
  uint32_t duplicates = 0;
  for (size_t i = 0; i < fixes.size(); ++i) {
    if (outcomes[i].accepted) {
      *ack->add_accepted() = fixes[i];
      duplicates += outcomes[i].duplicate;
      continue;
    }
    v1::Rejection* rejection = ack->add_rejected();
    rejection->set_index(static_cast<uint32_t>(i));
    rejection->set_device(fixes[i].device());
    rejection->set_seq(fixes[i].seq());
    rejection->set_code(outcomes[i].code);
    rejection->set_reason(outcomes[i].reason);
  }
  ack->set_duplicates(duplicates);
  return EncodeFrame(frame);
}

TEST(BatchAckEncoder, WritesTheBytesOfTheServerFrameOnRandomBatches) {
  std::mt19937_64 rng(20261207);
  BatchAckEncoder encoder;  // one for all, as a connection keeps it
  for (int round = 0; round < 3'000; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Up to 2,000 fixes: lengths of one, two and three varint bytes.
    const size_t count = round % 50 == 0 ? 2'000 : rng() % 40;
    std::vector<v1::FixRef> refs(count);
    std::vector<FixOutcome> outcomes(count);
    BatchFixIds ids;
    ids.Reserve(count, 0);
    for (size_t i = 0; i < count; ++i) {
      // Empty ids and long ones, seqs of every size.
      refs[i].set_device(
          std::string(rng() % 3 == 0 ? 0 : rng() % 200, static_cast<char>('a' + rng() % 26)));
      refs[i].set_seq(rng() % 2 ? rng() : rng() % 300);
      ids.Add(refs[i].device(), refs[i].seq());
      outcomes[i].accepted = rng() % 3 != 0;
      outcomes[i].duplicate = outcomes[i].accepted && rng() % 4 == 0;
      if (!outcomes[i].accepted) {
        outcomes[i].code = rng() % 2 ? "invalid_argument" : "";
        outcomes[i].reason = std::string(rng() % 300, 'r');
      }
    }
    const uint64_t batch_id = rng() % 2 ? rng() : 0;
    ASSERT_EQ(encoder.Encode(batch_id, ids, outcomes),
              AckThroughServerFrame(batch_id, refs, outcomes));
  }
}

TEST(BatchAckEncoder, BatchFixIdsGiveBackEachIdAndSeq) {
  BatchFixIds ids;
  ids.Add("tag-1", 1);
  ids.Add("", 2);
  ids.Add("phone-2", UINT64_MAX);
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.device(0), "tag-1");
  EXPECT_EQ(ids.device(1), "");
  EXPECT_EQ(ids.device(2), "phone-2");
  EXPECT_EQ(ids.seq(0), 1u);
  EXPECT_EQ(ids.seq(2), UINT64_MAX);
}

}  // namespace
}  // namespace stayaway::ingest
