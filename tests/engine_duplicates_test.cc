// Duplicate detection in the engine (engine/seq_set.h): a (device, seq) is applied at
// most once, whatever gaps the device leaves and however long ago the first one came.
// "Applies nothing" is checked on the whole state: the engine's snapshot bytes do not
// change, and no event comes out.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/replay_window.h"
#include "engine/seq_set.h"
#include "tests/engine_test_support.h"

namespace stayaway::enginetest {
namespace {

constexpr TimeMs kDay = 24 * kHour;

// tag-1 must stay 300 m from phone-2; the phone stands still in Bishkek.
void AddOrderAndPhone(Harness& h) {
  h.AddOrder(MakeOrder("KG-1", Person("p1", {"tag-1"}), {Person("p2", {"phone-2"})}, 300));
  h.Report("phone-2", kT0, kBishkek);
}

// The tag walks towards the phone, leaving a gap in its numbers with every fix: seqs
// 2, 4, ..., 2 * count, a second apart.
std::vector<v1::Fix> GappedWalk(int count, TimeMs start) {
  std::vector<v1::Fix> fixes;
  for (int i = 0; i < count; ++i) {
    const double metres = 2'000.0 - 40.0 * i;
    fixes.push_back(MakeFix("tag-1", 2 * static_cast<uint64_t>(i + 1), start + i * kSecond,
                            Destination(kBishkek, 90, metres), 5));
  }
  return fixes;
}

TEST(EngineDuplicates, FiftyFixesResentAfterMoreThan32GapsAreAllDuplicatesAndApplyNothing) {
  Harness h;
  AddOrderAndPhone(h);
  const std::vector<v1::Fix> fixes = GappedWalk(50, kT0 + kSecond);
  for (const v1::Fix& fix : fixes) h.Send(fix);
  ASSERT_FALSE(h.log().empty()) << "the walk should have opened an alert";
  const std::string before = h.engine().SaveSnapshotBytes();
  // The same 50 fixes a second later, as a gateway that did not hear the ack sends them.
  for (const v1::Fix& fix : fixes) {
    std::vector<Event> events;
    const Status status =
        h.engine().ApplyFix(ReceivedAt(fix, Ms(fix.received()) + kSecond), &events);
    EXPECT_EQ(status.code(), StatusCode::kAlreadyExists)
        << "seq " << fix.seq() << ": " << status.ToString();
    EXPECT_TRUE(events.empty()) << "seq " << fix.seq() << ": " << Describe(events);
  }
  EXPECT_EQ(h.engine().SaveSnapshotBytes(), before) << "a resent fix changed the state";
}

TEST(EngineDuplicates, PastTheRangeCapAResendIsRefusedNeverAppliedTwice) {
  Harness h;
  AddOrderAndPhone(h);
  const int count = static_cast<int>(engine::SeqSet::kMaxRanges) + 40;
  const std::vector<v1::Fix> fixes = GappedWalk(count, kT0 + kSecond);
  for (const v1::Fix& fix : fixes) h.Send(fix);
  const engine::SeqSet* seqs = h.engine().AppliedSeqs("tag-1");
  ASSERT_NE(seqs, nullptr);
  EXPECT_EQ(seqs->range_count(), engine::SeqSet::kMaxRanges) << "memory stays bounded";
  const std::string before = h.engine().SaveSnapshotBytes();
  int stale = 0, duplicates = 0;
  for (const v1::Fix& fix : fixes) {
    std::vector<Event> events;
    const Status status = h.engine().ApplyFix(fix, &events);
    ASSERT_FALSE(status.ok()) << "seq " << fix.seq() << " was applied twice";
    EXPECT_TRUE(events.empty());
    if (status.code() == StatusCode::kFailedPrecondition) {
      ++stale;
      EXPECT_NE(status.message().find("seq " + std::to_string(fix.seq()) + " is stale"),
                std::string::npos)
          << status.message();
    } else {
      EXPECT_EQ(status.code(), StatusCode::kAlreadyExists) << status.ToString();
      ++duplicates;
    }
  }
  EXPECT_EQ(stale, 40) << "the lowest ranges were closed by the cap";
  EXPECT_EQ(duplicates, count - 40);
  // A gap below the closing cannot be filled any more; one above it can.
  std::vector<Event> events;
  EXPECT_EQ(h.engine().ApplyFix(MakeFix("tag-1", 1, kT0, kMadrid, 5), &events).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(h.engine().SaveSnapshotBytes(), before);
  EXPECT_TRUE(h.engine()
                  .ApplyFix(MakeFix("tag-1", 2 * count - 1, kT0 + count * kSecond,
                                    Destination(kBishkek, 90, 5'000), 5),
                            &events)
                  .ok());
}

TEST(EngineDuplicates, RangesCloseOnceTheirFixesAreTooOldAndTheirNumbersStayRefused) {
  Harness h;
  AddOrderAndPhone(h);
  const std::vector<v1::Fix> day0 = GappedWalk(40, kT0 + kSecond);  // 40 ranges
  for (const v1::Fix& fix : day0) h.Send(fix);
  // 30 days later, to the millisecond, the first fixes could still be accepted: nothing
  // closes. The newest range ([80]) is the old day's last fix.
  const TimeMs later = kT0 + kSecond + 30 * kDay;
  h.Send(MakeFix("tag-1", 1'000, later, Destination(kBishkek, 90, 5'000), 5));
  EXPECT_EQ(h.engine().AppliedSeqs("tag-1")->range_count(), 41u);
  EXPECT_EQ(h.engine().AppliedSeqs("tag-1")->closed_below(), 0u);
  // A day after that, every day-0 fix is too old to be accepted: their ranges close.
  h.Send(MakeFix("tag-1", 1'002, later + kDay, Destination(kBishkek, 90, 5'000), 5));
  const engine::SeqSet* seqs = h.engine().AppliedSeqs("tag-1");
  EXPECT_EQ(seqs->range_count(), 2u) << "[1000] and [1002]";
  EXPECT_EQ(seqs->closed_below(), 81u) << "[2] to [80] closed";

  const std::string before = h.engine().SaveSnapshotBytes();
  std::vector<Event> events;
  // The same fix again: refused on time.
  EXPECT_EQ(h.engine().ApplyFix(ReceivedAt(day0[3], later + kDay), &events).code(),
            StatusCode::kInvalidArgument);
  // The same number with a fresh time: its memory is closed, so it is refused as stale.
  const Status fresh = h.engine().ApplyFix(
      MakeFix("tag-1", day0[3].seq(), later + kDay, Destination(kBishkek, 90, 5'000), 5), &events);
  EXPECT_EQ(fresh.code(), StatusCode::kFailedPrecondition) << fresh.ToString();
  EXPECT_TRUE(events.empty());
  EXPECT_EQ(h.engine().SaveSnapshotBytes(), before);
}

// The replay window (engine/replay_window.h) is the engine's, so a journal or a Kafka
// input log that holds an old signed capture replays to the same refusal everywhere: a
// fix with a MAC far behind its device's newest is refused as stale and applies nothing;
// the same number without a MAC is a late upload, applied; one at the window's edge too.
TEST(EngineDuplicates, ASignedFixFarBehindItsDevicesNewestIsRefusedAsStaleAndAppliesNothing) {
  Harness h;
  AddOrderAndPhone(h);
  const uint64_t newest = 10'000;
  h.Send(MakeFix("tag-1", newest, kT0 + kSecond, Destination(kBishkek, 90, 2'000), 5));
  const auto signed_fix = [&](uint64_t seq, double metres) {
    v1::Fix fix = MakeFix("tag-1", seq, kT0 + 2 * kSecond, Destination(kBishkek, 90, metres), 5);
    fix.set_mac(std::string(32, 'm'));  // the engine never checks it: the core did
    return fix;
  };
  const std::string before = h.engine().SaveSnapshotBytes();
  std::vector<Event> events;
  const Status stale =
      h.engine().ApplyFix(signed_fix(newest - engine::kReplayWindowSeqs - 1, 40), &events);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition) << stale.ToString();
  EXPECT_NE(stale.message().find("more than 4096 behind"), std::string::npos) << stale.message();
  EXPECT_TRUE(events.empty()) << Describe(events);
  EXPECT_EQ(h.engine().SaveSnapshotBytes(), before) << "a stale capture changed the state";

  EXPECT_TRUE(
      h.engine().ApplyFix(signed_fix(newest - engine::kReplayWindowSeqs, 1'500), &events).ok());
  v1::Fix unsigned_fix = signed_fix(newest - engine::kReplayWindowSeqs - 1, 1'400);
  unsigned_fix.clear_mac();
  EXPECT_TRUE(h.engine().ApplyFix(unsigned_fix, &events).ok()) << "a late upload, unsigned";
}

TEST(EngineDuplicates, TheMemorySurvivesASnapshotExactly) {
  Harness h;
  AddOrderAndPhone(h);
  const std::vector<v1::Fix> day0 = GappedWalk(300, kT0 + kSecond);  // past the cap
  for (const v1::Fix& fix : day0) h.Send(fix);
  h.Send(MakeFix("tag-1", 2'000, kT0 + 31 * kDay, Destination(kBishkek, 90, 5'000), 5));
  h.Send(MakeFix("tag-1", 2'005, kT0 + 31 * kDay + kSecond, Destination(kBishkek, 90, 5'000), 5));
  const std::string bytes = h.engine().SaveSnapshotBytes();
  StatusOr<std::unique_ptr<Engine>> loaded =
      Engine::FromSnapshotBytes(bytes, h.engine().settings());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Engine& copy = **loaded;
  EXPECT_EQ(copy.SaveSnapshotBytes(), bytes);
  const engine::SeqSet* seqs = copy.AppliedSeqs("tag-1");
  const engine::SeqSet* original = h.engine().AppliedSeqs("tag-1");
  EXPECT_EQ(seqs->closed_below(), original->closed_below());
  EXPECT_GT(seqs->closed_below(), 0u);
  ASSERT_EQ(seqs->ranges().size(), original->ranges().size());
  for (size_t i = 0; i < seqs->ranges().size(); ++i) {
    EXPECT_EQ(seqs->ranges()[i].first, original->ranges()[i].first);
    EXPECT_EQ(seqs->ranges()[i].last, original->ranges()[i].last);
    EXPECT_EQ(seqs->ranges()[i].newest_ms, original->ranges()[i].newest_ms);
  }
  std::vector<Event> events;
  EXPECT_EQ(
      copy.ApplyFix(MakeFix("tag-1", 2'000, kT0 + 31 * kDay + 2 * kSecond, kMadrid, 5), &events)
          .code(),
      StatusCode::kAlreadyExists);
  EXPECT_EQ(
      copy.ApplyFix(MakeFix("tag-1", 4, kT0 + 31 * kDay + 2 * kSecond, kMadrid, 5), &events).code(),
      StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace stayaway::enginetest
