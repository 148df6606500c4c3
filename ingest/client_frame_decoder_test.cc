#include "ingest/client_frame_decoder.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "base/sanitized_build.h"
#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

// The decoder holds to ClientFrame::ParseFromString: the same frames are refused, and what
// it decodes serializes to the same bytes (presence included: a time present but zero is
// written, an absent one is not).
void ExpectSameAsParse(ClientFrameDecoder& decoder, const std::string& bytes) {
  v1::ClientFrame reference;
  const bool parsed = reference.ParseFromString(bytes);
  const ClientFrameDecoder::Result result = decoder.Decode(bytes);
  ASSERT_EQ(parsed, result != ClientFrameDecoder::Result::kMalformed);
  if (result == ClientFrameDecoder::Result::kBatch) {
    ASSERT_EQ(reference.frame_case(), v1::ClientFrame::kBatch);
    ASSERT_EQ(decoder.batch().SerializeAsString(), reference.batch().SerializeAsString());
  } else if (result == ClientFrameDecoder::Result::kOther) {
    ASSERT_EQ(decoder.frame().SerializeAsString(), reference.SerializeAsString());
  }
}

// A fix with each field present or not at random, times among them.
v1::Fix RandomFix(std::mt19937_64& rng) {
  auto coin = [&] { return rng() % 2 == 0; };
  v1::Fix fix;
  if (coin())
    fix.set_device("device-" + std::to_string(rng() % 1000) + std::string(rng() % 20, 'x'));
  if (coin()) fix.set_seq(rng());
  if (coin()) {
    fix.mutable_time()->set_seconds(static_cast<int64_t>(rng() % 2'000'000'000));
    if (coin()) fix.mutable_time()->set_nanos(static_cast<int32_t>(rng() % 1'000'000'000));
  }
  if (coin()) fix.mutable_received();  // present, zero: presence alone must survive
  if (coin()) fix.mutable_received()->set_seconds(static_cast<int64_t>(rng() % 2'000'000'000));
  if (coin()) fix.set_lat(static_cast<double>(rng() % 180'000) / 1000 - 90);
  if (coin()) fix.set_lon(static_cast<double>(rng() % 360'000) / 1000 - 180);
  if (coin()) fix.set_accuracy_m(static_cast<double>(rng() % 5000) / 10);
  if (coin()) fix.set_source(static_cast<v1::Fix::Source>(rng() % 4));
  if (coin()) fix.set_speed_mps(0);
  if (coin()) fix.set_heading_deg(static_cast<double>(rng() % 360));
  if (coin()) fix.set_battery_pct(static_cast<double>(rng() % 101));
  for (uint64_t f = rng() % 3; f > 0; --f) fix.add_flags(static_cast<v1::Fix::Flag>(rng() % 6));
  if (coin()) fix.set_no_position(true);
  if (coin()) fix.set_mac(std::string(32, static_cast<char>(rng())));
  return fix;
}

std::string RandomBatchFrame(std::mt19937_64& rng) {
  v1::ClientFrame frame;
  v1::FixBatch* batch = frame.mutable_batch();
  if (rng() % 2) batch->set_batch_id(rng());
  for (uint64_t n = rng() % 40; n > 0; --n) *batch->add_fixes() = RandomFix(rng);
  return frame.SerializeAsString();
}

// A frame changed at random: bytes flipped, cut short, grown, or a field appended.
std::string Mutated(std::string bytes, std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0:
      if (!bytes.empty()) bytes[rng() % bytes.size()] = static_cast<char>(rng());
      break;
    case 1:
      bytes.resize(rng() % (bytes.size() + 1));
      break;
    case 2:
      bytes.insert(rng() % (bytes.size() + 1), 1, static_cast<char>(rng()));
      break;
    case 3: {  // another record after the batch: a subscribe, or a second batch to merge
      v1::ClientFrame more;
      if (rng() % 2) {
        more.mutable_subscribe()->set_from_seq(rng() % 100);
      } else {
        *more.mutable_batch()->add_fixes() = RandomFix(rng);
      }
      bytes += more.SerializeAsString();
      break;
    }
    default:
      break;
  }
  return bytes;
}

TEST(ClientFrameDecoder, DecodesExactlyAsTheWholeFrameParseOnRandomAndMutatedFrames) {
  std::mt19937_64 rng(20261207);
  ClientFrameDecoder decoder;  // one for all: what a frame left must never show in the next
  std::vector<v1::Fix> used;   // as the port does: the batch's fixes swapped for used ones
  for (int i = 0; i < (kSanitizedBuild ? 5'000 : 20'000); ++i) {
    SCOPED_TRACE("frame " + std::to_string(i));
    std::string bytes = RandomBatchFrame(rng);
    if (i % 2 == 1) bytes = Mutated(std::move(bytes), rng);
    ASSERT_NO_FATAL_FAILURE(ExpectSameAsParse(decoder, bytes));
    if (decoder.Decode(bytes) == ClientFrameDecoder::Result::kBatch) {
      auto& fixes = *decoder.batch().mutable_fixes();
      if (used.size() < static_cast<size_t>(fixes.size()))
        used.resize(static_cast<size_t>(fixes.size()));
      for (int k = 0; k < fixes.size(); ++k) fixes[k].Swap(&used[static_cast<size_t>(k)]);
    }
  }
}

// Field `field`, length-delimited, holding `payload`.
std::string LengthDelimited(uint32_t field, const std::string& payload) {
  std::string out(1, static_cast<char>(field << 3 | 2));
  for (uint64_t n = payload.size();; n >>= 7) {
    out += static_cast<char>(n < 0x80 ? n : (n & 0x7f) | 0x80);
    if (n < 0x80) break;
  }
  return out + payload;
}

TEST(ClientFrameDecoder, FramesOfUnusualShapeAreParsedWhole) {
  ClientFrameDecoder decoder;
  v1::ClientFrame batch_frame;
  batch_frame.mutable_batch()->set_batch_id(7);
  *batch_frame.mutable_batch()->add_fixes() = [] {
    v1::Fix fix;
    fix.set_device("tag-1");
    fix.set_seq(3);
    return fix;
  }();
  const std::string batch = batch_frame.batch().SerializeAsString();
  ASSERT_LT(batch.size(), 128u);
  const std::string usual = "\x0a" + std::string(1, static_cast<char>(batch.size())) + batch;
  EXPECT_EQ(decoder.Decode(usual), ClientFrameDecoder::Result::kBatch);
  ExpectSameAsParse(decoder, usual);
  // The length in a padded varint, and the tag too: valid Protobuf, parsed whole.
  const std::string padded_length = "\x0a" +
                                    std::string(1, static_cast<char>(0x80 | batch.size())) +
                                    std::string(1, '\0') + batch;
  EXPECT_EQ(decoder.Decode(padded_length), ClientFrameDecoder::Result::kOther);
  ExpectSameAsParse(decoder, padded_length);
  const std::string padded_tag =
      "\x8a" + std::string(1, '\0') + std::string(1, static_cast<char>(batch.size())) + batch;
  ExpectSameAsParse(decoder, padded_tag);
  // Two batch records merge; a batch then a subscribe is a subscribe.
  ExpectSameAsParse(decoder, usual + usual);
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_from_seq(5);
  ExpectSameAsParse(decoder, usual + subscribe.SerializeAsString());
  EXPECT_EQ(decoder.Decode(subscribe.SerializeAsString()), ClientFrameDecoder::Result::kOther);
  // The empty frame; a length beyond the frame; a stop tag (0) and an end-group tag inside.
  ExpectSameAsParse(decoder, "");
  ExpectSameAsParse(decoder, "\x0a\x05\x08\x01");
  ExpectSameAsParse(decoder, "\x0a\x02\x00\x00");
  ExpectSameAsParse(decoder, "\x0a\x02\x08\x01" + std::string("\x0c"));
  ExpectSameAsParse(decoder, "\x0a\x01\x0c");
  // Unknown groups in a fix, nested to just within and just beyond Protobuf's recursion
  // limit (the frame and the batch are two levels of it).
  for (int depth : {96, 97, 98, 99, 100, 101}) {
    SCOPED_TRACE("depth " + std::to_string(depth));
    std::string fix;
    for (int d = 0; d < depth; ++d) fix = "\xfb\x07" + fix + "\xfc\x07";  // group 127
    const std::string fixes_record = LengthDelimited(2, fix);
    ExpectSameAsParse(decoder, LengthDelimited(1, fixes_record));
  }
}

TEST(ClientFrameDecoder, TrimKeepsABatchOfUpToKeptFixesAndNothingElse) {
  std::mt19937_64 rng(3);
  auto batch_of = [&](int fixes) {
    v1::ClientFrame frame;
    for (int i = 0; i < fixes; ++i) *frame.mutable_batch()->add_fixes() = RandomFix(rng);
    return frame.SerializeAsString();
  };
  ClientFrameDecoder decoder;
  ASSERT_EQ(decoder.Decode(batch_of(ClientFrameDecoder::kKeptFixes)),
            ClientFrameDecoder::Result::kBatch);
  decoder.Trim();
  EXPECT_EQ(decoder.batch().fixes_size(), ClientFrameDecoder::kKeptFixes);
  ASSERT_EQ(decoder.Decode(batch_of(ClientFrameDecoder::kKeptFixes + 1)),
            ClientFrameDecoder::Result::kBatch);
  decoder.Trim();
  EXPECT_EQ(decoder.batch().fixes_size(), 0);
  v1::ClientFrame subscribe;
  subscribe.mutable_subscribe()->set_name("console");
  ASSERT_EQ(decoder.Decode(subscribe.SerializeAsString()), ClientFrameDecoder::Result::kOther);
  decoder.Trim();
  EXPECT_EQ(decoder.frame().frame_case(), v1::ClientFrame::FRAME_NOT_SET);
}

}  // namespace
}  // namespace stayaway::ingest
