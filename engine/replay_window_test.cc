#include "engine/replay_window.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace stayaway::engine {
namespace {

constexpr TimeMs kT = 1741600800000;
constexpr TimeMs kForgetNothing = std::numeric_limits<TimeMs>::min();

TEST(ReplayWindow, ADeviceWithNoHistoryTakesAnySeq) {
  EXPECT_TRUE(CheckReplayWindow(SeqSet(), 0).ok());
  EXPECT_TRUE(CheckReplayWindow(SeqSet(), UINT64_MAX).ok());
}

TEST(ReplayWindow, RefusesOnlyWhatIsMoreThanTheWindowBehindTheNewest) {
  SeqSet applied;
  const uint64_t newest = 10'000;
  for (uint64_t s = 9'990; s <= newest; ++s) applied.Insert(s, kT, kForgetNothing);
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

TEST(ReplayWindow, NumbersTheDuplicateMemoryClosedAreRefused) {
  // A device that skips every other number: each fix opens a range of its own, until the
  // cap closes the lowest.
  SeqSet applied;
  for (uint64_t k = 0; k <= SeqSet::kMaxRanges; ++k)
    applied.Insert(100 + 2 * k, kT, kForgetNothing);
  ASSERT_EQ(applied.closed_below(), 101u);
  const Status closed = CheckReplayWindow(applied, 100);
  EXPECT_FALSE(closed.ok()) << "well inside the window, but closed: the engine refuses it too";
  EXPECT_NE(closed.message().find("closed sequence numbers (all below 101"), std::string::npos)
      << closed.message();
  EXPECT_FALSE(CheckReplayWindow(applied, 99).ok()) << "a gap below the closing";
  EXPECT_TRUE(CheckReplayWindow(applied, 103).ok()) << "a gap still open";
  EXPECT_TRUE(CheckReplayWindow(applied, 102).ok()) << "a remembered repeat: a duplicate";

  SeqSet few;  // numbers below the lowest, nothing closed: a late upload
  few.Insert(200, kT, kForgetNothing);
  few.Insert(300, kT, kForgetNothing);
  EXPECT_TRUE(CheckReplayWindow(few, 150).ok());
}

}  // namespace
}  // namespace stayaway::engine
