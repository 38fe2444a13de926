// The checks at the end of every simulated run, over the nodes' stores and holders:
//  - every unit 0..N-1 is verified or failed on every live holder, a failed one listed with its
//    reason in the holder's troubles;
//  - no unit lost: each verified unit's agreed result bytes are on every live holder;
//  - no wrong result accepted, unless the saboteurs alone made a quorum for it (over the union of
//    every node's ledger, the dead ones' included): such runs are reported, not failed;
//  - the claim sets of the project are equal on all live holders.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "potluck/core/node.h"
#include "potluck/store/sqlite_store.h"

namespace potluck::testing {

struct CheckedNode {
  size_t index = 0;
  PeerId id;
  bool live = false;  // up at the end: not lost for good, not down
  bool saboteur = false;
  Node* node = nullptr;          // null when not live
  LedgerStore* store = nullptr;  // kept even when the node is down
};

struct SimChecks {
  std::vector<std::string> problems;  // each a broken promise of the grid; empty when all held
  int holders = 0;                    // live holders of the project
  uint64_t verified = 0, failed = 0;  // by the union of the ledgers
  uint64_t wrong_accepted = 0;        // verified units whose agreed result is wrong
  uint64_t wrong_by_saboteur_quorum = 0;  // of those, the ones the saboteurs alone had a quorum for
  // A wrong result was accepted, each only because the saboteurs made a quorum for it.
  bool saboteurs_made_quorum() const { return problems.empty() && wrong_by_saboteur_quorum > 0; }
};

// The right result of unit `index` of the simulated workload.
ResultHash RightResultHash(uint64_t index);

// Adds one node's claim to a union of ledgers by the holders' own rule: of two claims of one
// peer, the smaller hash; the same claim counts as leased alone if any copy says so.
void MergeClaim(std::map<PeerId, ClaimRecord>& by_peer, const ClaimRecord& claim);

// REQUIRES: the run has settled (no fault is still injected).
SimChecks CheckRun(const std::vector<CheckedNode>& nodes, const ProjectId& project, const QuorumPolicy& policy,
                   uint64_t units, TimePoint now);

}  // namespace potluck::testing
