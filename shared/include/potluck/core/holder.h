// The protocol core of a holder: a node that keeps projects' ledgers and leases their units
// to volunteers. Sans-IO: it takes messages and the time and returns messages to send; it
// writes durable state through a LedgerStore and learns about peers from a Directory.
// A project has several holders; each leases its share of the units, and they push each
// other the claims they receive, so their ledgers converge to the union. Not thread-safe.
#pragma once

#include <algorithm>
#include <array>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <unordered_map>
#include <vector>

#include "potluck/core/actions.h"
#include "potluck/core/directory.h"
#include "potluck/core/faults.h"
#include "potluck/core/ledger_store.h"
#include "potluck/core/reputation.h"
#include "potluck/core/unit_ranges.h"
#include "potluck/core/verdict.h"
#include "potluck/crypto/claim_tree.h"
#include "potluck/crypto/signature.h"
#include "potluck/workload/workload.h"

namespace potluck {

struct HolderConfig {
  // A lease of a peer with no live offer this long after it was granted goes to others.
  Duration peer_timeout = std::chrono::seconds(15);
  // Leases handed out per request, whatever the peer asks for.
  uint32_t leases_per_request_max = 256;
  // A lease the peer's offer does not list, this long after it was granted, never reached the
  // peer (the grant was lost, or one side crashed): it goes to others at once.
  Duration unconfirmed_lease_grace = std::chrono::seconds(5);
  // How long a submit waits for a second holder before it is answered anyway.
  Duration submit_wait = std::chrono::seconds(3);
  // How long a ledger push may go unacknowledged before it is sent again.
  Duration push_retry = std::chrono::seconds(3);
  // Fault injection (see faults.h): null, so never, outside the simulator. Not owned.
  Faults* faults = nullptr;
  // Checks claims' signatures; null: VerifySignature(). Not owned.
  SignatureChecker* signatures = nullptr;
};

struct HolderCounters {
  uint64_t claims_accepted = 0;
  uint64_t claims_duplicate = 0;
  uint64_t claims_refused = 0;  // unknown project or unit, bad hash, oversized result
  uint64_t claims_contradicting = 0;  // a peer's second, different result for a unit: proof it lied
  uint64_t leases_granted = 0;
  uint64_t leases_expired = 0;
  uint64_t leases_unconfirmed = 0;
  uint64_t leases_moved = 0;        // passed by one volunteer to another
  uint64_t claims_pushed = 0;   // sent to other holders
  uint64_t cancels_refused = 0; // not signed by the project's owner
  uint64_t leases_alone = 0;    // adaptive replication: units given to one trusted peer
  uint64_t spot_checks = 0;     // units a trusted peer would have had alone, replicated anyway
  // Verdicts reached since this holder started, not those loaded from the store.
  uint64_t units_verified = 0;
  uint64_t units_failed = 0;
  uint64_t results_rejected = 0;  // claims that disagreed with their unit's verified result
  uint64_t units_noticed = 0;   // units peers were told their claim of was verified
};

// A unit whose results disagree, or that failed: what the dashboard lists.
struct UnitTrouble {
  uint64_t index = 0;
  UnitState state = UnitState::kPending;
  uint32_t results = 0;           // claims from distinct peers
  uint32_t distinct_results = 0;  // different result hashes among them
};

struct ProjectTroubles {
  std::vector<UnitTrouble> failed, disputed;  // the first ones, in unit order
  uint64_t failed_count = 0, disputed_count = 0;
};

constexpr size_t kResultBytesMax = 1 << 20;
// Leases one peer may hold from this holder at once, whatever it asks for.
constexpr size_t kLeasesPerPeerMax = 1024;
// One ledger push carries at most this many claims and results' bytes, so that it stays well
// inside a frame (kFrameBytesMax) whatever the workload returns.
constexpr size_t kLedgerPushEntriesMax = 4096;
constexpr size_t kLedgerPushResultBytesMax = 8 << 20;
constexpr size_t kVerifiedNoticeItemsMax = 256;
// Credit is not urgent: notices gather this long per peer before they go, so that a peer
// verifying a unit a second gets a message every few seconds rather than one a unit.
constexpr Duration kVerifiedNoticeDelay = std::chrono::seconds(5);
constexpr size_t kHungryPeersMax = 100000;  // peers remembered as waiting for work
// Work pushed to a waiting peer only wakes it: it asks for as many more as it wants, which may
// be far fewer than it asked for before (a new project's units may be long).
constexpr uint32_t kLeasesPushedMax = 2;
constexpr Duration kRecruitInterval = std::chrono::seconds(5);  // between looks for more holders
// A project's throughput figure counts the units verified this long before it is asked for.
constexpr Duration kThroughputWindow = std::chrono::seconds(60);

class Holder {
 public:
  // REQUIRES: `store`, `directory` and `workloads` outlive the holder. `endpoint` is where
  // this node serves, as other holders should reach it.
  Holder(PeerId self, std::string endpoint, HolderConfig config, LedgerStore& store, const Directory& directory,
         const WorkloadRegistry& workloads);

  // Rebuilds the ledgers from the store. Leases loaded count from `now`, so a restart does
  // not hand their units out twice at once.
  Status Load(TimePoint now);

  Actions OnMessage(const Inbound& in, TimePoint now);
  // A newer offer of `offer.peer` arrived, directly or relayed.
  void OnOffer(const Offer& offer, TimePoint now);
  Actions Tick(TimePoint now);
  // The earliest of a lease's deadline, an unanswered submit's, a push and a look for holders.
  TimePoint NextDue(TimePoint now) const;

  // Validates and stores a project; returns its id. Used for SubmitProject messages too.
  Result<ProjectId> Submit(const Bytes& manifest, TimePoint now, Actions& actions);
  // Unit counts and throughput; with `with_result`, also the aggregated verified result.
  Result<ProjectStatus> Describe(const ProjectId& id, bool with_result, TimePoint now);
  // Projects held here that still have units to compute, for this node's offer.
  std::vector<ProjectId> OpenProjects() const;
  // Where the other holders of the projects still open here are. The node keeps them hearing
  // its offer directly: on a large grid gossip may bring it to them too late, and a holder that
  // takes its co-holders for gone moves their shares and recruits others.
  std::vector<std::string> CoHolderEndpoints() const;
  // Every project held here, most recently submitted first.
  std::vector<ProjectId> Projects() const;
  // The failed units and the disputed ones (claims with more than one result hash, whatever
  // the verdict), at most `list_max` of each. NotFound for a project not held here.
  Result<ProjectTroubles> Troubles(const ProjectId& id, size_t list_max) const;
  // Each peer's record of results that agreed and disagreed with the verdicts here.
  const Reputation& reputation() const { return reputation_; }

  const HolderCounters& counters() const { return counters_; }

 private:
  struct ActiveLease {
    PeerId peer;
    TimePoint deadline;
    TimePoint granted;  // or when this holder loaded it
    bool alone = false;  // adaptive replication: the only replica, see ClaimRecord::alone
  };
  struct UnitLedger {
    std::vector<ClaimRecord> claims;
    std::vector<ActiveLease> leases;
    UnitState state = UnitState::kPending;
  };
  struct CoHolder {
    std::string endpoint;
    uint64_t acked_seq = 0;                   // our claims it has made durable
    std::optional<TimePoint> push_sent;       // a push is unacknowledged since then
    // Project::claims_stored when the store last had nothing new for it: no query until it grows.
    std::optional<uint64_t> caught_up_at;
    // The request id of our pushes to it. A new one starts each pass over the claims again, so
    // that the answer to a push sent before cannot acknowledge what the new pass sends.
    uint64_t push_epoch = 1;
    // After another holder was lost, the claims up to here are passed over again for those it
    // had relayed to us, which it can no longer push itself.
    std::optional<uint64_t> relay_again_upto;

    // It has, or needs nothing more from us, up to `seq`.
    void Acknowledge(uint64_t seq) {
      acked_seq = std::max(acked_seq, seq);
      if (relay_again_upto && acked_seq >= *relay_again_upto) relay_again_upto.reset();
    }
  };
  struct Project {
    ProjectId id;
    Bytes manifest_bytes;
    Manifest manifest;
    const Workload* workload = nullptr;
    TimePoint submitted;
    std::unordered_map<uint64_t, UnitLedger> units;  // units leased or claimed so far, but settled ones
    // Verified units no claim disputes and nobody holds a lease of: most of a large project's
    // units. They are only an index here; their claims stay in the store, read back on the rare
    // paths that need them (a late or repeated claim, results with more than one hash).
    UnitRanges settled;
    std::set<uint64_t> open;                         // touched units still pending
    // Of the open units, those of our share that want more leases than they have: what a
    // grant looks through, so that units leased to all their replicas cost it nothing.
    std::set<uint64_t> short_of_replicas;
    std::set<uint64_t> disputed;                     // units with more than one result hash
    std::set<uint64_t> failed_units;
    uint64_t fresh_cursor = 0;                       // units from here on were never touched here
    uint64_t verified = 0, failed = 0;
    std::set<PeerId> contributors;                   // peers whose claims it holds
    uint64_t claims_stored = 0;                      // here, loaded or accepted
    uint64_t seq_floor = 0;  // below every claim's sequence number: where passes over them start
    // Units verified in each second of the throughput figure's window: (start of the second, count).
    std::deque<std::pair<TimePoint, uint32_t>> recent_verified;
    std::map<PeerId, CoHolder> co_holders;
    std::vector<PeerId> live_holders;                // sorted, with us: who leases which units
    TimePoint next_recruit{};
    bool awaiting_holders = false;  // asked peers to hold it; none has answered yet
    bool cancelled = false;         // by its owner

    bool unfinished() const { return !cancelled && verified + failed < manifest.units; }  // units left to compute
  };
  struct PendingSubmit {
    Inbound request;
    TimePoint deadline;
  };

  // holder.cc: leases, claims, verdicts
  Actions OnWorkRequest(const Inbound& in, uint32_t slots, TimePoint now);
  Actions OnClaims(const Inbound& in, const ClaimBatch& batch, TimePoint now);
  Actions OnSubmit(const Inbound& in, const SubmitProject& submit, TimePoint now);
  void OnLeaseMoved(const Inbound& in, const LeaseMoved& moved, TimePoint now);
  Result<Project*> AddProject(const Bytes& manifest_bytes, TimePoint now);
  // The store's ClaimSeqFloor, or 0 if it cannot tell.
  uint64_t SeqFloor(const ProjectId& project);
  // True if `peer`'s claim of `hash` for unit `index` is in the ledger already.
  bool HoldsClaim(Project& project, uint64_t index, const PeerId& peer, const ResultHash& hash);
  // `network` and `alone` as in ClaimRecord; `alone` is only believed from co-holders.
  // `relayed_by`: the co-holder that pushed the claim, if one did.
  bool AcceptClaim(const PeerId& peer, const Claim& claim, std::string network, bool alone,
                   const std::optional<PeerId>& relayed_by, TimePoint now);
  bool TakeClaim(const PeerId& peer, const Claim& claim, std::string network, bool alone,
                 const std::optional<PeerId>& relayed_by, TimePoint now);
  bool ClaimSigned(const PeerId& peer, const Claim& claim);
  LeaseGrant Grant(const PeerId& peer, uint32_t slots, TimePoint now);
  bool TryLease(Project& project, uint64_t index, const PeerId& peer, TimePoint now, LeaseGrant& grant);
  // Whether unit `index` is ours to lease, pending, not leased alone, and leased to fewer
  // peers than its claims want; Reindex() keeps `short_of_replicas` in step with it and is
  // called wherever a unit's leases, claims, state or share change.
  bool WantsLeases(const Project& project, uint64_t index, const UnitLedger& unit) const;
  void Reindex(Project& project, uint64_t index, const UnitLedger& unit);
  // The quorum rule's view of where `peer` computes: empty until it dialled us.
  std::string NetworkOfPeer(const PeerId& peer) const;
  // Whether `peer` may take `unit` without sharing a network with its other replicas.
  bool NetworkFree(const Project& project, const UnitLedger& unit, const PeerId& peer) const;
  // Adaptive replication: whether a fresh unit goes to `peer` as its only replica.
  bool LeaseAlone(const Project& project, const PeerId& peer);
  // Leases for the peers that asked while we had none, once we have some again.
  void ServeHungryPeers(TimePoint now, Actions& actions);
  // Whether a project has units to lease: some short of replicas, or some not yet begun.
  bool HasWorkToGrant() const;
  void DropLease(Project& project, uint64_t index, UnitLedger& unit, const PeerId& peer);
  void ExpireLeases(TimePoint now);
  void Decide(Project& project, uint64_t index, UnitLedger& unit, TimePoint now);
  // A claim from a peer that has one for the unit already: word that it was leased alone, or a
  // second, different result (see holder.cc).
  void OnSecondClaim(Project& project, UnitLedger& unit, ClaimRecord& held, const Claim& claim, bool alone,
                     TimePoint now);
  // A decided unit whose claims changed follows the verdict of its ledger, as after a restart:
  // a quorum outweighs a claim leased alone, and a late claim can complete a failed unit's
  // quorum. True when its state changed.
  bool Revise(Project& project, uint64_t index, UnitLedger& unit, TimePoint now);
  // Scores `claims` against a verified unit's agreed hash.
  void Score(const std::vector<ClaimRecord>& claims, const ResultHash& agreed);
  static bool Runs(const Offer& offer, const Manifest& manifest);
  Envelope Answer(const Inbound& in, Body body) const;

  // holder_stored_claims.cc: settled units, whose claims are kept only in the store
  // Whether unit `index` was leased or claimed here.
  static bool Touched(const Project& project, uint64_t index);
  // The ledger of unit `index`, a new one if it was never touched; a settled unit comes back
  // with its claims read from the store. Null (and logged) if the store cannot give them.
  UnitLedger* Unsettle(Project& project, uint64_t index);
  // Leaves unit `index` to the store alone if it is verified, undisputed and leased to nobody.
  void Settle(Project& project, uint64_t index);
  // The agreed hash of verified unit `index` among `hashes`, the hashes of its stored results.
  Result<ResultHash> AgreedHash(Project& project, uint64_t index, const std::vector<ResultHash>& hashes);

  // holder_notices.cc: telling peers which of their claims verified, for their credit
  void NoteVerified(const PeerId& peer, const UnitKey& unit, const ResultHash& agreed, TimePoint now);
  // Sends the notices that are due: all of them kVerifiedNoticeDelay after the oldest was
  // noted, and before that a peer's full messages and our own (they go nowhere).
  void SendVerifiedNotices(Actions& actions, TimePoint now);

  // holder_requests.cc: status, results and cancel
  Actions OnProjectRequest(const Inbound& in, const ProjectRequest& request, TimePoint now);
  Actions OnCancel(const Inbound& in, const CancelProject& cancel, TimePoint now);

  // holder_replication.cc: more holders per project, and ledger exchange between them
  bool Mine(const Project& project, uint64_t index) const;
  void UpdateLiveHolders(Project& project);
  // A holder was lost: every co-holder's pushes go over the ledger again for the claims it
  // had relayed.
  void RelayAgain(Project& project);
  // Whether the claim stored as `seq`, relayed to us by `from` if by anyone, goes to co-holder
  // `to`: the claims that reached us first, and those another holder relayed that it can no
  // longer push itself.
  bool PassesOn(const Project& project, uint64_t seq, const std::optional<PeerId>& from, const PeerId& to,
                const CoHolder& co) const;
  void Recruit(Project& project, TimePoint now, Actions& actions);
  void AddCoHolders(Project& project, const std::vector<PeerRef>& holders, const Inbound* from);
  std::vector<PeerRef> HolderRefs(const Project& project) const;
  void PushLedgers(TimePoint now, Actions& actions);
  // Sends each co-holder of `project` the claims it has not acknowledged (as below).
  void PushLedger(Project& project, TimePoint now, Actions& actions);
  // Sends `co` the claims it has not acknowledged, unless a push to it is still unanswered.
  void PushLedger(Project& project, const PeerId& peer, CoHolder& co, TimePoint now, Actions& actions);
  void AnswerPendingSubmits(const ProjectId& id, bool force, TimePoint now, Actions& actions);
  Actions OnHoldRequest(const Inbound& in, const HoldRequest& request, TimePoint now);
  Actions OnHoldAck(const Inbound& in, const HoldAck& ack, TimePoint now);
  Actions OnLedgerPush(const Inbound& in, const LedgerPush& push, TimePoint now);
  Actions OnLedgerAck(const Inbound& in, const LedgerAck& ack, TimePoint now);

  PeerId self_;
  std::string endpoint_;
  HolderConfig config_;
  LedgerStore& store_;
  const Directory& directory_;
  const WorkloadRegistry& workloads_;
  std::map<ProjectId, Project> projects_;
  std::map<PeerId, uint32_t> hungry_;  // peers that asked for work we did not have: slots
  std::set<std::pair<TimePoint, std::pair<UnitKey, PeerId>>> lease_deadlines_;
  std::map<PeerId, std::set<UnitKey>> leases_by_peer_;
  std::multimap<ProjectId, PendingSubmit> pending_submits_;
  TimePoint next_push_{};
  Reputation reputation_;
  std::map<PeerId, std::string> networks_;  // where each peer last dialled us from
  // Noted as units verify; at most kVerifiedNoticeItemsMax per peer wait, until notices_due_.
  std::map<PeerId, std::vector<VerifiedNotice::Item>> verified_notices_;
  TimePoint notices_due_ = TimePoint::max();
  bool notices_ready_ = false;  // some can go before notices_due_: a full message, or our own
  std::mt19937_64 rng_;                     // spot checks
  HolderCounters counters_;
  // The tree of the claim batch last checked, and the batch signatures last found good, newest
  // overwriting oldest (see ClaimSigned).
  ClaimTreeMemo claim_tree_memo_;
  struct GoodSignature {
    PeerId peer;
    Signature signature{};
    Bytes statement;
  };
  std::array<GoodSignature, 16> good_signatures_{};
  size_t next_good_signature_ = 0;
};

}  // namespace potluck
