@0xb7e3a1c4d2f05a91;
# The one schema every potluck node speaks: worker, coordinator and CLI.
# Ids are 32 raw bytes: peers are Ed25519 public keys, projects and results BLAKE2b-256 hashes.

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("potluck::wire");

struct UnitKey {
  project @0 :Data;
  index @1 :UInt64;
}

struct WorkloadVersion {
  name @0 :Text;
  version @1 :UInt32;
}

struct Offer {
  cores @0 :UInt32;
  freeSlots @1 :UInt32;
  workloads @2 :List(WorkloadVersion);
  host @3 :Text;
  endpoint @4 :Text;
  leases @5 :List(UnitKey);
  peer @6 :Data;
  speed @7 :Float64;
  holds @8 :List(Data);
  issuedUnixMs @9 :Int64;
  expiresUnixMs @10 :Int64;
}

struct PeerRef {
  id @0 :Data;
  endpoint @1 :Text;
}

struct Gossip {
  offers @0 :List(Offer);
}

struct HoldRequest {
  manifest @0 :Data;
  holders @1 :List(PeerRef);
}

struct LedgerPush {
  struct Entry {
    peer @0 :Data;
    claim @1 :Claim;
    network @2 :Text;
    alone @3 :Bool;
  }
  project @0 :Data;
  holders @1 :List(PeerRef);
  entries @2 :List(Entry);
  lastSeq @3 :UInt64;
}

# Claims a holder stores together: one row of its database holds many (see SqliteStore).
struct StoredClaims {
  struct Item {
    entry @0 :LedgerPush.Entry;
    resultInClaim @1 :Bool;  # entry.claim.result is the result; otherwise the results table has it
    replaced @2 :Bool;       # a later claim of the same peer and unit took its place
  }
  items @0 :List(Item);
}

struct LeaseHandoff {
  unit @0 :UnitKey;
  deadlineUnixMs @1 :Int64;
  holder @2 :Text;
  manifest @3 :Data;
}

struct LeaseMoved {
  unit @0 :UnitKey;
  to @1 :Data;
}

struct CancelProject {
  project @0 :Data;
  signature @1 :Data;
}

struct LedgerAck {
  project @0 :Data;
  seq @1 :UInt64;
}

struct WorkRequest {
  slots @0 :UInt32;
}

struct LeaseGrant {
  struct Item {
    unit @0 :UnitKey;
    deadlineUnixMs @1 :Int64;
  }
  leases @0 :List(Item);
  manifests @1 :List(Data);
}

struct Claim {
  unit @0 :UnitKey;
  hash @1 :Data;
  result @2 :Data;
  signature @3 :Data;
  proof @4 :ClaimProof;  # unset when the signature covers this claim alone
}

# Where a claim sits in the tree of claims one signature covers (see claim_tree.h).
struct ClaimProof {
  position @0 :UInt32;
  leaves @1 :UInt32;
  path @2 :List(Data);  # 32-byte sibling hashes, from the leaf up
}

struct ClaimBatch {
  claims @0 :List(Claim);
}

struct ClaimAck {
  units @0 :List(UnitKey);
}

# Units whose verdict agreed with the receiver's own claim, each with the agreed hash: the
# receiver's credit. Best-effort, never acknowledged.
struct VerifiedNotice {
  struct Item {
    unit @0 :UnitKey;
    hash @1 :Data;
  }
  items @0 :List(Item);
}

struct SubmitProject {
  manifest @0 :Data;
}

struct ProjectRequest {
  enum Kind { status @0; results @1; }
  kind @0 :Kind;
  project @1 :Data;
}

struct UnitCounts {
  total @0 :UInt64;
  verified @1 :UInt64;
  inFlight @2 :UInt64;
  waiting @3 :UInt64;
  failed @4 :UInt64;
}

struct ProjectStatus {
  project @0 :Data;
  workload @1 :Text;
  workloadVersion @2 :UInt32;
  units @3 :UnitCounts;
  workers @4 :UInt32;
  verifiedPerSecond @5 :Float64;
  submittedUnixMs @6 :Int64;
  resultJson @7 :Text;
  summary @8 :Text;
  cancelled @9 :Bool;
  peers @10 :List(PeerScore);
}

struct PeerScore {
  peer @0 :Data;
  agreed @1 :UInt64;
  disagreed @2 :UInt64;
  ignored @3 :Bool;
}

struct Reply {
  ok @0 :Bool;
  error @1 :Text;
  project @2 :Data;
}

struct Envelope {
  sender @0 :Data;
  requestId @1 :UInt64;
  body :union {
    gossip @2 :Gossip;
    workRequest @3 :WorkRequest;
    leaseGrant @4 :LeaseGrant;
    claimBatch @5 :ClaimBatch;
    claimAck @6 :ClaimAck;
    submitProject @7 :SubmitProject;
    projectRequest @8 :ProjectRequest;
    projectStatus @9 :ProjectStatus;
    reply @10 :Reply;
    peersRequest @11 :Void;
    holdRequest @12 :HoldRequest;
    holdAck @13 :Data;
    ledgerPush @14 :LedgerPush;
    ledgerAck @15 :LedgerAck;
    leaseHandoff @16 :LeaseHandoff;
    leaseMoved @17 :LeaseMoved;
    cancelProject @18 :CancelProject;
    verifiedNotice @19 :VerifiedNotice;
  }
}

# A manifest with its owner's Ed25519 signature of the manifest's canonical bytes.
struct SignedManifest {
  manifest @0 :Data;
  signature @1 :Data;
}

# A project's manifest. Its canonical Cap'n Proto encoding is what the project id hashes.
struct Manifest {
  owner @0 :Data;
  workload @1 :Text;
  workloadVersion @2 :UInt32;
  params @3 :List(Param);
  units @4 :UInt64;
  minQuorum @5 :UInt32;
  maxReplicas @6 :UInt32;
  deadlineMs @7 :Int64;
  priority @8 :Int32;
  createdUnixMs @9 :Int64;
  holders @10 :UInt32;
  distinctNetworks @11 :Bool = true;
  spotCheckPpm @12 :UInt32;

  struct Param {
    key @0 :Text;
    value @1 :Text;
  }
}
