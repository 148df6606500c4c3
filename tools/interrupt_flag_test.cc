#include "tools/interrupt_flag.h"

#include <gtest/gtest.h>
#include <signal.h>

namespace stayaway::tools {
namespace {

void Ignore(int) {}

void (*HandlerOf(int number))(int) {
  struct sigaction now {};
  ::sigaction(number, nullptr, &now);
  return now.sa_handler;
}

TEST(InterruptFlag, TheFirstSignalRaisesItAndTheSecondIsLeftToTheDefault) {
  struct sigaction before {};
  before.sa_handler = Ignore;
  sigemptyset(&before.sa_mask);
  ASSERT_EQ(::sigaction(SIGTERM, &before, nullptr), 0);
  {
    InterruptFlag flag;
    EXPECT_FALSE(flag.raised());
    EXPECT_EQ(flag.signal(), 0);
    ASSERT_EQ(::raise(SIGTERM), 0);  // the process goes on
    EXPECT_TRUE(flag.raised());
    EXPECT_EQ(flag.signal(), SIGTERM);
    EXPECT_EQ(flag.exit_status(), 143);
    EXPECT_EQ(flag.signal_number().load(), SIGTERM);
    // Reset by the first: a second SIGTERM would end the process.
    EXPECT_EQ(HandlerOf(SIGTERM), SIG_DFL);
  }
  // The handler it replaced is back.
  EXPECT_EQ(HandlerOf(SIGTERM), &Ignore);
  {
    InterruptFlag again;  // a new one starts lowered
    EXPECT_FALSE(again.raised());
  }
  signal(SIGTERM, SIG_DFL);
}

}  // namespace
}  // namespace stayaway::tools
