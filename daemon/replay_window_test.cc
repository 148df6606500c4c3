#include "daemon/replay_window.h"

#include <gtest/gtest.h>

#include <string>

namespace stayaway::daemon {
namespace {

using engine::SeqSet;

TEST(ReplayWindow, ADeviceWithNoHistoryTakesAnySeq) {
  EXPECT_TRUE(CheckReplayWindow(SeqSet(), 0).ok());
  EXPECT_TRUE(CheckReplayWindow(SeqSet(), UINT64_MAX).ok());
}

TEST(ReplayWindow, RefusesOnlyWhatIsMoreThanTheWindowBehindTheNewest) {
  SeqSet applied;
  const uint64_t newest = 10'000;
  for (uint64_t s = 9'990; s <= newest; ++s) applied.Insert(s);
  EXPECT_TRUE(CheckReplayWindow(applied, newest + 1).ok());
  EXPECT_TRUE(CheckReplayWindow(applied, newest).ok()) << "a repeat is the engine's duplicate";
  EXPECT_TRUE(CheckReplayWindow(applied, newest - kReplayWindowSeqs).ok()) << "the boundary";
  const Status stale = CheckReplayWindow(applied, newest - kReplayWindowSeqs - 1);
  EXPECT_EQ(stale.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(stale.message().find("seq 5903 is more than 4096 behind"), std::string::npos)
      << stale.message();
  EXPECT_NE(stale.message().find("(10000)"), std::string::npos) << stale.message();
  EXPECT_FALSE(CheckReplayWindow(applied, 0).ok());
}

TEST(ReplayWindow, AFullDuplicateMemoryRefusesWhatItMayHaveForgotten) {
  // A device that skips every other number: each fix opens a range of its own.
  SeqSet applied;
  for (uint64_t s = 100; applied.range_count() < SeqSet::kMaxRanges; s += 2) applied.Insert(s);
  applied.Insert(100 + 2 * SeqSet::kMaxRanges);  // one more: 100 is forgotten
  ASSERT_EQ(applied.range_count(), SeqSet::kMaxRanges);
  ASSERT_FALSE(applied.Contains(100));
  const Status forgotten = CheckReplayWindow(applied, 100);
  EXPECT_FALSE(forgotten.ok()) << "well inside the window, but the engine would apply it again";
  EXPECT_NE(forgotten.message().find("duplicate memory"), std::string::npos) << forgotten.message();
  EXPECT_TRUE(CheckReplayWindow(applied, 103).ok()) << "a gap the memory still brackets";
  EXPECT_TRUE(CheckReplayWindow(applied, 102).ok()) << "a remembered repeat: a duplicate";

  SeqSet few;  // the same numbers below the oldest, with room to spare: a late upload
  few.Insert(200);
  few.Insert(300);
  EXPECT_TRUE(CheckReplayWindow(few, 150).ok());
}

}  // namespace
}  // namespace stayaway::daemon
