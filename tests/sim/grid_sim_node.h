// One simulated node of GridSim: its identity, its store (kept across crashes), its clock and
// the running core, if it is up.
#pragma once

#include <memory>
#include <string>

#include "potluck/crypto/identity.h"
#include "sim/grid_sim.h"
#include "sim/sim_store.h"

namespace potluck::testing {

struct GridSim::SimNode {
  PeerId id;
  std::string endpoint;
  std::string host;  // the IP address it dials others from
  bool computes = true;
  bool saboteur = false;
  bool lost = false;                     // for good: never restarts
  std::optional<TimePoint> down_until;   // crashed; restarts then
  int generation = 0;
  TimePoint busy_until{};                // when its core finishes the units it was handed
  uint64_t units_computed = 0;           // by its kernel, across restarts (saboteurs' records)
  Duration clock_offset{0};
  double clock_rate_ppm = 0;
  std::unique_ptr<Identity> identity;
  std::unique_ptr<SimStore> store;
  std::unique_ptr<Node> node;

  bool up() const { return node != nullptr; }
};

}  // namespace potluck::testing
