#include <gtest/gtest.h>
#include <time.h>

#include <atomic>

#include "spin/spin_workload.h"

namespace potluck {
namespace {

double ThreadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) * 1e3 + static_cast<double>(t.tv_nsec) / 1e6;
}

class CancelAfter final : public KernelContext {
 public:
  explicit CancelAfter(int checks) : checks_left_(checks) {}
  bool Cancelled() const override { return --checks_left_ < 0; }
  void Progress(double) override {}

 private:
  mutable std::atomic<int> checks_left_;
};

TEST(SpinTest, ResultDependsOnlyOnTheIndex) {
  SpinWorkload spin;
  UninterruptedContext context;
  auto a = spin.Run({{"ms", "0"}}, 10, 7, context);
  auto b = spin.Run({}, 10, 7, context);
  auto c = spin.Run({{"ms", "1"}}, 100, 7, context);
  auto other = spin.Run({}, 10, 8, context);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok() && other.ok());
  EXPECT_EQ(a.value().size(), 16u);
  EXPECT_EQ(a.value(), b.value());
  EXPECT_EQ(a.value(), c.value());
  EXPECT_NE(a.value(), other.value());
  auto described = spin.DescribeUnit(a.value());
  ASSERT_TRUE(described.ok());
  EXPECT_EQ((*described)["index"], 7);
  EXPECT_EQ((*described)["value"], SpinValueOf(7));
}

TEST(SpinTest, BurnsAtLeastTheCpuTimeAsked) {
  SpinWorkload spin;
  UninterruptedContext context;
  const double before = ThreadCpuMs();
  ASSERT_TRUE(spin.Run({{"ms", "20"}}, 1, 0, context).ok());
  EXPECT_GE(ThreadCpuMs() - before, 20.0);
}

TEST(SpinTest, StopsWhenCancelled) {
  SpinWorkload spin;
  CancelAfter context(1000);
  auto result = spin.Run({{"ms", "3600000"}}, 1, 0, context);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
}

TEST(SpinTest, RefusesBadParameters) {
  SpinWorkload spin;
  EXPECT_TRUE(spin.Validate({{"ms", "10"}}, 5).ok());
  EXPECT_FALSE(spin.Validate({{"ms", "-1"}}, 5).ok());
  EXPECT_FALSE(spin.Validate({{"ms", "1.5"}}, 5).ok());
  EXPECT_FALSE(spin.Validate({{"ms", ""}}, 5).ok());
  EXPECT_FALSE(spin.Validate({{"ms", "3600001"}}, 5).ok());
  EXPECT_FALSE(spin.Validate({{"seconds", "1"}}, 5).ok());
  EXPECT_FALSE(spin.Validate({}, 0).ok());
  UninterruptedContext context;
  EXPECT_FALSE(spin.Run({}, 5, 5, context).ok());
}

TEST(SpinTest, AggregatorXorsTheValuesAndRefusesForeignResults) {
  SpinWorkload spin;
  UninterruptedContext context;
  auto aggregator = spin.NewAggregator({}, 3);
  uint64_t expected = 0;
  for (uint64_t i = 0; i < 3; ++i) {
    auto bytes = spin.Run({}, 3, i, context);
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(aggregator->Add(i, bytes.value()).ok());
    expected ^= SpinValueOf(i);
  }
  EXPECT_EQ(aggregator->Finish()["units"], 3);
  EXPECT_EQ(aggregator->Finish()["xor"], expected);
  auto unit1 = spin.Run({}, 3, 1, context);
  EXPECT_FALSE(spin.NewAggregator({}, 3)->Add(2, unit1.value()).ok());
  Bytes bent = unit1.value();
  bent[8] ^= 1;
  EXPECT_FALSE(spin.DescribeUnit(bent).ok());
  EXPECT_FALSE(spin.DescribeUnit(Bytes(15, 0)).ok());
}

}  // namespace
}  // namespace potluck
