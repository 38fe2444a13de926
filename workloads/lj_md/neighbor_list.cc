#include "lj_md/neighbor_list.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <limits>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/partitioner.h>
#include <tbb/task_arena.h>

#include "lj_md/avx2_helpers.h"
#include "potluck/base/status.h"

namespace potluck::lj_md {
namespace {

// Two doubles, one SSE2 register (a GCC and Clang vector extension).
typedef double Pair __attribute__((vector_size(2 * sizeof(double))));

// The binned atoms a search scans.
struct Slots {
  const PackedPosition* position;  // by slot
  const int32_t* atom;             // the atom in each slot
  double radius_squared;
};

// Appends to appended[count...] the atoms in slots [slot_begin, slot_end) other than `self` whose
// image, their position + shift, lies within the radius of `center`; returns the new count.
// Separations to the images: MinimumImage's operations for pairs within the radius, since cells
// reach less than half the box. Each candidate is written at the next free place, which advances
// only for atoms within the radius, so there is no branch per candidate.
size_t ScanBaseline(const Slots& slots, const double center[3], int32_t self, int32_t slot_begin,
                    int32_t slot_end, const double shift[3], int32_t* appended, size_t count) {
  const double px = center[0], py = center[1], pz = center[2];
  const PackedPosition* p = slots.position;
  const int32_t* atom = slots.atom;
  int32_t s = slot_begin;
  for (; s + 1 < slot_end; s += 2) {
    const Pair dx = (px - Pair{p[s].x, p[s + 1].x}) - shift[0];
    const Pair dy = (py - Pair{p[s].y, p[s + 1].y}) - shift[1];
    const Pair dz = (pz - Pair{p[s].z, p[s + 1].z}) - shift[2];
    const Pair r2 = dx * dx + dy * dy + dz * dz;
    appended[count] = atom[s];
    count += (r2[0] < slots.radius_squared) & (atom[s] != self);
    appended[count] = atom[s + 1];
    count += (r2[1] < slots.radius_squared) & (atom[s + 1] != self);
  }
  if (s < slot_end) {
    const double dx = (px - p[s].x) - shift[0];
    const double dy = (py - p[s].y) - shift[1];
    const double dz = (pz - p[s].z) - shift[2];
    appended[count] = atom[s];
    count += (dx * dx + dy * dy + dz * dz < slots.radius_squared) & (atom[s] != self);
  }
  return count;
}

#if defined(__x86_64__)
// What ScanAvx2 keeps in registers for one run.
struct ScanVectors {
  __m256d px, py, pz, sx, sy, sz, radius_squared;
  __m128i self;
};

// Slots s .. s + 3, of which those in the mask `in_run` belong to the run: appends the atoms
// within the radius at appended[count...], compressed to the front of a vector stored whole.
[[gnu::target("avx2"), gnu::always_inline]] inline void ScanFour(const ScanVectors& v,
                                                                 const Slots& slots, int32_t s,
                                                                 int in_run, int32_t* appended,
                                                                 size_t& count) {
  using namespace internal;
  const PackedPosition* p = slots.position;
  __m256d xj, yj, zj;
  LoadFour(p[s], p[s + 1], p[s + 2], p[s + 3], xj, yj, zj);
  const __m256d dx = _mm256_sub_pd(_mm256_sub_pd(v.px, xj), v.sx);
  const __m256d dy = _mm256_sub_pd(_mm256_sub_pd(v.py, yj), v.sy);
  const __m256d dz = _mm256_sub_pd(_mm256_sub_pd(v.pz, zj), v.sz);
  const __m256d r2 = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(dx, dx), _mm256_mul_pd(dy, dy)),
                                   _mm256_mul_pd(dz, dz));
  const __m128i atoms = _mm_loadu_si128(reinterpret_cast<const __m128i*>(slots.atom + s));
  const int is_self = _mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(atoms, v.self)));
  const int within =
      _mm256_movemask_pd(_mm256_cmp_pd(r2, v.radius_squared, _CMP_LT_OQ)) & ~is_self & in_run;
  _mm_storeu_si128(reinterpret_cast<__m128i*>(appended + count), CompressInts(atoms, within));
  count += static_cast<size_t>(__builtin_popcount(static_cast<unsigned>(within)));
}

// ScanBaseline four candidates at a time, with the same operations on each. The last group
// reads up to 3 slots past slot_end (the slot arrays have that slack) and keeps none of them.
// REQUIRES: `appended` has room for 3 more than the scanned candidates.
[[gnu::target("avx2")]] size_t ScanAvx2(const Slots& slots, const double center[3], int32_t self,
                                        int32_t slot_begin, int32_t slot_end,
                                        const double shift[3], int32_t* appended, size_t count) {
  const ScanVectors v = {_mm256_set1_pd(center[0]), _mm256_set1_pd(center[1]),
                         _mm256_set1_pd(center[2]), _mm256_set1_pd(shift[0]),
                         _mm256_set1_pd(shift[1]),  _mm256_set1_pd(shift[2]),
                         _mm256_set1_pd(slots.radius_squared), _mm_set1_epi32(self)};
  int32_t s = slot_begin;
  for (; s + 4 <= slot_end; s += 4) ScanFour(v, slots, s, 0xf, appended, count);
  if (s < slot_end) ScanFour(v, slots, s, (1 << (slot_end - s)) - 1, appended, count);
  return count;
}
#endif

}  // namespace

// What to subtract from a separation xi - xj to reach the atom's image in the stencil cell at a
// coordinate shifted by m (in [0, 3m)): past the upper face the cell holds atoms near 0 whose
// image is at x + length, so xi - xj exceeds the image's separation by length; below the lower
// face, the reverse.
double NeighborList::ImageShift(int shifted_coordinate, int m) const {
  if (shifted_coordinate >= 2 * m) return length_;
  if (shifted_coordinate < m) return -length_;
  return 0.0;
}

NeighborList::NeighborList(double box_length, double radius, size_t atoms)
    : length_(box_length), half_length_(box_length / 2), radius_squared_(radius * radius) {
  POTLUCK_CHECK(radius > 0 && box_length > 0);
  // Cells of edge >= radius / 2, so the atoms within the radius lie in the 5 x 5 x 5 cells around
  // an atom's own (of which only those the sphere crosses are searched); at least 5 cells per
  // side, so that the search does not wrap onto itself.
  // At most about 8 cells per atom, so that a tiny radius cannot ask for more cells than memory
  // holds; bigger cells only mean more candidates.
  const double cells_max = std::max(5.0, std::floor(std::cbrt(8.0 * static_cast<double>(atoms))));
  const double cells = std::min(std::floor(2 * box_length / radius), cells_max);
  if (cells >= 5) cells_per_side_ = static_cast<int>(cells);
  for (int k = 0; k < 3 * cells_per_side_; ++k) {
    wrapped_.push_back(k % cells_per_side_);
    image_shift_.push_back(ImageShift(k, cells_per_side_));
  }
}

void NeighborList::BinAtoms() {
  const size_t n = x_.size();
  const int m = cells_per_side_;
  const double cells_per_length = m / length_;
  const auto cell_coordinate = [&](double position) {
    // A position equal to the box length (a wrap that rounded up) goes to the last cell.
    return std::clamp(static_cast<int>(position * cells_per_length), 0, m - 1);
  };
  cell_of_atom_.resize(n);
  cell_start_.assign(static_cast<size_t>(m) * m * m + 1, 0);
  for (size_t i = 0; i < n; ++i) {
    const int cell =
        (cell_coordinate(z_[i]) * m + cell_coordinate(y_[i])) * m + cell_coordinate(x_[i]);
    cell_of_atom_[i] = cell;
    ++cell_start_[cell + 1];
  }
  for (size_t c = 1; c < cell_start_.size(); ++c) cell_start_[c] += cell_start_[c - 1];
  // A counting sort in atom order keeps each cell's atoms increasing.
  std::vector<int32_t> next(cell_start_.begin(), cell_start_.end() - 1);
  // Slack of kScanSlack slots past the last, so that a vector search may read past a run.
  sorted_position_.assign(n + kScanSlack, PackedPosition{0.0, 0.0, 0.0, 0.0});
  sorted_atom_.assign(n + kScanSlack, -1);
  for (size_t i = 0; i < n; ++i) {
    const int32_t slot = next[cell_of_atom_[i]]++;
    sorted_atom_[slot] = static_cast<int32_t>(i);
    sorted_position_[slot] = {x_[i], y_[i], z_[i], 0.0};
  }
}

void NeighborList::Found::Reserve(size_t more) {
  if (size + more <= capacity) return;
  const size_t grown = std::max(size + more, 2 * capacity);
  std::unique_ptr<int32_t[]> larger(new int32_t[grown]);
  std::copy(data.get(), data.get() + size, larger.get());
  data = std::move(larger);
  capacity = grown;
}

void NeighborList::CollectNeighbors(size_t atom, Found& out) const {
  const int m = cells_per_side_, reach = kReach;
  const int cell = cell_of_atom_[atom];
  const int cx0 = cell % m, cy0 = (cell / m) % m, cz0 = cell / (m * m);
  // Cell coordinates shifted by m, so that coordinate + offset indexes wrapped_ without a sign.
  const int cx = cx0 + m, cy = cy0 + m, cz = cz0 + m;
  // The atom relative to its cell's corner, in cell edges, and cells widened a hair so that
  // rounding in the binning cannot hide an atom just outside its cell.
  const double edge = length_ / m, widen = 1e-9;
  const double rel_x = (x_[atom] - cx0 * edge) / edge, rel_y = (y_[atom] - cy0 * edge) / edge;
  const double rel_z = (z_[atom] - cz0 * edge) / edge;
  const double radius_in_edges_squared = radius_squared_ / (edge * edge);
  const auto gap = [&](double rel, int offset) {
    return std::max({0.0, offset - widen - rel, rel - (offset + 1) - widen});
  };
  // floor() for the small values here, without a library call on baseline x86-64.
  const auto floor_small = [](double v) { return static_cast<int>(v + 64.0) - 64; };
  // The runs of consecutive cells that can hold an atom within the radius: per row of cells
  // along x, only the stretch that the sphere around the atom crosses.
  struct Run {
    int32_t slot_begin, slot_end;
    double shift[3];
  };
  Run runs[125];
  int run_count = 0;
  size_t candidates = 0;
  const auto add_run = [&](int first_cell, int last_cell, int ox, int oy, int oz) {
    // A run of several cells does not wrap, so its x shift is that of its first cell.
    runs[run_count++] = {cell_start_[first_cell],
                         cell_start_[last_cell + 1],
                         {image_shift_[cx + ox], image_shift_[cy + oy], image_shift_[cz + oz]}};
    candidates += static_cast<size_t>(cell_start_[last_cell + 1] - cell_start_[first_cell]);
  };
  double gap_y_squared[2 * reach + 1], gap_z_squared[2 * reach + 1];
  for (int o = -reach; o <= reach; ++o) {
    gap_y_squared[o + reach] = gap(rel_y, o) * gap(rel_y, o);
    gap_z_squared[o + reach] = gap(rel_z, o) * gap(rel_z, o);
  }
  for (int oz = -reach; oz <= reach; ++oz) {
    for (int oy = -reach; oy <= reach; ++oy) {
      const double left =
          radius_in_edges_squared - gap_y_squared[oy + reach] - gap_z_squared[oz + reach];
      if (left <= 0) continue;
      const double half_chord = std::sqrt(left) + widen;
      const int first = std::max(-reach, floor_small(rel_x - half_chord));
      const int last = std::min(reach, floor_small(rel_x + half_chord));
      const int row = (wrapped_[cz + oz] * m + wrapped_[cy + oy]) * m;
      if (cx + first >= m && cx + last < 2 * m) {
        add_run(row + cx0 + first, row + cx0 + last, first, oy, oz);
        continue;
      }
      for (int ox = first; ox <= last; ++ox) {
        const int other = row + wrapped_[cx + ox];
        add_run(other, other, ox, oy, oz);
      }
    }
  }
  out.Reserve(candidates + kScanSlack);
  size_t count = out.size;
  const Slots slots{sorted_position_.data(), sorted_atom_.data(), radius_squared_};
  const double center[3] = {x_[atom], y_[atom], z_[atom]};
  const int32_t self = static_cast<int32_t>(atom);
  for (int r = 0; r < run_count; ++r) {
    const Run& run = runs[r];
#if defined(__x86_64__)
    if (isa_ == Isa::kAvx2) {
      count = ScanAvx2(slots, center, self, run.slot_begin, run.slot_end, run.shift, out.data.get(),
                       count);
      continue;
    }
#endif
    count = ScanBaseline(slots, center, self, run.slot_begin, run.slot_end, run.shift, out.data.get(),
                         count);
  }
  out.size = count;
}

void NeighborList::CollectAllPairs(size_t atom, Found& out) const {
  out.Reserve(x_.size());
  for (size_t j = 0; j < x_.size(); ++j) {
    const double dx = MinimumImage(x_[atom] - x_[j], length_, half_length_);
    const double dy = MinimumImage(y_[atom] - y_[j], length_, half_length_);
    const double dz = MinimumImage(z_[atom] - z_[j], length_, half_length_);
    if (j != atom && dx * dx + dy * dy + dz * dz < radius_squared_)
      out.data[out.size++] = static_cast<int32_t>(j);
  }
}

bool NeighborList::SortByTransposing(const std::function<bool()>& stop) {
  // The cells were visited in an order that depends on where each atom sits. The list is
  // symmetric (j is i's neighbour iff i is j's: separations are exact negations), so scattering
  // i into the lists of its neighbours, for i in increasing order, rebuilds every list sorted
  // by atom, and the order depends only on which atoms are neighbours. No sorting.
  //
  // In parallel: the atoms i are cut into stripes of whole blocks, one per thread, each
  // scattering its atoms in increasing order. Atom j's list takes the stripes' atoms one stripe
  // after the other; where each stripe starts writing follows from j's own unsorted list, which
  // holds the same atoms. The list does not depend on how many stripes there are.
  const size_t n = unsorted_begin_.size();
  const auto found_of = [&](size_t i) {
    const Found& found = unsorted_[i / kAtomsPerBlock];
    const bool last_of_block = (i + 1) % kAtomsPerBlock == 0 || i + 1 == n;
    const size_t end = last_of_block ? found.size : unsorted_begin_[i + 1];
    return found.span().subspan(unsorted_begin_[i], end - unsorted_begin_[i]);
  };
  offsets_.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) offsets_[i + 1] = offsets_[i] + found_of(i).size();
  // Slack past the last entry, so that a vector loop may read a few entries past a list.
  neighbors_.size = 0;
  neighbors_.Reserve(offsets_[n] + kListSlack);
  std::fill_n(neighbors_.data.get() + offsets_[n], kListSlack, 0);
  const size_t blocks = BlockCount(n);
  const size_t threads = static_cast<size_t>(std::max(1, tbb::this_task_arena::max_concurrency()));
  const size_t stripes = std::max<size_t>(1, std::min({threads, kStripesMax, blocks}));
  const size_t blocks_per_stripe = (blocks + stripes - 1) / stripes;
  cursor_.resize(stripes * n);
  ForEachBlock(n, [&](size_t, size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j) {
      std::array<size_t, kStripesMax> per_stripe{};
      if (stripes > 1) {
        for (const int32_t i : found_of(j)) {
          ++per_stripe[static_cast<size_t>(i) / kAtomsPerBlock / blocks_per_stripe];
        }
      }
      size_t next = offsets_[j];
      for (size_t stripe = 0; stripe < stripes; ++stripe) {
        POTLUCK_CHECK(next <= offsets_[j + 1]);  // the list is symmetric
        const size_t count = stripe + 1 < stripes ? per_stripe[stripe] : offsets_[j + 1] - next;
        cursor_[stripe * n + j] = {next, next + count};
        next += count;
      }
    }
  });
  std::atomic<bool> stopped{false};
  tbb::parallel_for(
      tbb::blocked_range<size_t>(0, stripes, 1),
      [&](const tbb::blocked_range<size_t>& range) {
        for (size_t stripe = range.begin(); stripe != range.end(); ++stripe) {
          Cursor* cursor = &cursor_[stripe * n];
          const size_t first = stripe * blocks_per_stripe * kAtomsPerBlock;
          const size_t last = std::min(n, first + blocks_per_stripe * kAtomsPerBlock);
          for (size_t i = first; i < last; ++i) {
            // For a million atoms a stripe takes longer than a stop may wait.
            if ((i - first) % kAtomsPerStopCheck == 0 &&
                (stopped.load(std::memory_order_relaxed) || stop())) {
              stopped = true;
              return;
            }
            for (const int32_t j : found_of(i)) {
              Cursor& to = cursor[j];
              POTLUCK_CHECK(to.next < to.end);  // the list is symmetric
              neighbors_.data[to.next++] = static_cast<int32_t>(i);
            }
          }
        }
      },
      tbb::simple_partitioner());
  return !stopped;
}

bool NeighborList::Build(std::span<const double> x, std::span<const double> y,
                         std::span<const double> z, const std::function<bool()>& stop) {
  valid_ = false;
  const size_t n = x.size();
  x_.assign(x.begin(), x.end());
  y_.assign(y.begin(), y.end());
  z_.assign(z.begin(), z.end());
  if (uses_cells()) BinAtoms();
  unsorted_.resize(BlockCount(n));
  unsorted_begin_.resize(n);
  std::atomic<bool> stopped{false};
  ForEachBlock(n, [&](size_t block, size_t begin, size_t end) {
    if (stopped.load(std::memory_order_relaxed) || stop()) {
      stopped = true;
      return;
    }
    Found& found = unsorted_[block];
    found.size = 0;
    for (size_t i = begin; i < end; ++i) {
      unsorted_begin_[i] = static_cast<uint32_t>(found.size);
      if (uses_cells()) {
        CollectNeighbors(i, found);
      } else {
        CollectAllPairs(i, found);
      }
    }
  });
  if (stopped || !SortByTransposing(stop)) return false;
  valid_ = true;
  return true;
}

double NeighborList::TwoLargestDisplacements(std::span<const double> x,
                                             std::span<const double> y,
                                             std::span<const double> z) const {
  POTLUCK_CHECK(valid_ && x.size() == x_.size());
  // The two largest squared displacements: per block, then over blocks.
  struct TopTwo {
    double first = 0, second = 0;
    bool nan = false;
    void Add(double d2) {
      if (d2 > first) {
        second = first;
        first = d2;
      } else if (d2 > second) {
        second = d2;
      }
      nan |= std::isnan(d2);
    }
  };
  std::vector<TopTwo> block_top(BlockCount(x.size()));
  ForEachBlock(x.size(), [&](size_t block, size_t begin, size_t end) {
    TopTwo top;
    for (size_t i = begin; i < end; ++i) {
      const double dx = MinimumImage(x[i] - x_[i], length_, half_length_);
      const double dy = MinimumImage(y[i] - y_[i], length_, half_length_);
      const double dz = MinimumImage(z[i] - z_[i], length_, half_length_);
      top.Add(dx * dx + dy * dy + dz * dz);
    }
    block_top[block] = top;
  });
  TopTwo top;
  for (const TopTwo& block : block_top) {
    top.Add(block.first);
    top.Add(block.second);
    top.nan |= block.nan;
  }
  if (top.nan) return std::numeric_limits<double>::infinity();
  return std::sqrt(top.first) + std::sqrt(top.second);
}

}  // namespace potluck::lj_md
