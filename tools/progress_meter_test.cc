#include "tools/progress_meter.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

namespace stayaway::tools {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// A clock the test moves by hand.
struct FakeClock {
  steady_clock::time_point now{};
  ProgressMeter::Clock Function() {
    return [this] { return now; };
  }
};

TEST(ProgressMeter, PlainLinesAtMostOnceASecondThenAFinalLine) {
  FakeClock clock;
  std::ostringstream out;
  ProgressMeter meter(out, ProgressMeter::Style::kLines, "replay", "lines", clock.Function());
  meter.SetTotalBytes(4'000'000);
  clock.now += milliseconds(500);
  meter.Update(100, 1'000'000);
  EXPECT_EQ(out.str(), "") << "too soon for a line";
  clock.now += milliseconds(500);
  meter.Update(200, 2'000'000);
  EXPECT_EQ(out.str(), "replay: 200 lines, 2.0 of 4.0 MB (50%), 200 lines/s, 1.0 s\n");
  clock.now += milliseconds(300);
  meter.Update(250, 2'500'000);
  EXPECT_EQ(out.str().find('\n'), out.str().size() - 1) << "one line a second at most";
  clock.now += milliseconds(700);
  meter.Update(400, 4'000'000);
  meter.Finish();
  meter.Update(500, 5'000'000);
  meter.Finish();
  EXPECT_EQ(out.str(),
            "replay: 200 lines, 2.0 of 4.0 MB (50%), 200 lines/s, 1.0 s\n"
            "replay: 400 lines, 4.0 of 4.0 MB (100%), 200 lines/s, 2.0 s\n"
            "replay: done: 400 lines, 4.0 MB in 2.0 s (200 lines/s)\n");
}

TEST(ProgressMeter, KnownTotalsShowTheShareDone) {
  FakeClock clock;
  std::ostringstream out;
  ProgressMeter meter(out, ProgressMeter::Style::kLines, "export", "records", clock.Function());
  meter.SetTotal(40);
  clock.now += milliseconds(2000);
  meter.Update(10);
  EXPECT_EQ(out.str(), "export: 10 of 40 records (25%), 5 records/s, 2.0 s\n");
}

TEST(ProgressMeter, TerminalRewritesOneLineFourTimesASecondAtMost) {
  FakeClock clock;
  std::ostringstream out;
  ProgressMeter meter(out, ProgressMeter::Style::kTerminal, "feed", "fixes", clock.Function());
  clock.now += milliseconds(300);
  meter.Update(1000);
  clock.now += milliseconds(100);
  meter.Update(1100);  // too soon
  clock.now += milliseconds(200);
  meter.Update(5);  // shorter than the line before: the rest is blanked
  meter.Finish();
  EXPECT_EQ(out.str(),
            "\rfeed: 1000 fixes, 3333 fixes/s, 0.3 s"
            "\rfeed: 5 fixes, 8 fixes/s, 0.6 s      "
            "\rfeed: done: 5 fixes in 0.6 s (8 fixes/s)\n");
}

TEST(ProgressMeter, OffPrintsNothingAtAll) {
  FakeClock clock;
  std::ostringstream out;
  ProgressMeter meter(out, ProgressMeter::Style::kOff, "verify", "records", clock.Function());
  clock.now += milliseconds(5000);
  meter.Update(10);
  meter.Finish();
  EXPECT_FALSE(meter.on());
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressMeter, AStreamThatIsNotStderrIsATerminalNever) {
  std::ostringstream captured;
  EXPECT_EQ(ProgressMeter::StyleFor(false, captured), ProgressMeter::Style::kOff);
  EXPECT_EQ(ProgressMeter::StyleFor(true, captured), ProgressMeter::Style::kLines);
}

}  // namespace
}  // namespace stayaway::tools
