// Other programs' CPU share on the real machine, while a child process keeps a core busy.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <thread>

#include "activity/cpu_share.h"

namespace potluck::activity {
namespace {

using namespace std::chrono_literals;

TEST(CpuShareHostTest, BusyChildProcessCountsAsOtherPrograms) {
  OtherCpuShare share;
  auto first = share.Sample();
  ASSERT_TRUE(first.ok()) << first.status().message();

  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    alarm(30);  // ends the child even if the test dies before it can
    volatile uint64_t spins = 0;
    while (true) spins = spins + 1;
  }
  std::this_thread::sleep_for(1500ms);
  auto sample = share.Sample();
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);

  ASSERT_TRUE(sample.ok()) << sample.status().message();
  ASSERT_TRUE(sample->has_value());
  // The child alone had most of one core: a clear share even on a machine with many cores is
  // above a few percent, and this process slept, so nearly none of it is ours.
  const double cores = static_cast<double>(std::thread::hardware_concurrency());
  EXPECT_GT(**sample, 0.3 / cores) << "other programs' share " << **sample << " on " << cores << " cores";
  EXPECT_LE(**sample, 1.0);
}

}  // namespace
}  // namespace potluck::activity
