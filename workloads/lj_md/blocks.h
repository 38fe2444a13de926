// Fixed blocks of atoms: the unit of parallel work and of partial sums in lj-md. Because the
// blocks depend only on the number of atoms, any thread count computes the same partial sums and
// adds them in the same order, so the totals are bit-identical.
#pragma once

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>

#include <algorithm>
#include <cstddef>
#include <vector>

namespace potluck::lj_md {

// Atoms per block: large enough to amortise a task, small enough to balance two to dozens of
// threads on 4,000 atoms, and to check for cancellation often.
constexpr size_t kAtomsPerBlock = 256;

inline size_t BlockCount(size_t atoms) { return (atoms + kAtomsPerBlock - 1) / kAtomsPerBlock; }

// Calls body(block, begin, end) for every block of [0, atoms), in parallel in the calling arena.
template <typename Body>
void ForEachBlock(size_t atoms, const Body& body) {
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, BlockCount(atoms), 1),
      [&](const tbb::blocked_range<size_t>& blocks) {
        for (size_t b = blocks.begin(); b != blocks.end(); ++b) {
          const size_t begin = b * kAtomsPerBlock;
          body(b, begin, std::min(atoms, begin + kAtomsPerBlock));
        }
      },
      tbb::simple_partitioner());
}

// The sum of partial(begin, end) over the blocks, each computed in parallel and added serially in
// block order.
template <typename Partial>
double SumOverBlocks(size_t atoms, const Partial& partial) {
  std::vector<double> sums(BlockCount(atoms), 0.0);
  ForEachBlock(atoms,
               [&](size_t block, size_t begin, size_t end) { sums[block] = partial(begin, end); });
  double total = 0;
  for (const double sum : sums) total += sum;
  return total;
}

}  // namespace potluck::lj_md
