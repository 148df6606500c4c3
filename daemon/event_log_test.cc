// EventLog (event_log.h) against the log written out simply: every record kept as a
// message in a vector. Events of random sizes (from a few bytes to more than a block)
// appended in random batches, as messages and as encoded records, read back from random
// positions in random amounts; and readers on other threads while the engine thread
// appends, each seeing a prefix of the log, in order and whole.
#include "daemon/event_log.h"

#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace stayaway::daemon {
namespace {

// An event of roughly `bytes` serialized bytes, its content drawn from `random`.
v1::Event RandomEvent(std::mt19937_64& random, size_t bytes) {
  v1::Event event;
  event.set_alert_id(std::to_string(random()));
  event.set_order_id("KG-" + std::to_string(random() % 100000));
  event.set_kind(static_cast<v1::Event::Kind>(1 + random() % 15));
  event.set_transition(static_cast<v1::Event::Transition>(1 + random() % 9));
  if (random() % 2) event.set_certainty(v1::Event::confirmed);
  event.set_ack_note(std::string(bytes, static_cast<char>('a' + random() % 26)));
  return event;
}

// The size of the next event: mostly ordinary, sometimes empty of a note, sometimes
// larger than a whole block of the log (1 MiB).
size_t NextSize(std::mt19937_64& random) {
  const uint64_t pick = random() % 100;
  if (pick < 3) return 0;
  if (pick < 5) return (1 << 20) + random() % 5000;
  if (pick < 15) return 2000 + random() % 100'000;
  return random() % 400;
}

TEST(EventLog, KeepsEveryRecordAsGivenWhateverItsSizeAndReadsItBackFromAnywhere) {
  for (const uint64_t seed : {1u, 2u, 3u}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937_64 random(seed);
    EventLog log;
    std::vector<v1::EventRecord> oracle;
    while (oracle.size() < 3000) {
      const size_t batch = random() % 20;
      std::vector<v1::Event> events;
      for (size_t i = 0; i < batch; ++i) events.push_back(RandomEvent(random, NextSize(random)));
      ASSERT_EQ(log.NextSeq(), oracle.size() + 1);
      for (const v1::Event& event : events) {
        v1::EventRecord& record = oracle.emplace_back();
        record.set_seq(oracle.size());
        *record.mutable_event() = event;
      }
      if (random() % 2) {
        log.Append(&events);
        EXPECT_TRUE(events.empty());
      } else {  // as the signed log and a snapshot hand them over: the records' bytes
        std::vector<std::string> bytes;
        for (size_t i = oracle.size() - batch; i < oracle.size(); ++i) {
          bytes.push_back(oracle[i].SerializeAsString());
        }
        const std::vector<std::string_view> views(bytes.begin(), bytes.end());
        log.AppendEncoded(views);
      }
      ASSERT_EQ(log.NextSeq(), oracle.size() + 1);
      // A read from anywhere (0 reads from 1; past the end reads nothing).
      const uint64_t from = random() % (oracle.size() + 3);
      const size_t max = 1 + random() % 50;
      std::vector<v1::EventRecord> read;
      const uint64_t next = log.Read(from, max, &read);
      const uint64_t first = from == 0 ? 1 : from;
      const uint64_t expected_end =
          std::max<uint64_t>(first, std::min<uint64_t>(first + max, oracle.size() + 1));
      ASSERT_EQ(next, expected_end) << "from " << from << " max " << max;
      ASSERT_EQ(read.size(), expected_end - first);
      for (size_t i = 0; i < read.size(); ++i) {
        ASSERT_EQ(read[i].SerializeAsString(), oracle[first - 1 + i].SerializeAsString())
            << "seq " << first + i;
      }
    }
    // And all of it, in one pass.
    std::vector<v1::EventRecord> all;
    EXPECT_EQ(log.Read(1, oracle.size() + 10, &all), oracle.size() + 1);
    ASSERT_EQ(all.size(), oracle.size());
    for (size_t i = 0; i < all.size(); ++i) {
      ASSERT_EQ(all[i].SerializeAsString(), oracle[i].SerializeAsString()) << "seq " << i + 1;
    }
    // And as the records' bytes, as the snapshot writer reads them, from a random seq.
    const uint64_t from = 1 + random() % oracle.size();
    std::vector<std::string> encoded;
    EXPECT_EQ(log.ReadEncoded(from, oracle.size(), &encoded), oracle.size() + 1);
    ASSERT_EQ(encoded.size(), oracle.size() - from + 1);
    for (size_t i = 0; i < encoded.size(); ++i) {
      v1::EventRecord record;
      ASSERT_TRUE(record.ParseFromString(encoded[i]));
      ASSERT_EQ(record.SerializeAsString(), oracle[from - 1 + i].SerializeAsString());
    }
  }
}

TEST(EventLog, ReadersOnOtherThreadsSeeAWholePrefixInOrderWhileItGrows) {
  constexpr uint64_t kEvents = 20'000;
  EventLog log;
  std::atomic<bool> done{false};
  std::vector<std::thread> readers;
  std::atomic<int> failures{0};
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      uint64_t next = 1;
      while (next <= kEvents) {
        std::vector<v1::EventRecord> read;
        const uint64_t after = log.Read(next, 64, &read);
        for (const v1::EventRecord& record : read) {
          // Each record whole: its seq, and the note the appender gave that seq.
          if (record.seq() != next || record.event().ack_note() != std::to_string(next)) {
            ++failures;
          }
          ++next;
        }
        if (after != next) ++failures;
        if (read.empty() && done) break;
      }
    });
  }
  for (uint64_t seq = 1; seq <= kEvents;) {
    std::vector<v1::Event> batch;
    for (int i = 0; i < 7 && seq <= kEvents; ++i, ++seq) {
      batch.emplace_back().set_ack_note(std::to_string(seq));
    }
    log.Append(&batch);
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(log.NextSeq(), kEvents + 1);
}

}  // namespace
}  // namespace stayaway::daemon
