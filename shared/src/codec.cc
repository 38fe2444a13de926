#include "potluck/proto/codec.h"

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <cstring>

#include "capnp_bytes.h"
#include "proto/potluck.capnp.h"

namespace potluck {
namespace {

// Decoding stops at this many words read, so a small frame cannot make us walk far.
constexpr uint64_t kTraversalWordsMax = kFrameBytesMax / 8 * 4;
constexpr size_t kListItemsMax = 65536;
constexpr size_t kNetworkTextMax = 64;

// Thrown inside the decoder and turned into a Status at its edge.
struct DecodeError {
  std::string what;
};

capnp::Data::Reader AsData(const uint8_t* data, size_t size) { return {data, size}; }

template <typename Tag>
Id32<Tag> ReadId(capnp::Data::Reader d, const char* field) {
  auto id = Id32<Tag>::FromBytes(d.begin(), d.size());
  if (!id) throw DecodeError{std::string(field) + " is not 32 bytes"};
  return *id;
}

Bytes ReadBytes(capnp::Data::Reader d) { return Bytes(d.begin(), d.end()); }

template <typename List>
void CheckCount(const List& list, const char* field) {
  if (list.size() > kListItemsMax) throw DecodeError{std::string(field) + " has too many items"};
}

void WriteUnit(wire::UnitKey::Builder b, const UnitKey& u) {
  b.setProject(AsData(u.project.bytes.data(), 32));
  b.setIndex(u.index);
}

UnitKey ReadUnit(wire::UnitKey::Reader r) {
  return {ReadId<ProjectTag>(r.getProject(), "unit.project"), r.getIndex()};
}

void WriteOffer(wire::Offer::Builder o, const Offer& m) {
  o.setPeer(AsData(m.peer.bytes.data(), 32));
  o.setCores(m.cores);
  o.setFreeSlots(m.free_slots);
  auto list = o.initWorkloads(static_cast<unsigned>(m.workloads.size()));
  for (size_t i = 0; i < m.workloads.size(); ++i) {
    list[i].setName(m.workloads[i].name);
    list[i].setVersion(m.workloads[i].version);
  }
  o.setHost(m.host);
  o.setEndpoint(m.endpoint);
  auto leases = o.initLeases(static_cast<unsigned>(m.leases.size()));
  for (size_t i = 0; i < m.leases.size(); ++i) WriteUnit(leases[i], m.leases[i]);
  o.setSpeed(m.speed);
  auto holds = o.initHolds(static_cast<unsigned>(m.holds.size()));
  for (size_t i = 0; i < m.holds.size(); ++i) holds.set(static_cast<unsigned>(i), AsData(m.holds[i].bytes.data(), 32));
  o.setIssuedUnixMs(m.issued_unix_ms);
  o.setExpiresUnixMs(m.expires_unix_ms);
}

Offer ReadOffer(wire::Offer::Reader o) {
  Offer m;
  m.peer = ReadId<PeerTag>(o.getPeer(), "offer.peer");
  m.cores = o.getCores();
  m.free_slots = o.getFreeSlots();
  CheckCount(o.getWorkloads(), "offer.workloads");
  for (auto w : o.getWorkloads()) m.workloads.push_back({w.getName(), w.getVersion()});
  m.host = o.getHost();
  m.endpoint = o.getEndpoint();
  CheckCount(o.getLeases(), "offer.leases");
  for (auto u : o.getLeases()) m.leases.push_back(ReadUnit(u));
  m.speed = o.getSpeed();
  CheckCount(o.getHolds(), "offer.holds");
  for (auto h : o.getHolds()) m.holds.push_back(ReadId<ProjectTag>(h, "offer.holds"));
  m.issued_unix_ms = o.getIssuedUnixMs();
  m.expires_unix_ms = o.getExpiresUnixMs();
  return m;
}

template <typename List>
void WritePeerRefs(List list, const std::vector<PeerRef>& refs) {
  for (size_t i = 0; i < refs.size(); ++i) {
    list[static_cast<unsigned>(i)].setId(AsData(refs[i].id.bytes.data(), 32));
    list[static_cast<unsigned>(i)].setEndpoint(refs[i].endpoint);
  }
}

std::vector<PeerRef> ReadPeerRefs(capnp::List<wire::PeerRef>::Reader list) {
  CheckCount(list, "holders");
  std::vector<PeerRef> out;
  for (auto r : list) out.push_back({ReadId<PeerTag>(r.getId(), "holder.id"), r.getEndpoint()});
  return out;
}

void WriteClaim(wire::Claim::Builder b, const Claim& c) {
  WriteUnit(b.initUnit(), c.unit);
  b.setHash(AsData(c.hash.bytes.data(), 32));
  b.setResult(AsData(c.result.data(), c.result.size()));
  b.setSignature(AsData(c.signature.data(), c.signature.size()));
  if (c.proof.leaves == 0) return;
  auto proof = b.initProof();
  proof.setPosition(c.proof.position);
  proof.setLeaves(c.proof.leaves);
  auto path = proof.initPath(static_cast<unsigned>(c.proof.path.size()));
  for (size_t i = 0; i < c.proof.path.size(); ++i) path.set(static_cast<unsigned>(i), AsData(c.proof.path[i].data(), 32));
}

Claim ReadClaim(wire::Claim::Reader c) {
  Claim claim{ReadUnit(c.getUnit()), ReadId<ResultTag>(c.getHash(), "claim.hash"), ReadBytes(c.getResult()), {}};
  if (c.getSignature().size() != claim.signature.size()) throw DecodeError{"claim.signature is not 64 bytes"};
  std::memcpy(claim.signature.data(), c.getSignature().begin(), claim.signature.size());
  if (!c.hasProof()) return claim;
  auto proof = c.getProof();
  // A tree of at most kClaimTreeLeavesMax leaves is at most 16 levels high.
  if (proof.getPath().size() > 16) throw DecodeError{"claim.proof.path is too long"};
  claim.proof.position = proof.getPosition();
  claim.proof.leaves = proof.getLeaves();
  for (auto h : proof.getPath()) {
    if (h.size() != 32) throw DecodeError{"claim.proof.path holds a hash that is not 32 bytes"};
    claim.proof.path.emplace_back();
    std::memcpy(claim.proof.path.back().data(), h.begin(), 32);
  }
  return claim;
}

void WriteEntry(wire::LedgerPush::Entry::Builder b, const LedgerPush::Entry& e) {
  b.setPeer(AsData(e.peer.bytes.data(), 32));
  WriteClaim(b.initClaim(), e.claim);
  b.setNetwork(e.network);
  b.setAlone(e.alone);
}

LedgerPush::Entry ReadEntry(wire::LedgerPush::Entry::Reader e) {
  if (e.getNetwork().size() > kNetworkTextMax) throw DecodeError{"entry.network is too long"};
  return {ReadId<PeerTag>(e.getPeer(), "entry.peer"), ReadClaim(e.getClaim()), e.getNetwork(), e.getAlone()};
}

void WriteBody(wire::Envelope::Body::Builder b, const Gossip& m) {
  auto offers = b.initGossip().initOffers(static_cast<unsigned>(m.offers.size()));
  for (size_t i = 0; i < m.offers.size(); ++i) WriteOffer(offers[static_cast<unsigned>(i)], m.offers[i]);
}

void WriteBody(wire::Envelope::Body::Builder b, const PeersRequest&) { b.setPeersRequest(); }

void WriteBody(wire::Envelope::Body::Builder b, const HoldRequest& m) {
  auto h = b.initHoldRequest();
  h.setManifest(AsData(m.manifest.data(), m.manifest.size()));
  WritePeerRefs(h.initHolders(static_cast<unsigned>(m.holders.size())), m.holders);
}

void WriteBody(wire::Envelope::Body::Builder b, const HoldAck& m) {
  b.setHoldAck(AsData(m.project.bytes.data(), 32));
}

void WriteBody(wire::Envelope::Body::Builder b, const LedgerPush& m) {
  auto p = b.initLedgerPush();
  p.setProject(AsData(m.project.bytes.data(), 32));
  WritePeerRefs(p.initHolders(static_cast<unsigned>(m.holders.size())), m.holders);
  auto entries = p.initEntries(static_cast<unsigned>(m.entries.size()));
  for (size_t i = 0; i < m.entries.size(); ++i) WriteEntry(entries[static_cast<unsigned>(i)], m.entries[i]);
  p.setLastSeq(m.last_seq);
}

void WriteBody(wire::Envelope::Body::Builder b, const LeaseHandoff& m) {
  auto h = b.initLeaseHandoff();
  WriteUnit(h.initUnit(), m.unit);
  h.setDeadlineUnixMs(m.deadline_unix_ms);
  h.setHolder(m.holder);
  h.setManifest(AsData(m.manifest.data(), m.manifest.size()));
}

void WriteBody(wire::Envelope::Body::Builder b, const LeaseMoved& m) {
  auto l = b.initLeaseMoved();
  WriteUnit(l.initUnit(), m.unit);
  l.setTo(AsData(m.to.bytes.data(), 32));
}

void WriteBody(wire::Envelope::Body::Builder b, const CancelProject& m) {
  auto c = b.initCancelProject();
  c.setProject(AsData(m.project.bytes.data(), 32));
  c.setSignature(AsData(m.signature.data(), m.signature.size()));
}

void WriteBody(wire::Envelope::Body::Builder b, const LedgerAck& m) {
  auto a = b.initLedgerAck();
  a.setProject(AsData(m.project.bytes.data(), 32));
  a.setSeq(m.seq);
}

void WriteBody(wire::Envelope::Body::Builder b, const WorkRequest& m) {
  b.initWorkRequest().setSlots(m.slots);
}

void WriteBody(wire::Envelope::Body::Builder b, const LeaseGrant& m) {
  auto g = b.initLeaseGrant();
  auto leases = g.initLeases(static_cast<unsigned>(m.leases.size()));
  for (size_t i = 0; i < m.leases.size(); ++i) {
    WriteUnit(leases[i].initUnit(), m.leases[i].unit);
    leases[i].setDeadlineUnixMs(m.leases[i].deadline_unix_ms);
  }
  auto manifests = g.initManifests(static_cast<unsigned>(m.manifests.size()));
  for (size_t i = 0; i < m.manifests.size(); ++i) {
    manifests.set(static_cast<unsigned>(i), AsData(m.manifests[i].data(), m.manifests[i].size()));
  }
}

void WriteBody(wire::Envelope::Body::Builder b, const ClaimBatch& m) {
  auto claims = b.initClaimBatch().initClaims(static_cast<unsigned>(m.claims.size()));
  for (size_t i = 0; i < m.claims.size(); ++i) WriteClaim(claims[static_cast<unsigned>(i)], m.claims[i]);
}

void WriteBody(wire::Envelope::Body::Builder b, const ClaimAck& m) {
  auto units = b.initClaimAck().initUnits(static_cast<unsigned>(m.units.size()));
  for (size_t i = 0; i < m.units.size(); ++i) WriteUnit(units[i], m.units[i]);
}

void WriteBody(wire::Envelope::Body::Builder b, const VerifiedNotice& m) {
  auto items = b.initVerifiedNotice().initItems(static_cast<unsigned>(m.items.size()));
  for (size_t i = 0; i < m.items.size(); ++i) {
    WriteUnit(items[static_cast<unsigned>(i)].initUnit(), m.items[i].unit);
    items[static_cast<unsigned>(i)].setHash(AsData(m.items[i].hash.bytes.data(), 32));
  }
}

void WriteBody(wire::Envelope::Body::Builder b, const SubmitProject& m) {
  b.initSubmitProject().setManifest(AsData(m.manifest.data(), m.manifest.size()));
}

void WriteBody(wire::Envelope::Body::Builder b, const ProjectRequest& m) {
  auto r = b.initProjectRequest();
  r.setKind(m.kind == ProjectRequest::Kind::kStatus ? wire::ProjectRequest::Kind::STATUS
                                                    : wire::ProjectRequest::Kind::RESULTS);
  r.setProject(AsData(m.project.bytes.data(), 32));
}

void WriteBody(wire::Envelope::Body::Builder b, const ProjectStatus& m) {
  auto s = b.initProjectStatus();
  s.setProject(AsData(m.project.bytes.data(), 32));
  s.setWorkload(m.workload);
  s.setWorkloadVersion(m.workload_version);
  auto u = s.initUnits();
  u.setTotal(m.units.total);
  u.setVerified(m.units.verified);
  u.setInFlight(m.units.in_flight);
  u.setWaiting(m.units.waiting);
  u.setFailed(m.units.failed);
  s.setWorkers(m.workers);
  s.setVerifiedPerSecond(m.verified_per_second);
  s.setSubmittedUnixMs(m.submitted_unix_ms);
  s.setResultJson(m.result_json);
  s.setSummary(m.summary);
  s.setCancelled(m.cancelled);
  auto peers = s.initPeers(static_cast<unsigned>(m.peers.size()));
  for (size_t i = 0; i < m.peers.size(); ++i) {
    auto p = peers[static_cast<unsigned>(i)];
    p.setPeer(AsData(m.peers[i].peer.bytes.data(), 32));
    p.setAgreed(m.peers[i].agreed);
    p.setDisagreed(m.peers[i].disagreed);
    p.setIgnored(m.peers[i].ignored);
  }
}

void WriteBody(wire::Envelope::Body::Builder b, const Reply& m) {
  auto r = b.initReply();
  r.setOk(m.ok);
  r.setError(m.error);
  if (m.project) r.setProject(AsData(m.project->bytes.data(), 32));
}

Body ReadBody(wire::Envelope::Body::Reader b) {
  switch (b.which()) {
    case wire::Envelope::Body::GOSSIP: {
      Gossip m;
      CheckCount(b.getGossip().getOffers(), "gossip.offers");
      for (auto o : b.getGossip().getOffers()) m.offers.push_back(ReadOffer(o));
      return m;
    }
    case wire::Envelope::Body::PEERS_REQUEST:
      return PeersRequest{};
    case wire::Envelope::Body::HOLD_REQUEST: {
      auto h = b.getHoldRequest();
      return HoldRequest{ReadBytes(h.getManifest()), ReadPeerRefs(h.getHolders())};
    }
    case wire::Envelope::Body::HOLD_ACK:
      return HoldAck{ReadId<ProjectTag>(b.getHoldAck(), "holdAck")};
    case wire::Envelope::Body::LEDGER_PUSH: {
      auto p = b.getLedgerPush();
      LedgerPush m;
      m.project = ReadId<ProjectTag>(p.getProject(), "ledgerPush.project");
      m.holders = ReadPeerRefs(p.getHolders());
      CheckCount(p.getEntries(), "ledgerPush.entries");
      for (auto e : p.getEntries()) m.entries.push_back(ReadEntry(e));
      m.last_seq = p.getLastSeq();
      return m;
    }
    case wire::Envelope::Body::LEASE_HANDOFF: {
      auto h = b.getLeaseHandoff();
      return LeaseHandoff{ReadUnit(h.getUnit()), h.getDeadlineUnixMs(), h.getHolder(), ReadBytes(h.getManifest())};
    }
    case wire::Envelope::Body::LEASE_MOVED: {
      auto l = b.getLeaseMoved();
      return LeaseMoved{ReadUnit(l.getUnit()), ReadId<PeerTag>(l.getTo(), "leaseMoved.to")};
    }
    case wire::Envelope::Body::CANCEL_PROJECT: {
      auto c = b.getCancelProject();
      CancelProject m{ReadId<ProjectTag>(c.getProject(), "cancelProject.project"), {}};
      if (c.getSignature().size() != m.signature.size()) throw DecodeError{"cancelProject.signature is not 64 bytes"};
      std::memcpy(m.signature.data(), c.getSignature().begin(), m.signature.size());
      return m;
    }
    case wire::Envelope::Body::LEDGER_ACK: {
      auto a = b.getLedgerAck();
      return LedgerAck{ReadId<ProjectTag>(a.getProject(), "ledgerAck.project"), a.getSeq()};
    }
    case wire::Envelope::Body::WORK_REQUEST:
      return WorkRequest{b.getWorkRequest().getSlots()};
    case wire::Envelope::Body::LEASE_GRANT: {
      auto g = b.getLeaseGrant();
      LeaseGrant m;
      CheckCount(g.getLeases(), "leaseGrant.leases");
      CheckCount(g.getManifests(), "leaseGrant.manifests");
      for (auto l : g.getLeases()) m.leases.push_back({ReadUnit(l.getUnit()), l.getDeadlineUnixMs()});
      for (auto d : g.getManifests()) m.manifests.push_back(ReadBytes(d));
      return m;
    }
    case wire::Envelope::Body::CLAIM_BATCH: {
      ClaimBatch m;
      CheckCount(b.getClaimBatch().getClaims(), "claimBatch.claims");
      for (auto c : b.getClaimBatch().getClaims()) m.claims.push_back(ReadClaim(c));
      return m;
    }
    case wire::Envelope::Body::CLAIM_ACK: {
      ClaimAck m;
      CheckCount(b.getClaimAck().getUnits(), "claimAck.units");
      for (auto u : b.getClaimAck().getUnits()) m.units.push_back(ReadUnit(u));
      return m;
    }
    case wire::Envelope::Body::VERIFIED_NOTICE: {
      VerifiedNotice m;
      CheckCount(b.getVerifiedNotice().getItems(), "verifiedNotice.items");
      for (auto item : b.getVerifiedNotice().getItems()) {
        m.items.push_back({ReadUnit(item.getUnit()), ReadId<ResultTag>(item.getHash(), "verifiedNotice.hash")});
      }
      return m;
    }
    case wire::Envelope::Body::SUBMIT_PROJECT:
      return SubmitProject{ReadBytes(b.getSubmitProject().getManifest())};
    case wire::Envelope::Body::PROJECT_REQUEST: {
      auto r = b.getProjectRequest();
      auto kind = r.getKind() == wire::ProjectRequest::Kind::RESULTS ? ProjectRequest::Kind::kResults
                                                                     : ProjectRequest::Kind::kStatus;
      return ProjectRequest{kind, ReadId<ProjectTag>(r.getProject(), "projectRequest.project")};
    }
    case wire::Envelope::Body::PROJECT_STATUS: {
      auto s = b.getProjectStatus();
      auto u = s.getUnits();
      ProjectStatus m;
      m.project = ReadId<ProjectTag>(s.getProject(), "projectStatus.project");
      m.workload = s.getWorkload();
      m.workload_version = s.getWorkloadVersion();
      m.units = {u.getTotal(), u.getVerified(), u.getInFlight(), u.getWaiting(), u.getFailed()};
      m.workers = s.getWorkers();
      m.verified_per_second = s.getVerifiedPerSecond();
      m.submitted_unix_ms = s.getSubmittedUnixMs();
      m.result_json = s.getResultJson();
      m.summary = s.getSummary();
      m.cancelled = s.getCancelled();
      CheckCount(s.getPeers(), "projectStatus.peers");
      for (auto p : s.getPeers()) {
        m.peers.push_back({ReadId<PeerTag>(p.getPeer(), "peerScore.peer"), p.getAgreed(), p.getDisagreed(), p.getIgnored()});
      }
      return m;
    }
    case wire::Envelope::Body::REPLY: {
      auto r = b.getReply();
      Reply m{r.getOk(), r.getError(), std::nullopt};
      if (r.hasProject()) m.project = ReadId<ProjectTag>(r.getProject(), "reply.project");
      return m;
    }
  }
  throw DecodeError{"unknown message kind"};
}

}  // namespace

Bytes EncodeEnvelope(const Envelope& envelope) {
  capnp::MallocMessageBuilder builder;
  auto root = builder.initRoot<wire::Envelope>();
  root.setSender(AsData(envelope.sender.bytes.data(), 32));
  root.setRequestId(envelope.request_id);
  std::visit([&](const auto& body) { WriteBody(root.initBody(), body); }, envelope.body);
  auto words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<Envelope> DecodeEnvelope(std::span<const uint8_t> frame) {
  if (frame.size() > kFrameBytesMax) return Corrupt("frame of " + std::to_string(frame.size()) + " bytes is too large");
  if (frame.size() % sizeof(capnp::word) != 0 || frame.empty()) return Corrupt("frame is not a whole number of words");
  kj::Array<capnp::word> words = internal::AlignedWords(frame);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = kTraversalWordsMax;
  options.nestingLimit = kNestingLimit;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    auto root = reader.getRoot<wire::Envelope>();
    Envelope out;
    out.sender = ReadId<PeerTag>(root.getSender(), "sender");
    out.request_id = root.getRequestId();
    out.body = ReadBody(root.getBody());
    return out;
  } catch (const DecodeError& e) {
    return Corrupt(e.what);
  } catch (const kj::Exception& e) {
    return Corrupt(std::string("malformed frame: ") + e.getDescription().cStr());
  }
}

Bytes EncodeStoredClaims(std::span<const StoredClaimItem> claims) {
  capnp::MallocMessageBuilder builder;
  auto items = builder.initRoot<wire::StoredClaims>().initItems(static_cast<unsigned>(claims.size()));
  for (size_t i = 0; i < claims.size(); ++i) {
    auto item = items[static_cast<unsigned>(i)];
    WriteEntry(item.initEntry(), claims[i].entry);
    item.setResultInClaim(claims[i].result_in_claim);
    item.setReplaced(claims[i].replaced);
  }
  auto words = capnp::messageToFlatArray(builder);
  auto bytes = words.asBytes();
  return Bytes(bytes.begin(), bytes.end());
}

Result<std::vector<StoredClaimItem>> DecodeStoredClaims(std::span<const uint8_t> bytes) {
  if (bytes.size() % sizeof(capnp::word) != 0 || bytes.empty()) return Corrupt("stored claims are not whole words");
  kj::Array<capnp::word> words = internal::AlignedWords(bytes);
  capnp::ReaderOptions options;
  options.traversalLimitInWords = words.size() * 4;
  options.nestingLimit = kNestingLimit;
  try {
    capnp::FlatArrayMessageReader reader(words, options);
    auto items = reader.getRoot<wire::StoredClaims>().getItems();
    CheckCount(items, "storedClaims.items");
    std::vector<StoredClaimItem> out;
    out.reserve(items.size());
    for (auto item : items) out.push_back({ReadEntry(item.getEntry()), item.getResultInClaim(), item.getReplaced()});
    return out;
  } catch (const DecodeError& e) {
    return Corrupt("stored claims are damaged: " + e.what);
  } catch (const kj::Exception& e) {
    return Corrupt(std::string("stored claims are damaged: ") + e.getDescription().cStr());
  }
}

}  // namespace potluck
