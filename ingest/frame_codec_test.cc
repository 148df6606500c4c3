#include "ingest/frame_codec.h"

#include <gtest/gtest.h>

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/util/delimited_message_util.h>

#include <sstream>
#include <string>
#include <vector>

#include "proto/stayaway.pb.h"

namespace stayaway::ingest {
namespace {

using Result = FrameReader::Result;

v1::ClientFrame BatchFrame(uint64_t batch_id, int fixes) {
  v1::ClientFrame frame;
  v1::FixBatch* batch = frame.mutable_batch();
  batch->set_batch_id(batch_id);
  for (int i = 0; i < fixes; ++i) {
    v1::Fix* fix = batch->add_fixes();
    fix->set_device("tag-" + std::to_string(batch_id));
    fix->set_seq(static_cast<uint64_t>(i + 1));
    fix->set_lat(42.87);
    fix->set_lon(74.59);
  }
  return frame;
}

// Every frame the reader yields, until it needs more bytes or fails.
std::vector<std::string> Drain(FrameReader& reader) {
  std::vector<std::string> frames;
  std::string frame;
  while (reader.Next(&frame) == Result::kFrame) frames.push_back(frame);
  return frames;
}

TEST(FrameReader, ReadsManyFramesWhateverByteBoundaryTheStreamIsSplitAt) {
  // Frame sizes straddle the one- and two-byte varint lengths (127 / 128 bytes).
  std::vector<std::string> messages;
  std::string stream;
  for (int i = 0; i < 12; ++i) {
    const v1::ClientFrame frame = BatchFrame(static_cast<uint64_t>(i), i);
    messages.push_back(frame.SerializeAsString());
    AppendFrame(frame, &stream);
  }
  for (const size_t text_bytes : {125u, 126u, 16000u, 17000u}) {
    v1::ErrorFrame error;
    error.set_message(std::string(text_bytes, 'e'));
    messages.push_back(error.SerializeAsString());
    AppendFrame(error, &stream);
  }

  for (size_t split = 0; split <= stream.size(); ++split) {
    FrameReader reader;
    std::vector<std::string> frames;
    reader.Feed(std::string_view(stream).substr(0, split));
    for (auto& frame : Drain(reader)) frames.push_back(frame);
    reader.Feed(std::string_view(stream).substr(split));
    for (auto& frame : Drain(reader)) frames.push_back(frame);
    ASSERT_EQ(frames, messages) << "split at byte " << split;
    EXPECT_EQ(reader.buffered_bytes(), 0u);
    EXPECT_FALSE(reader.failed());
  }
}

TEST(FrameReader, ReadsAStreamFedOneByteAtATime) {
  std::string stream;
  for (int i = 0; i < 50; ++i) AppendFrame(BatchFrame(static_cast<uint64_t>(i), i % 7), &stream);
  FrameReader reader;
  int frames = 0;
  std::string frame;
  for (const char byte : stream) {
    reader.Feed(std::string_view(&byte, 1));
    while (reader.Next(&frame) == Result::kFrame) {
      v1::ClientFrame parsed;
      ASSERT_TRUE(parsed.ParseFromString(frame));
      EXPECT_EQ(parsed.batch().batch_id(), static_cast<uint64_t>(frames));
      ++frames;
    }
  }
  EXPECT_EQ(frames, 50);
}

TEST(FrameReader, AZeroLengthFrameIsAnEmptyMessage) {
  FrameReader reader;
  reader.Feed(EncodeFrame(v1::ClientFrame()));  // all defaults: encodes to no bytes
  std::string frame = "stale";
  ASSERT_EQ(reader.Next(&frame), Result::kFrame);
  EXPECT_EQ(frame, "");
  EXPECT_EQ(reader.Next(&frame), Result::kNeedMore);
}

TEST(FrameReader, RefusesAnOversizeFrameFromItsPrefixBeforeBufferingIt) {
  FrameReader reader(1000);
  // The prefix announces 1001 bytes; only a few of them have arrived.
  std::string stream;
  stream.push_back(static_cast<char>(0xe9));  // 1001 = 0b111_1101001
  stream.push_back(static_cast<char>(0x07));
  stream += "abc";
  reader.Feed(stream);
  std::string frame;
  ASSERT_EQ(reader.Next(&frame), Result::kError);
  EXPECT_EQ(reader.error(), FrameReader::Error::kFrameTooLarge);
  EXPECT_EQ(reader.error_code(), "frame_too_large");
  EXPECT_EQ(reader.error_message(), "frame of 1001 bytes exceeds the limit of 1000 bytes");
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  // The rest of the frame is not kept, and the reader stays failed.
  reader.Feed(std::string(5000, 'z'));
  EXPECT_EQ(reader.buffered_bytes(), 0u);
  EXPECT_EQ(reader.Next(&frame), Result::kError);
}

TEST(FrameReader, AFrameOfExactlyTheLimitIsAccepted) {
  v1::ErrorFrame error;
  error.set_message(std::string(100, 'e'));
  const std::string framed = EncodeFrame(error);
  FrameReader reader(error.ByteSizeLong());
  reader.Feed(framed);
  std::string frame;
  ASSERT_EQ(reader.Next(&frame), Result::kFrame);
  EXPECT_EQ(frame, error.SerializeAsString());
}

TEST(FrameReader, TheDefaultLimitIsFourMebibytes) {
  FrameReader reader;
  EXPECT_EQ(reader.max_frame_bytes(), 4u * 1024 * 1024);
  std::string prefix;
  for (const unsigned char byte : {0x81, 0x80, 0x80, 0x02}) {  // 4 MiB + 1
    prefix.push_back(static_cast<char>(byte));
  }
  reader.Feed(prefix);
  std::string frame;
  ASSERT_EQ(reader.Next(&frame), Result::kError);
  EXPECT_EQ(reader.error_message(), "frame of 4194305 bytes exceeds the limit of 4194304 bytes");
}

TEST(FrameReader, AVarintThatNeverEndsIsMalformed) {
  FrameReader reader;
  std::string frame;
  for (int i = 0; i < 9; ++i) {
    reader.Feed("\x80");
    ASSERT_EQ(reader.Next(&frame), Result::kNeedMore) << "after " << i + 1 << " bytes";
  }
  reader.Feed("\x80");  // a tenth byte that still says "more follows"
  ASSERT_EQ(reader.Next(&frame), Result::kError);
  EXPECT_EQ(reader.error(), FrameReader::Error::kMalformedLength);
  EXPECT_EQ(reader.error_code(), "malformed_frame");
  EXPECT_EQ(reader.error_message(), "malformed length prefix");
}

TEST(FrameReader, ALengthBeyondThirtyTwoBitsIsMalformedNotMerelyTooLarge) {
  FrameReader reader(SIZE_MAX);
  // 2^32 exactly: 0x80 0x80 0x80 0x80 0x10.
  reader.Feed(std::string("\x80\x80\x80\x80\x10", 5));
  std::string frame;
  ASSERT_EQ(reader.Next(&frame), Result::kError);
  EXPECT_EQ(reader.error(), FrameReader::Error::kMalformedLength);
}

TEST(FrameReader, APaddedButSmallVarintIsStillALength) {
  // Protobuf parsers accept non-minimal varints; 3 written in three bytes.
  FrameReader reader;
  reader.Feed(std::string("\x83\x80\x00" "abc", 6));
  std::string frame;
  ASSERT_EQ(reader.Next(&frame), Result::kFrame);
  EXPECT_EQ(frame, "abc");
}

TEST(FrameCodec, ReadsWhatProtobufsOwnDelimitedWriterWrites) {
  std::ostringstream out;
  std::vector<v1::ClientFrame> sent;
  for (int i = 0; i < 20; ++i) {
    sent.push_back(BatchFrame(static_cast<uint64_t>(i), i * 3));
    ASSERT_TRUE(google::protobuf::util::SerializeDelimitedToOstream(sent.back(), &out));
  }
  FrameReader reader;
  reader.Feed(out.str());
  std::vector<std::string> frames = Drain(reader);
  ASSERT_EQ(frames.size(), sent.size());
  for (size_t i = 0; i < frames.size(); ++i) {
    v1::ClientFrame parsed;
    ASSERT_TRUE(parsed.ParseFromString(frames[i]));
    EXPECT_EQ(parsed.SerializeAsString(), sent[i].SerializeAsString());
  }
  EXPECT_FALSE(reader.failed());
}

TEST(FrameCodec, ProtobufsOwnDelimitedReaderReadsWhatWeWrite) {
  std::string stream;
  for (int i = 0; i < 20; ++i) AppendFrame(BatchFrame(static_cast<uint64_t>(i), i * 3), &stream);
  google::protobuf::io::ArrayInputStream input(stream.data(), static_cast<int>(stream.size()));
  for (int i = 0; i < 20; ++i) {
    v1::ClientFrame parsed;
    bool clean_eof = false;
    ASSERT_TRUE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&parsed, &input,
                                                                         &clean_eof));
    EXPECT_EQ(parsed.batch().batch_id(), static_cast<uint64_t>(i));
    EXPECT_EQ(parsed.batch().fixes_size(), i * 3);
  }
  v1::ClientFrame past_the_end;
  bool clean_eof = false;
  EXPECT_FALSE(google::protobuf::util::ParseDelimitedFromZeroCopyStream(&past_the_end, &input,
                                                                        &clean_eof));
  EXPECT_TRUE(clean_eof);
}

}  // namespace
}  // namespace stayaway::ingest
