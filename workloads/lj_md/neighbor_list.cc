#include "lj_md/neighbor_list.h"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "potluck/base/status.h"

namespace potluck::lj_md {
namespace {

// Two doubles, one SSE2 register (a GCC and Clang vector extension).
typedef double Pair __attribute__((vector_size(2 * sizeof(double))));

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
  for (int k = 0; k < 3 * cells_per_side_; ++k) wrapped_.push_back(k % cells_per_side_);
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
  for (auto* v : {&sorted_x_, &sorted_y_, &sorted_z_}) v->resize(n);
  sorted_atom_.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const int32_t slot = next[cell_of_atom_[i]]++;
    sorted_atom_[slot] = static_cast<int32_t>(i);
    sorted_x_[slot] = x_[i];
    sorted_y_[slot] = y_[i];
    sorted_z_[slot] = z_[i];
  }
}

size_t NeighborList::ScanSlots(size_t atom, int32_t slot_begin, int32_t slot_end,
                               const double shift[3], int32_t* appended, size_t count) const {
  // Separations to the atoms' images in these cells: MinimumImage's operations for pairs within
  // the radius, since cells reach less than half the box. Two candidates at a time; each is
  // written at the next free place, which advances only for atoms within the radius, so there is
  // no branch per candidate.
  const double px = x_[atom], py = y_[atom], pz = z_[atom];
  const int32_t self = static_cast<int32_t>(atom);
  int32_t s = slot_begin;
  for (; s + 1 < slot_end; s += 2) {
    const Pair dx = (px - Pair{sorted_x_[s], sorted_x_[s + 1]}) - shift[0];
    const Pair dy = (py - Pair{sorted_y_[s], sorted_y_[s + 1]}) - shift[1];
    const Pair dz = (pz - Pair{sorted_z_[s], sorted_z_[s + 1]}) - shift[2];
    const Pair r2 = dx * dx + dy * dy + dz * dz;
    appended[count] = sorted_atom_[s];
    count += (r2[0] < radius_squared_) & (sorted_atom_[s] != self);
    appended[count] = sorted_atom_[s + 1];
    count += (r2[1] < radius_squared_) & (sorted_atom_[s + 1] != self);
  }
  if (s < slot_end) {
    const double dx = (px - sorted_x_[s]) - shift[0];
    const double dy = (py - sorted_y_[s]) - shift[1];
    const double dz = (pz - sorted_z_[s]) - shift[2];
    appended[count] = sorted_atom_[s];
    count += (dx * dx + dy * dy + dz * dz < radius_squared_) & (sorted_atom_[s] != self);
  }
  return count;
}

void NeighborList::CollectNeighbors(size_t atom, std::vector<int32_t>& out) const {
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
                         {ImageShift(cx + ox, m), ImageShift(cy + oy, m), ImageShift(cz + oz, m)}};
    candidates += static_cast<size_t>(cell_start_[last_cell + 1] - cell_start_[first_cell]);
  };
  for (int oz = -reach; oz <= reach; ++oz) {
    const double gap_z = gap(rel_z, oz);
    for (int oy = -reach; oy <= reach; ++oy) {
      const double gap_y = gap(rel_y, oy);
      const double left = radius_in_edges_squared - gap_y * gap_y - gap_z * gap_z;
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
  const size_t first_slot = out.size();
  out.resize(first_slot + candidates);
  size_t count = first_slot;
  for (int r = 0; r < run_count; ++r) {
    count = ScanSlots(atom, runs[r].slot_begin, runs[r].slot_end, runs[r].shift, out.data(), count);
  }
  out.resize(count);
}

void NeighborList::CollectAllPairs(size_t atom, std::vector<int32_t>& out) const {
  for (size_t j = 0; j < x_.size(); ++j) {
    const double dx = MinimumImage(x_[atom] - x_[j], length_, half_length_);
    const double dy = MinimumImage(y_[atom] - y_[j], length_, half_length_);
    const double dz = MinimumImage(z_[atom] - z_[j], length_, half_length_);
    if (j != atom && dx * dx + dy * dy + dz * dz < radius_squared_)
      out.push_back(static_cast<int32_t>(j));
  }
}

bool NeighborList::SortByTransposing(const std::function<bool()>& stop) {
  // The cells were visited in an order that depends on where each atom sits. The list is
  // symmetric (j is i's neighbour iff i is j's: separations are exact negations), so scattering
  // i into the lists of its neighbours, for i in increasing order, rebuilds every list sorted
  // by atom, and the order depends only on which atoms are neighbours. One pass, no sorting.
  const size_t n = unsorted_begin_.size();
  const auto found_of = [&](size_t i) {
    const std::vector<int32_t>& found = unsorted_[i / kAtomsPerBlock];
    const bool last_of_block = (i + 1) % kAtomsPerBlock == 0 || i + 1 == n;
    const size_t end = last_of_block ? found.size() : unsorted_begin_[i + 1];
    return std::span<const int32_t>(found).subspan(unsorted_begin_[i], end - unsorted_begin_[i]);
  };
  offsets_.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) offsets_[i + 1] = offsets_[i] + found_of(i).size();
  neighbors_.resize(offsets_[n]);
  std::vector<size_t> next(offsets_.begin(), offsets_.end() - 1);
  for (size_t i = 0; i < n; ++i) {
    // The pass is serial: for a million atoms it takes longer than a stop may wait.
    if (i % kAtomsPerStopCheck == 0 && stop()) return false;
    for (const int32_t j : found_of(i)) {
      POTLUCK_CHECK(next[j] < offsets_[j + 1]);  // the list is symmetric
      neighbors_[next[j]++] = static_cast<int32_t>(i);
    }
  }
  return true;
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
    std::vector<int32_t>& found = unsorted_[block];
    found.clear();
    for (size_t i = begin; i < end; ++i) {
      unsorted_begin_[i] = static_cast<uint32_t>(found.size());
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

double NeighborList::MaxDisplacementSquared(std::span<const double> x, std::span<const double> y,
                                            std::span<const double> z) const {
  POTLUCK_CHECK(valid_ && x.size() == x_.size());
  std::vector<double> block_max(BlockCount(x.size()), 0.0);
  ForEachBlock(x.size(), [&](size_t block, size_t begin, size_t end) {
    double largest = 0;
    for (size_t i = begin; i < end; ++i) {
      const double dx = MinimumImage(x[i] - x_[i], length_, half_length_);
      const double dy = MinimumImage(y[i] - y_[i], length_, half_length_);
      const double dz = MinimumImage(z[i] - z_[i], length_, half_length_);
      const double d2 = dx * dx + dy * dy + dz * dz;
      if (!(d2 <= largest)) largest = d2;  // so that NaN wins
    }
    block_max[block] = largest;
  });
  double largest = 0;
  for (const double m : block_max) {
    if (!(m <= largest)) largest = m;
  }
  return largest;
}

}  // namespace potluck::lj_md
