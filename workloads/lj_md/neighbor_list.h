// A full Verlet neighbour list for a periodic cubic box, built through a cell list.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

#include "lj_md/blocks.h"
#include "lj_md/isa.h"

namespace potluck::lj_md {

// The periodic image of a coordinate difference closest to zero, for |d| < box length.
inline double MinimumImage(double d, double length, double half_length) {
  if (d > half_length) return d - length;
  if (d < -half_length) return d + length;
  return d;
}

// For every atom i, every other atom j whose nearest periodic image lies within `radius` of i
// at the time of the build, in increasing order of j. Both i-j and j-i are listed ("full" list),
// so the force on an atom is summed by one thread in a fixed order, and the order does not depend
// on when the list was built: any list built while every atom was within (radius - cutoff) / 2
// of where it is now holds all pairs now within `cutoff`, in the same order.
//
// Boxes of at least 5 cells of edge >= radius/2 per side are binned into such cells, and the
// cells around an atom's that its sphere crosses are searched; smaller boxes compare all pairs. Not
// thread-safe; Build runs in parallel in the calling arena, and its result does not depend on
// the number of threads or on the code path (set_isa).
class NeighborList {
 public:
  // For `atoms` atoms. REQUIRES: radius > 0, box_length > 0.
  NeighborList(double box_length, double radius, size_t atoms);

  // Rebuilds the list from positions in [0, box_length]. `stop` is asked once per block of atoms;
  // if it returns true, Build returns false and the list stays invalid until the next Build.
  bool Build(std::span<const double> x, std::span<const double> y, std::span<const double> z,
             const std::function<bool()>& stop);
  bool valid() const { return valid_; }

  // The sum of the two largest distances (nearest image) that atoms have moved since the last
  // Build, or infinity if a position is NaN. While it is at most radius - cutoff, no two atoms
  // have come closer than `cutoff` without being listed: a pair not listed was at least `radius`
  // apart, and has closed in by at most the sum of the two atoms' displacements.
  // REQUIRES: valid().
  double TwoLargestDisplacements(std::span<const double> x, std::span<const double> y,
                                 std::span<const double> z) const;

  // The neighbours of atom i, increasing. The 3 entries past the span may be read: they hold
  // atom numbers (of the next lists, or 0). REQUIRES: valid().
  std::span<const int32_t> NeighborsOf(size_t atom) const {
    return {neighbors_.data.get() + offsets_[atom], offsets_[atom + 1] - offsets_[atom]};
  }
  bool uses_cells() const { return cells_per_side_ > 0; }
  // The code path of the cell search, BestIsa() unless set. REQUIRES: the CPU supports `isa`.
  void set_isa(Isa isa) { isa_ = isa; }
  size_t pair_count() const { return valid_ ? offsets_.back() : 0; }

 private:
  double ImageShift(int shifted_coordinate, int m) const;
  void BinAtoms();
  // False if `stop` turned true first.
  bool SortByTransposing(const std::function<bool()>& stop);
  // Atom numbers found for one block: a growable array whose growth leaves new entries
  // unwritten (a vector would zero them, and they are written next anyway).
  struct Found {
    std::unique_ptr<int32_t[]> data;
    size_t size = 0, capacity = 0;
    // Room for `more` entries past size.
    void Reserve(size_t more);
    std::span<const int32_t> span() const { return {data.get(), size}; }
  };
  void CollectNeighbors(size_t atom, Found& out) const;
  void CollectAllPairs(size_t atom, Found& out) const;

  double length_, half_length_, radius_squared_;
  int cells_per_side_ = 0;          // 0: all pairs
  static constexpr int kReach = 2;  // cells searched on each side of an atom's
  static constexpr size_t kAtomsPerStopCheck = 4096;
  static constexpr size_t kScanSlack = 3;  // a vector of 4 slots read from a run's last
  static constexpr size_t kListSlack = 3;  // entries of atom 0 past the last list's end
  static constexpr size_t kStripesMax = 8;  // threads that transpose the list
  std::vector<int> wrapped_;        // k mod cells_per_side_ for k < 3 cells_per_side_
  std::vector<double> image_shift_;  // ImageShift(k, cells_per_side_) for k < 3 cells_per_side_
  bool valid_ = false;
  Isa isa_ = BestIsa();
  std::vector<double> x_, y_, z_;  // positions at the last build, by atom
  std::vector<int32_t> cell_of_atom_;
  std::vector<int32_t> cell_start_;                     // cell c holds sorted slots [c] .. [c + 1]
  std::vector<PackedPosition> sorted_position_;  // by cell, atoms increasing in a cell
  std::vector<int32_t> sorted_atom_;
  // Found in parallel per block of kAtomsPerBlock atoms, in cell order: atom i's are
  // unsorted_[block][unsorted_begin_[i]...] up to the next atom's.
  std::vector<Found> unsorted_;
  std::vector<uint32_t> unsorted_begin_;
  // Where the transposition writes next into atom j's list for the atoms of stripe s, and where
  // that stripe's part of the list ends: cursor_[s * atoms + j].
  struct Cursor {
    size_t next, end;
  };
  std::vector<Cursor> cursor_;
  // The list: atom i's neighbours are neighbors_[offsets_[i] .. offsets_[i + 1]), increasing,
  // followed by kListSlack zeros.
  std::vector<size_t> offsets_;
  Found neighbors_;
};

}  // namespace potluck::lj_md
