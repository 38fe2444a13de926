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

namespace potluck {

struct WorkloadVersion {
  std::string name;
  uint32_t version = 0;
  bool operator==(const WorkloadVersion&) const = default;
};

// Announced on join and repeated as the heartbeat.
struct Offer {
  uint32_t cores = 0;
  uint32_t free_slots = 0;
  std::vector<WorkloadVersion> workloads;
  std::string host;      // host name, for telling replicas on one machine apart
  std::string endpoint;  // where this node serves, empty if it serves nothing
  // The leases the sender holds now, so a holder can forget leases whose grant never arrived.
  std::vector<UnitKey> leases;
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

struct Claim {
  UnitKey unit;
  ResultHash hash;
  Bytes result;
};

struct ClaimBatch {
  std::vector<Claim> claims;
};

// The holder has made every claim in it durable.
struct ClaimAck {
  std::vector<UnitKey> units;
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
};

struct Reply {
  bool ok = true;
  std::string error;                  // when !ok: one line for people
  std::optional<ProjectId> project;   // the new project's id, for a submit
};

using Body = std::variant<Offer, WorkRequest, LeaseGrant, ClaimBatch, ClaimAck, SubmitProject,
                          ProjectRequest, ProjectStatus, Reply>;

struct Envelope {
  PeerId sender;
  // Chosen by the asker and echoed in the answer, so an answer finds its question.
  uint64_t request_id = 0;
  Body body;
};

}  // namespace potluck
