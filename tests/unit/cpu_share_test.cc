// Other programs' share of the CPU, from /proc files written by the test.
#include "activity/cpu_share.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace potluck::activity {
namespace {

namespace fs = std::filesystem;

class FakeProc {
 public:
  FakeProc() {
    char pattern[] = "/tmp/potluck-proc-XXXXXX";
    EXPECT_NE(mkdtemp(pattern), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "self");
  }
  ~FakeProc() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  std::string root() const { return root_.string(); }

  // Columns as the kernel writes them: user nice system idle iowait irq softirq steal guest guest_nice.
  void SetMachine(const std::string& columns) {
    std::ofstream(root_ / "stat") << "cpu  " << columns << "\ncpu0 1 2 3 4 5 6 7 8 0 0\nintr 1 2 3\n";
  }
  // utime and stime are fields 14 and 15.
  void SetOwn(uint64_t utime, uint64_t stime, const std::string& comm = "potluck-worker") {
    std::ofstream(root_ / "self" / "stat") << "4242 (" << comm << ") S 1 4242 4242 0 -1 4194560 1 0 0 0 " << utime
                                           << " " << stime << " 0 0 39 19 9 0 100 1000 200\n";
  }

 private:
  fs::path root_;
};

TEST(CpuShareTest, ReadsMachineAndOwnTicks) {
  FakeProc proc;
  proc.SetMachine("100 10 50 800 40 5 5 2 30 0");
  proc.SetOwn(70, 8);
  auto ticks = ReadCpuTicks(proc.root());
  ASSERT_TRUE(ticks.ok()) << ticks.status().message();
  EXPECT_EQ(ticks->machine_busy, 100u + 10 + 50 + 5 + 5 + 2);  // guest is inside user already
  EXPECT_EQ(ticks->machine_total, ticks->machine_busy + 800 + 40);
  EXPECT_EQ(ticks->own, 78u);
}

TEST(CpuShareTest, OtherShareLeavesOutThisProcess) {
  FakeProc proc;
  proc.SetMachine("1000 0 0 1000 0 0 0 0 0 0");
  proc.SetOwn(500, 0);
  OtherCpuShare share(proc.root());
  auto first = share.Sample();
  ASSERT_TRUE(first.ok()) << first.status().message();
  EXPECT_FALSE(first->has_value());  // nothing to compare with yet

  // 100 ticks passed: 60 busy, of which 20 ours, so others used 40 of 100.
  proc.SetMachine("1050 10 0 1040 0 0 0 0 0 0");
  proc.SetOwn(515, 5);
  auto second = share.Sample();
  ASSERT_TRUE(second.ok()) << second.status().message();
  ASSERT_TRUE(second->has_value());
  EXPECT_DOUBLE_EQ(**second, 0.4);

  // The next sample compares with the second one, not the first.
  proc.SetMachine("1150 10 0 1040 0 0 0 0 0 0");
  proc.SetOwn(615, 5);
  auto third = share.Sample();
  ASSERT_TRUE(third.ok() && third->has_value());
  EXPECT_DOUBLE_EQ(**third, 0.0);
}

TEST(CpuShareTest, ShareStaysWithinZeroAndOne) {
  FakeProc proc;
  proc.SetMachine("1000 0 0 1000");  // an old kernel's four columns
  proc.SetOwn(100, 0);
  OtherCpuShare share(proc.root());
  ASSERT_TRUE(share.Sample().ok());
  // The process was sampled later than the machine and counted more than the machine's busy.
  proc.SetMachine("1010 0 0 1090");
  proc.SetOwn(115, 0);
  auto sample = share.Sample();
  ASSERT_TRUE(sample.ok() && sample->has_value());
  EXPECT_DOUBLE_EQ(**sample, 0.0);
}

TEST(CpuShareTest, NoTimePassedGivesNoShare) {
  FakeProc proc;
  proc.SetMachine("1000 0 0 1000 0 0 0 0 0 0");
  proc.SetOwn(100, 0);
  OtherCpuShare share(proc.root());
  ASSERT_TRUE(share.Sample().ok());
  auto sample = share.Sample();
  ASSERT_TRUE(sample.ok());
  EXPECT_FALSE(sample->has_value());
}

TEST(CpuShareTest, CommandNameWithSpacesAndParenthesesIsSkipped) {
  FakeProc proc;
  proc.SetMachine("1 0 0 1");
  proc.SetOwn(12, 34, "a (strange) 1 2 3 name");
  auto ticks = ReadCpuTicks(proc.root());
  ASSERT_TRUE(ticks.ok()) << ticks.status().message();
  EXPECT_EQ(ticks->own, 46u);
}

TEST(CpuShareTest, MissingOrMalformedFilesAreErrorsNamingTheFile) {
  FakeProc proc;
  auto missing = ReadCpuTicks(proc.root());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kIoError);
  EXPECT_EQ(missing.status().message(), "cannot read " + proc.root() + "/stat");

  proc.SetOwn(1, 1);
  std::ofstream(fs::path(proc.root()) / "stat") << "intr 1 2 3\n";
  auto not_cpu = ReadCpuTicks(proc.root());
  ASSERT_FALSE(not_cpu.ok());
  EXPECT_EQ(not_cpu.status().message(), proc.root() + "/stat: first line is not the cpu total: 'intr 1 2 3'");

  proc.SetMachine("1 2 x");
  auto short_line = ReadCpuTicks(proc.root());
  ASSERT_FALSE(short_line.ok());
  EXPECT_EQ(short_line.status().message(), proc.root() + "/stat: too few numbers in 'cpu  1 2 x'");

  proc.SetMachine("1 2 3 4");
  std::ofstream(fs::path(proc.root()) / "self" / "stat") << "4242 (worker) S 1 2 3\n";
  auto short_own = ReadCpuTicks(proc.root());
  ASSERT_FALSE(short_own.ok());
  EXPECT_EQ(short_own.status().message(), proc.root() + "/self/stat: too few fields after the command name");

  std::ofstream(fs::path(proc.root()) / "self" / "stat") << "4242 (worker) S 1 2 3 4 5 6 7 8 9 10 x -5\n";
  auto bad_own = ReadCpuTicks(proc.root());
  ASSERT_FALSE(bad_own.ok());
  EXPECT_EQ(bad_own.status().message(), proc.root() + "/self/stat: utime and stime are not numbers: 'x' '-5'");
}

}  // namespace
}  // namespace potluck::activity
