// Every message potluck nodes exchange, as plain C++ values. The wire form is the Cap'n Proto
// schema in shared/proto/potluck.capnp; codec.h converts between the two.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "potluck/base/bytes.h"
#include "potluck/core/ids.h"
#include "potluck/crypto/claim_tree.h"
#include "potluck/crypto/signature.h"

namespace potluck {

struct WorkloadVersion {
  std::string name;
  uint32_t version = 0;
  bool operator==(const WorkloadVersion&) const = default;
};

// A peer's announcement of itself, gossiped and relayed: who it is, where it serves,
// what it gives, and what it holds. A newer offer (by issued_unix_ms) replaces an older one;
// a peer whose latest offer expired is gone.
struct Offer {
  PeerId peer;
  uint32_t cores = 0;
  uint32_t free_slots = 0;
  std::vector<WorkloadVersion> workloads;
  std::string host;      // host name, for telling replicas on one machine apart
  std::string endpoint;  // where this node serves, empty if it serves nothing
  // The leases the sender holds now, so a holder can forget leases whose grant never arrived.
  std::vector<UnitKey> leases;
  double speed = 0;                // work per second on the cores given, from a start-up benchmark
  std::vector<ProjectId> holds;    // projects it holds that still have work
  int64_t issued_unix_ms = 0;
  int64_t expires_unix_ms = 0;
};


struct WorkRequest {
  uint32_t slots = 0;
};

struct LeaseGrant {
  struct Item {
    UnitKey unit;
    int64_t deadline_unix_ms = 0;
  };
  std::vector<Item> leases;
  // The manifest bytes of every project named in `leases`.
  std::vector<Bytes> manifests;
};

// Signed by the peer that computed it, alone or with the claims it was sent with (see
// claim_tree.h).
struct Claim {
  UnitKey unit;
  ResultHash hash;
  Bytes result;
  Signature signature{};
  ClaimProof proof;
};

struct ClaimBatch {
  std::vector<Claim> claims;
};

// The holder has made every claim in it durable.
struct ClaimAck {
  std::vector<UnitKey> units;
};

// Units the receiver claimed whose verdict agreed with its claim, each with the agreed hash.
// A holder sends it when it verifies a unit; it only feeds the receiver's own credit figure.
struct VerifiedNotice {
  struct Item {
    UnitKey unit;
    ResultHash hash;
  };
  std::vector<Item> items;
};

struct PeerRef {
  PeerId id;
  std::string endpoint;
  auto operator<=>(const PeerRef&) const = default;
};

// Push-pull gossip: offers the sender knows. A Gossip with a request id wants one back.
struct Gossip {
  std::vector<Offer> offers;
};

// Asks for every offer the node knows; answered with a Gossip.
struct PeersRequest {};

// Asks a peer to hold a project too: keep its ledger and lease its units.
struct HoldRequest {
  Bytes manifest;
  std::vector<PeerRef> holders;
};

struct HoldAck {
  ProjectId project;
};

// Claims one holder has that another may not, in the sender's stored order.
struct LedgerPush {
  struct Entry {
    PeerId peer;  // who computed it
    Claim claim;
    std::string network;  // as in ClaimRecord
    bool alone = false;
  };
  ProjectId project;
  std::vector<PeerRef> holders;
  std::vector<Entry> entries;
  uint64_t last_seq = 0;  // the sender's sequence number of the last entry
};

// A lease passed on by a volunteer that cannot finish it before its deadline to an idle peer.
struct LeaseHandoff {
  UnitKey unit;
  int64_t deadline_unix_ms = 0;
  std::string holder;  // endpoint of the holder that granted it
  Bytes manifest;
};

// Tells the holder that the sender passed its lease of `unit` to `to`.
struct LeaseMoved {
  UnitKey unit;
  PeerId to;
};

// Stops a project: signed by its owner, CancelStatement(project). Holders pass it on to each other.
struct CancelProject {
  ProjectId project;
  Signature signature{};
};

// Everything up to `seq` of the receiver's push is durable here.
struct LedgerAck {
  ProjectId project;
  uint64_t seq = 0;
};

struct SubmitProject {
  Bytes manifest;
};

struct ProjectRequest {
  enum class Kind : uint8_t { kStatus, kResults };
  Kind kind = Kind::kStatus;
  ProjectId project;
};

struct UnitCounts {
  uint64_t total = 0, verified = 0, in_flight = 0, waiting = 0, failed = 0;
  bool operator==(const UnitCounts&) const = default;
};

// A peer's record with one holder: results that agreed with the verdict, and that did not.
struct PeerScore {
  PeerId peer;
  uint64_t agreed = 0;
  uint64_t disagreed = 0;
  bool ignored = false;  // wrong too often: gets no more work from this holder
};

struct ProjectStatus {
  ProjectId project;
  std::string workload;
  uint32_t workload_version = 0;
  UnitCounts units;
  uint32_t workers = 0;               // distinct peers that computed or are computing its units
  double verified_per_second = 0;     // over the last minute
  int64_t submitted_unix_ms = 0;
  std::string result_json;            // the aggregated result, only in a kResults reply
  std::string summary;                // one line for people, only in a kResults reply
  bool cancelled = false;             // by its owner: no more units are leased
  std::vector<PeerScore> peers;       // the records of the peers that computed its units
};

struct Reply {
  bool ok = true;
  std::string error;                  // when !ok: one line for people
  std::optional<ProjectId> project;   // the new project's id, for a submit
};

using Body = std::variant<Gossip, PeersRequest, WorkRequest, LeaseGrant, ClaimBatch, ClaimAck, SubmitProject,
                          ProjectRequest, ProjectStatus, Reply, HoldRequest, HoldAck, LedgerPush, LedgerAck,
                          LeaseHandoff, LeaseMoved, CancelProject, VerifiedNotice>;

struct Envelope {
  PeerId sender;
  // Chosen by the asker and echoed in the answer, so an answer finds its question.
  uint64_t request_id = 0;
  Body body;
};

}  // namespace potluck
