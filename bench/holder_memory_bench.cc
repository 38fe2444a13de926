// A holder's resident memory per verified unit, without the network: one Holder on a SQLite
// store on disk, as the coordinator keeps it, is handed a project of no-op units, and two peers
// lease them and claim agreeing results through its messages until every unit is verified.
// Prints the resident size as units verify and the bytes per verified unit.
//
//   holder_memory_bench [--units N] [--dir PATH]
//
// Signatures are not checked (a checker that accepts every claim): they cost CPU, not memory,
// and would make a million units take minutes.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "potluck/core/holder.h"
#include "potluck/crypto/hash.h"
#include "potluck/crypto/identity.h"
#include "potluck/store/sqlite_store.h"
#include "registry.h"

namespace potluck {
namespace {

constexpr uint32_t kLeasesPerRequest = 64;  // what a worker asks for
constexpr uint64_t kReportEvery = 100'000;  // verified units between two figures

// The two peers' offers, set once before the project is submitted; they hold nothing.
class Peers final : public Directory {
 public:
  void Put(const Offer& offer) {
    offers_[offer.peer] = offer;
    alive_.clear();
    for (const auto& [id, o] : offers_) alive_.push_back(&o);
  }
  const Offer* OfferOf(const PeerId& peer) const override {
    auto it = offers_.find(peer);
    return it == offers_.end() ? nullptr : &it->second;
  }
  const std::vector<const Offer*>& Alive() const override { return alive_; }
  const std::vector<const Offer*>& Holding() const override { return holding_; }

 private:
  std::map<PeerId, Offer> offers_;
  std::vector<const Offer*> alive_, holding_;
};

class AcceptAll final : public SignatureChecker {
 public:
  bool Check(const PeerId&, std::span<const uint8_t>, const Signature&) override { return true; }
};

Identity IdentityOf(uint8_t b) {
  std::array<uint8_t, 32> seed;
  seed.fill(b);
  return Identity::FromSeed(seed);
}

uint64_t ResidentBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      uint64_t kb = 0;
      status >> kb;
      return kb * 1024;
    }
    status.ignore(1 << 20, '\n');
  }
  return 0;
}

struct Bench {
  Bench(SqliteStore& store, uint64_t units) : store(store), units(units) {}

  Actions Send(const PeerId& from, Body body) {
    store.Begin();
    Actions a = holder->OnMessage({from, "", Envelope{from, 1, std::move(body)}, ""}, now);
    if (Status s = store.Commit(); !s.ok()) {
      std::fprintf(stderr, "holder_memory_bench: commit failed: %s\n", s.message().c_str());
      std::exit(1);
    }
    return a;
  }

  // Each peer asks for leases and claims them; the second is given the first's units.
  void Round(const std::vector<PeerId>& peers) {
    std::map<PeerId, std::vector<UnitKey>> leased;
    for (const PeerId& peer : peers) {
      Actions a = Send(peer, WorkRequest{kLeasesPerRequest});
      for (const Outgoing& out : a.messages) {
        if (const auto* grant = std::get_if<LeaseGrant>(&out.message.body)) {
          for (const auto& lease : grant->leases) leased[peer].push_back(lease.unit);
        }
      }
    }
    for (const auto& [peer, keys] : leased) {
      ClaimBatch batch;
      for (const UnitKey& key : keys) {
        Bytes result(8);
        for (int i = 0; i < 8; ++i) result[i] = static_cast<uint8_t>(key.index >> (8 * i));
        batch.claims.push_back({key, ResultHash{Blake2b256(result)}, std::move(result), Signature{}});
      }
      Send(peer, std::move(batch));
    }
    now += std::chrono::milliseconds(10);
  }

  SqliteStore& store;
  uint64_t units;
  std::unique_ptr<Holder> holder;
  TimePoint now = FromUnixMs(1'800'000'000'000);
};

int Run(uint64_t units, const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  auto opened = SqliteStore::Open(dir / "ledger.db");
  if (!opened.ok()) {
    std::fprintf(stderr, "holder_memory_bench: %s\n", opened.status().message().c_str());
    return 1;
  }
  WorkloadRegistry workloads;
  RegisterBuiltinWorkloads(workloads);
  Peers peers;
  AcceptAll accept_all;
  Bench bench(*opened.value(), units);
  const Identity owner = IdentityOf(0xEE);
  bench.holder = std::make_unique<Holder>(IdentityOf(0).id(), "tcp://holder", HolderConfig{.signatures = &accept_all},
                                          bench.store, peers, workloads);
  std::vector<PeerId> workers = {IdentityOf(1).id(), IdentityOf(2).id()};
  for (const PeerId& peer : workers) {
    Offer offer;
    offer.peer = peer;
    offer.cores = 1;
    offer.workloads = {{"spin", 1}};
    offer.issued_unix_ms = ToUnixMs(bench.now);
    offer.expires_unix_ms = ToUnixMs(bench.now + std::chrono::hours(24));
    peers.Put(offer);
  }
  const uint64_t at_start = ResidentBytes();
  Manifest m;
  m.owner = owner.id();
  m.workload = "spin";
  m.workload_version = 1;
  m.units = units;
  m.params = {{"ms", "0"}};
  m.policy = {.min_quorum = 2, .max_replicas = 4, .holders = 1, .distinct_networks = false};
  Actions ignored;
  bench.store.Begin();
  auto id = bench.holder->Submit(SignManifest(m, owner), bench.now, ignored);
  if (!id.ok() || !bench.store.Commit().ok()) {
    std::fprintf(stderr, "holder_memory_bench: submit failed\n");
    return 1;
  }
  const uint64_t submitted = ResidentBytes();
  std::printf("resident: %.1f MB at start, %.1f MB with %llu units submitted\n", at_start / 1e6, submitted / 1e6,
              static_cast<unsigned long long>(units));
  const auto started = std::chrono::steady_clock::now();
  uint64_t verified = 0, next_report = kReportEvery;
  while (verified < units) {
    bench.Round(workers);
    const uint64_t now_verified = bench.holder->counters().units_verified;
    if (now_verified == verified) {
      std::fprintf(stderr, "holder_memory_bench: no progress at %llu verified\n",
                   static_cast<unsigned long long>(verified));
      return 1;
    }
    verified = now_verified;
    if (verified >= next_report || verified == units) {
      const uint64_t rss = ResidentBytes();
      std::printf("verified %8llu: resident %6.1f MB, %5.0f bytes per verified unit above submitted\n",
                  static_cast<unsigned long long>(verified), rss / 1e6,
                  static_cast<double>(rss - std::min(rss, submitted)) / static_cast<double>(verified));
      next_report = verified + kReportEvery;
    }
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%llu units verified in %.1f s (%.0f a second)\n", static_cast<unsigned long long>(verified), seconds,
              static_cast<double>(verified) / seconds);
  return 0;
}

}  // namespace
}  // namespace potluck

int main(int argc, char** argv) {
  uint64_t units = 1'000'000;
  std::filesystem::path dir = std::filesystem::temp_directory_path() / ("holder_memory_bench." + std::to_string(getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--units" && i + 1 < argc) {
      char* end = nullptr;
      units = std::strtoull(argv[++i], &end, 10);
      if (*end != '\0' || units == 0) {
        std::fprintf(stderr, "holder_memory_bench: --units takes a positive number\n");
        return 2;
      }
    } else if (arg == "--dir" && i + 1 < argc) {
      dir = argv[++i];
    } else {
      std::fprintf(stderr, "usage: holder_memory_bench [--units N] [--dir PATH]\n");
      return 2;
    }
  }
  const bool own_dir = !std::filesystem::exists(dir);
  const int rc = potluck::Run(units, dir);
  if (own_dir) std::filesystem::remove_all(dir);
  return rc;
}
