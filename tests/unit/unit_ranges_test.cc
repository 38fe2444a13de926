#include "potluck/core/unit_ranges.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace potluck {
namespace {

TEST(UnitRangesTest, NeighboursMergeIntoOneRange) {
  UnitRanges r;
  for (uint64_t i : {5, 7, 6, 4, 8}) r.Insert(i);
  EXPECT_EQ(r.size(), 5u);
  EXPECT_EQ(r.ranges(), 1u);
  EXPECT_TRUE(r.Contains(4));
  EXPECT_TRUE(r.Contains(8));
  EXPECT_FALSE(r.Contains(3));
  EXPECT_FALSE(r.Contains(9));
}

TEST(UnitRangesTest, ErasingFromTheMiddleSplitsARange) {
  UnitRanges r;
  for (uint64_t i = 10; i < 20; ++i) r.Insert(i);
  r.Erase(15);
  EXPECT_EQ(r.ranges(), 2u);
  EXPECT_EQ(r.size(), 9u);
  EXPECT_FALSE(r.Contains(15));
  EXPECT_TRUE(r.Contains(14));
  EXPECT_TRUE(r.Contains(16));
  r.Erase(15);  // absent: nothing changes
  EXPECT_EQ(r.size(), 9u);
  r.Insert(15);
  EXPECT_EQ(r.ranges(), 1u);
}

TEST(UnitRangesTest, TheLargestIndicesWork) {
  UnitRanges r;
  const uint64_t top = UINT64_MAX - 1;  // one past it must still fit
  r.Insert(top);
  r.Insert(top - 1);
  EXPECT_TRUE(r.Contains(top));
  EXPECT_EQ(r.ranges(), 1u);
  r.Erase(top);
  EXPECT_FALSE(r.Contains(top));
  EXPECT_TRUE(r.Contains(top - 1));
}

TEST(UnitRangesTest, AgreesWithAPlainSetUnderRandomChanges) {
  std::mt19937_64 rng(7);
  UnitRanges r;
  std::set<uint64_t> plain;
  for (int step = 0; step < 20000; ++step) {
    const uint64_t index = rng() % 300;
    if (rng() % 3 == 0) {
      r.Erase(index);
      plain.erase(index);
    } else {
      r.Insert(index);
      plain.insert(index);
    }
    ASSERT_EQ(r.size(), plain.size());
    ASSERT_EQ(r.Contains(index), plain.contains(index));
  }
  size_t runs = 0;
  for (uint64_t i = 0; i < 300; ++i) {
    EXPECT_EQ(r.Contains(i), plain.contains(i)) << i;
    if (plain.contains(i) && !plain.contains(i - 1)) ++runs;
  }
  EXPECT_EQ(r.ranges(), runs);
}

}  // namespace
}  // namespace potluck
