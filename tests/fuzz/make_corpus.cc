// Writes the seed corpus of the fuzz targets: one real example of every message kind, signed
// and bare manifests, and parameter texts. Run it again when the schema changes:
//   build/bin/make_fuzz_corpus tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "potluck/core/manifest.h"
#include "potluck/crypto/identity.h"
#include "potluck/proto/codec.h"

namespace fs = std::filesystem;
using namespace potluck;

namespace {

void Write(const fs::path& dir, const std::string& name, const Bytes& bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                                    static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_fuzz_corpus DIR\n");
    return 2;
  }
  const fs::path root = argv[1];
  std::array<uint8_t, 32> seed{};
  seed.fill(7);  // the node fuzz target's own identity, so its project id matches
  Identity owner = Identity::FromSeed(seed);
  Manifest m;
  m.owner = owner.id();
  m.workload = "primes";
  m.workload_version = 2;
  m.params = {{"to", "100000"}};
  m.units = 10;
  Bytes signed_manifest = SignManifest(m, owner);
  const ProjectId project = OpenManifest(signed_manifest)->id;
  Write(root / "manifest_fuzz", "signed", signed_manifest);
  Write(root / "manifest_fuzz", "bare", EncodeManifest(m));

  Offer offer;
  offer.peer = owner.id();
  offer.endpoint = "tcp://127.0.0.1:9";
  offer.workloads = {{"primes", 2}};
  offer.leases = {{project, 1}};
  offer.holds = {project};
  offer.expires_unix_ms = 1'700'000'100'000;
  Bytes result(24, 1);
  ResultHash hash;
  Claim claim{{project, 2}, hash, result, owner.Sign(ClaimStatement({project, 2}, hash))};
  const std::pair<UnitKey, ResultHash> together[] = {{{project, 5}, hash}, {{project, 6}, hash}, {{project, 7}, hash}};
  const SignedClaims signed_together = SignClaims(owner, together);
  std::vector<Claim> batch;
  for (size_t i = 0; i < std::size(together); ++i) {
    batch.push_back({together[i].first, hash, result, signed_together.signature, signed_together.proofs[i]});
  }
  const std::pair<const char*, Body> bodies[] = {
      {"gossip", Gossip{{offer}}},
      {"peers", PeersRequest{}},
      {"work", WorkRequest{2}},
      {"grant", LeaseGrant{{{{project, 3}, 1'700'000'100'000}}, {signed_manifest}}},
      {"claims", ClaimBatch{{claim}}},
      {"claims_signed_together", ClaimBatch{batch}},
      {"ack", ClaimAck{{{project, 2}}}},
      {"verified", VerifiedNotice{{{{project, 2}, hash}}}},
      {"submit", SubmitProject{signed_manifest}},
      {"status", ProjectRequest{ProjectRequest::Kind::kStatus, project}},
      {"results", ProjectRequest{ProjectRequest::Kind::kResults, project}},
      {"hold", HoldRequest{signed_manifest, {{owner.id(), "tcp://127.0.0.1:9"}}}},
      {"hold_ack", HoldAck{project}},
      {"push", LedgerPush{project, {{owner.id(), "tcp://127.0.0.1:9"}}, {{owner.id(), claim}}, 1}},
      {"ledger_ack", LedgerAck{project, 1}},
      {"handoff", LeaseHandoff{{project, 4}, 1'700'000'100'000, "tcp://127.0.0.1:9", signed_manifest}},
      {"moved", LeaseMoved{{project, 4}, owner.id()}},
      {"cancel", CancelProject{project, owner.Sign(CancelStatement(project))}},
      {"reply", Reply{false, "no", project}},
  };
  for (const auto& [name, body] : bodies) {
    Bytes frame = EncodeEnvelope({owner.id(), 1, body});
    Write(root / "envelope_fuzz", name, frame);
    Write(root / "node_fuzz", name, frame);
  }
  for (const auto& [name, text] : {std::pair{"range", "10\nfrom=0\nto=1000\n"}, std::pair{"exponent", "5\nto=1e9\n"},
                                   std::pair{"bad", "3\nto=abc\nfrom=-1\n"}, std::pair{"unknown", "1\nto=10\nx=y\n"}}) {
    Write(root / "params_fuzz", name, ToBytes(text));
  }
  const std::string address = "tcp://192.0.2.7:7400#" + owner.id().Hex();
  for (const auto& [name, text] : {std::pair{"address", address}, std::pair{"endpoint", std::string("tcp://127.0.0.1:0")},
                                   std::pair{"beacon", "potluck-beacon/1 " + owner.id().Hex() + " " + address},
                                   std::pair{"ipv6", std::string("2001:db8:1::7")},
                                   std::pair{"mapped", std::string("::ffff:192.0.2.7")},
                                   std::pair{"metrics", std::string("127.0.0.1:9464")},
                                   std::pair{"metrics_ipv6", std::string("[::1]:0")}}) {
    Write(root / "address_fuzz", name, ToBytes(text));
  }
  std::printf("corpus written to %s\n", root.c_str());
  return 0;
}
