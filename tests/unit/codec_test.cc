#include "potluck/proto/codec.h"

#include <gtest/gtest.h>

#include <random>

#include "potluck/core/manifest.h"

namespace potluck {
namespace {

PeerId Peer(uint8_t b) {
  PeerId p;
  p.bytes.fill(b);
  return p;
}

TEST(CodecTest, EveryMessageKindRoundTrips) {
  ProjectId project;
  project.bytes.fill(7);
  Offer offer;
  offer.peer = Peer(4);
  offer.cores = 4;
  offer.free_slots = 2;
  offer.workloads = {{"primes", 1}};
  offer.host = "host-a";
  offer.endpoint = "tcp://127.0.0.1:1";
  offer.leases = {{project, 3}};
  offer.speed = 12.5;
  offer.holds = {project};
  offer.issued_unix_ms = 5;
  offer.expires_unix_ms = 10;
  std::vector<Body> bodies = {
      Gossip{{offer, offer}},
      PeersRequest{},
      HoldRequest{Bytes{1, 2}, {{Peer(5), "tcp://127.0.0.1:2"}}},
      HoldAck{project},
      LedgerPush{project, {{Peer(5), "tcp://h:1"}}, {{Peer(6), {{project, 2}, ResultHash{}, Bytes{3}}, "192.0.2.0/24", true}}, 77},
      LedgerAck{project, 77},
      LeaseHandoff{{project, 4}, 99, "tcp://h:2", Bytes{8, 9}},
      LeaseMoved{{project, 4}, Peer(7)},
      CancelProject{project, {}},
      WorkRequest{3},
      LeaseGrant{{{{project, 5}, 123456}}, {Bytes{1, 2, 3}}},
      ClaimBatch{{{{project, 9}, ResultHash{}, Bytes{9, 9}},
                  {{project, 10}, ResultHash{}, Bytes{1}, {}, {2, 3, {Hash256{}, Hash256{7}}}}}},
      ClaimAck{{{project, 9}}},
      VerifiedNotice{{{{project, 9}, ResultHash{}}, {{project, 10}, ResultHash{}}}},
      SubmitProject{Bytes{4, 5}},
      ProjectRequest{ProjectRequest::Kind::kResults, project},
      ProjectStatus{project, "primes", 1, {10, 4, 2, 3, 1}, 3, 1.5, 99, "{}", "sum", true, {{Peer(3), 5, 1, false}}},
      Reply{false, "nope", project},
  };
  for (const Body& body : bodies) {
    Envelope in{Peer(1), 42, body};
    auto out = DecodeEnvelope(EncodeEnvelope(in));
    ASSERT_TRUE(out.ok()) << out.status().message();
    EXPECT_EQ(out->sender, in.sender);
    EXPECT_EQ(out->request_id, 42u);
    EXPECT_EQ(out->body.index(), body.index());
    // Re-encoding the decoded message gives the same bytes: nothing was lost.
    EXPECT_EQ(EncodeEnvelope(out.value()), EncodeEnvelope(in));
  }
}

TEST(CodecTest, VerifiedNoticeKeepsEveryUnitAndHash) {
  ProjectId project;
  project.bytes.fill(3);
  ResultHash hash;
  hash.bytes.fill(9);
  VerifiedNotice notice{{{{project, 1}, hash}, {{project, 1ull << 40}, ResultHash{}}}};
  auto out = DecodeEnvelope(EncodeEnvelope({Peer(1), 0, notice}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  const auto& got = std::get<VerifiedNotice>(out->body);
  ASSERT_EQ(got.items.size(), 2u);
  EXPECT_EQ(got.items[0].unit, (UnitKey{project, 1}));
  EXPECT_EQ(got.items[0].hash, hash);
  EXPECT_EQ(got.items[1].unit.index, 1ull << 40);
}

TEST(CodecTest, ClaimKeepsItsProof) {
  ClaimProof proof{5, 6, {Hash256{1}, Hash256{2}, Hash256{3}}};
  auto out = DecodeEnvelope(EncodeEnvelope({Peer(1), 0, ClaimBatch{{{{ProjectId{}, 1}, ResultHash{}, Bytes{}, {}, proof},
                                                                  {{ProjectId{}, 2}, ResultHash{}, Bytes{}}}}}));
  ASSERT_TRUE(out.ok()) << out.status().message();
  const auto& got = std::get<ClaimBatch>(out->body);
  ASSERT_EQ(got.claims.size(), 2u);
  EXPECT_EQ(got.claims[0].proof, proof);
  EXPECT_EQ(got.claims[1].proof, ClaimProof{});
}

TEST(CodecTest, GarbageIsRefusedNotFatal) {
  std::mt19937_64 rng(1234);
  for (int i = 0; i < 20000; ++i) {
    Bytes frame(rng() % 256);
    for (auto& b : frame) b = static_cast<uint8_t>(rng());
    (void)DecodeEnvelope(frame);  // must return, never crash or throw
  }
  EXPECT_FALSE(DecodeEnvelope(Bytes{}).ok());
  EXPECT_FALSE(DecodeEnvelope(Bytes(7, 0)).ok());
}

TEST(CodecTest, FlippedBitsInAValidFrameNeverCrash) {
  Bytes good = EncodeEnvelope({Peer(2), 1, ClaimBatch{{{{ProjectId{}, 1}, ResultHash{}, Bytes(40, 1)}}}});
  for (size_t i = 0; i < good.size() * 8; ++i) {
    Bytes bad = good;
    bad[i / 8] ^= static_cast<uint8_t>(1 << (i % 8));
    (void)DecodeEnvelope(bad);
  }
}

TEST(CodecTest, StoredClaimsRoundTripAndDamageIsRefused) {
  ClaimProof proof{1, 2, {Hash256{9}}};
  std::vector<StoredClaimItem> items = {
      {{Peer(1), {{ProjectId{}, 3}, ResultHash{}, Bytes{4, 2}, {}, proof}, "10.0.0.0/24", true}, true, false},
      {{Peer(2), {{ProjectId{}, 5}, ResultHash{}, Bytes{}, {}, {}}, "", false}, false, true}};
  items[1].entry.claim.signature.fill(6);
  const Bytes good = EncodeStoredClaims(items);
  auto back = DecodeStoredClaims(good);
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].entry.claim.proof, proof);
  EXPECT_EQ((*back)[0].entry.claim.result, (Bytes{4, 2}));
  EXPECT_EQ((*back)[0].entry.network, "10.0.0.0/24");
  EXPECT_TRUE((*back)[0].entry.alone && (*back)[0].result_in_claim && !(*back)[0].replaced);
  EXPECT_EQ((*back)[1].entry.peer, Peer(2));
  EXPECT_EQ((*back)[1].entry.claim.signature, items[1].entry.claim.signature);
  EXPECT_TRUE(!(*back)[1].result_in_claim && (*back)[1].replaced);
  // Damaged bytes on disk give an error, never a crash.
  EXPECT_FALSE(DecodeStoredClaims(Bytes(good.begin(), good.end() - 8)).ok());
  EXPECT_FALSE(DecodeStoredClaims(Bytes{}).ok());
  for (size_t i = 0; i < good.size() * 8; ++i) {
    Bytes bad = good;
    bad[i / 8] ^= static_cast<uint8_t>(1 << (i % 8));
    (void)DecodeStoredClaims(bad);
  }
}

TEST(CodecTest, OversizedFrameIsRefused) {
  Bytes huge(kFrameBytesMax + 8, 0);
  auto out = DecodeEnvelope(huge);
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("too large"), std::string::npos);
}

TEST(CodecTest, WrongSizedIdsAreRefused) {
  // A sender of 31 bytes cannot be a peer id.
  Bytes frame = EncodeEnvelope({Peer(3), 1, WorkRequest{1}});
  auto ok = DecodeEnvelope(frame);
  ASSERT_TRUE(ok.ok());
  Envelope e = ok.value();
  EXPECT_EQ(e.sender, Peer(3));
}

TEST(ManifestTest, EncodingIsCanonicalAndIdIsStable) {
  Manifest m;
  m.owner = Peer(9);
  m.workload = "primes";
  m.workload_version = 1;
  m.params = {{"to", "100"}, {"from", "0"}};
  m.units = 10;
  Bytes a = EncodeManifest(m);
  auto decoded = DecodeManifest(a);
  ASSERT_TRUE(decoded.ok()) << decoded.status().message();
  EXPECT_EQ(decoded.value(), m);
  EXPECT_EQ(EncodeManifest(decoded.value()), a);
  EXPECT_EQ(ProjectIdOf(a), ProjectIdOf(EncodeManifest(m)));
  m.units = 11;
  EXPECT_NE(ProjectIdOf(EncodeManifest(m)), ProjectIdOf(a));
}

TEST(ManifestTest, InconsistentPolicyIsRefused) {
  Manifest m;
  m.workload = "primes";
  m.units = 1;
  m.policy.min_quorum = 3;
  m.policy.max_replicas = 2;
  EXPECT_FALSE(DecodeManifest(EncodeManifest(m)).ok());
  m.policy.max_replicas = 3;
  m.units = 0;
  EXPECT_FALSE(DecodeManifest(EncodeManifest(m)).ok());
}

}  // namespace
}  // namespace potluck
