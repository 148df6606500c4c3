#include "daemon/leader_fitness.h"

#include <gtest/gtest.h>

namespace stayaway::daemon {
namespace {

using std::chrono::milliseconds;
using Clock = LeaderFitness::Clock;

class LeaderFitnessTest : public ::testing::Test {
 protected:
  LeaderFitness fitness_{milliseconds(5000)};
  Clock::time_point t0_ = Clock::now();
  Clock::time_point At(int ms) const { return t0_ + milliseconds(ms); }
};

TEST_F(LeaderFitnessTest, ALeaderWhoseTicksComeBackAppliedStaysFit) {
  fitness_.BeginTerm(At(0));
  for (int s = 1; s <= 60; ++s) {
    fitness_.TickLogged(100 + s, At(s * 1000));
    // Its core applies each tick 300 ms after the log took it.
    EXPECT_FALSE(fitness_.Verdict(100 + s, At(s * 1000 + 299)).has_value()) << s;
    EXPECT_FALSE(fitness_.Verdict(101 + s, At(s * 1000 + 300)).has_value()) << s;
  }
}

TEST_F(LeaderFitnessTest, NoTickTakenForTheGraceIsUnfit) {
  fitness_.BeginTerm(At(0));
  EXPECT_FALSE(fitness_.Verdict(0, At(4999)).has_value());
  const auto verdict = fitness_.Verdict(0, At(5000));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->reason, "ticks_not_logged");
  EXPECT_EQ(verdict->detail, "the input log has taken no tick of this leader for 5.0 s");
  EXPECT_EQ(verdict->unapplied_offset, -1);

  // Ticks taken, then none again: the grace runs from the last one taken.
  fitness_.BeginTerm(At(10'000));
  fitness_.TickLogged(7, At(11'000));
  EXPECT_FALSE(fitness_.Verdict(8, At(15'999)).has_value());
  ASSERT_TRUE(fitness_.Verdict(8, At(16'000)).has_value());
  EXPECT_EQ(fitness_.Verdict(8, At(16'000))->reason, "ticks_not_logged");
}

TEST_F(LeaderFitnessTest, ATickTakenButNotAppliedWithinTheGraceIsUnfit) {
  fitness_.BeginTerm(At(0));
  fitness_.TickLogged(40, At(1000));
  fitness_.TickLogged(90, At(2000));
  // The core stopped at offset 35: the tick at 40 has waited since 1000.
  EXPECT_FALSE(fitness_.Verdict(35, At(5999)).has_value());
  const auto verdict = fitness_.Verdict(35, At(6000));
  ASSERT_TRUE(verdict.has_value());
  EXPECT_EQ(verdict->reason, "log_not_applied");
  EXPECT_EQ(verdict->detail,
            "the input log took this leader's tick at offset 40 5.0 s ago, and this instance "
            "has not applied it (it is at offset 35)");
  EXPECT_EQ(verdict->unapplied_offset, 40);
  // It moves past 40 but not 90: the grace of the tick at 90 counts from 2000.
  EXPECT_FALSE(fitness_.Verdict(41, At(6999)).has_value());
  ASSERT_TRUE(fitness_.Verdict(41, At(7000)).has_value());
  EXPECT_NE(fitness_.Verdict(41, At(7000))->detail.find("offset 90"), std::string::npos);
}

TEST_F(LeaderFitnessTest, ABusyCoreThatCatchesUpWithinTheGraceIsFit) {
  fitness_.BeginTerm(At(0));
  // A burst: ticks taken every second while the core is 4 s behind them.
  for (int s = 1; s <= 20; ++s) {
    fitness_.TickLogged(s * 1000, At(s * 1000));
    const int applied_next = s >= 5 ? (s - 4) * 1000 + 1 : 0;
    EXPECT_FALSE(fitness_.Verdict(applied_next, At(s * 1000)).has_value()) << s;
  }
}

TEST_F(LeaderFitnessTest, ANewTermForgetsTheLast) {
  fitness_.BeginTerm(At(0));
  fitness_.TickLogged(40, At(1000));
  ASSERT_TRUE(fitness_.Verdict(35, At(7000)).has_value());
  fitness_.BeginTerm(At(20'000));
  EXPECT_FALSE(fitness_.Verdict(35, At(20'001)).has_value());
  // A tick of the last term confirmed late, below one already seen, is not waited for.
  fitness_.TickLogged(50, At(20'500));
  fitness_.TickLogged(45, At(20'600));
  EXPECT_FALSE(fitness_.Verdict(51, At(25'400)).has_value());
}

}  // namespace
}  // namespace stayaway::daemon
