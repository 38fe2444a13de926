// Any bytes as a message to a whole node (membership, holder and volunteer) holding a project:
// decoded as the network would, handled, then a tick. The node must never crash.
#include <spdlog/spdlog.h>

#include "potluck/core/node.h"
#include "potluck/crypto/identity.h"
#include "potluck/proto/codec.h"
#include "potluck/store/sqlite_store.h"
#include "registry.h"

namespace {

struct Fixture {
  Fixture() {
    spdlog::set_level(spdlog::level::off);  // a log line per input would drown the fuzzer
    potluck::RegisterBuiltinWorkloads(workloads);
    std::array<uint8_t, 32> seed{};
    seed.fill(7);
    identity = std::make_unique<potluck::Identity>(potluck::Identity::FromSeed(seed));
    store = std::move(potluck::SqliteStore::Open(":memory:").value());
    potluck::NodeConfig config;
    config.endpoint = "tcp://127.0.0.1:1";
    config.offer.workloads = {{"primes", 2}};
    config.volunteer = potluck::VolunteerConfig{};
    node = std::make_unique<potluck::Node>(*identity, config, *store, *store, *store, workloads, 1);
    POTLUCK_CHECK(node->Load(now).ok());
    potluck::Manifest m;
    m.owner = identity->id();
    m.workload = "primes";
    m.workload_version = 2;
    m.params = {{"to", "100000"}};
    m.units = 10;
    potluck::Actions ignored;
    store->Begin();
    POTLUCK_CHECK(node->holder().Submit(potluck::SignManifest(m, *identity), now, ignored).ok());
    POTLUCK_CHECK(store->Commit().ok());
  }
  potluck::WorkloadRegistry workloads;
  std::unique_ptr<potluck::Identity> identity;
  std::unique_ptr<potluck::SqliteStore> store;
  std::unique_ptr<potluck::Node> node;
  potluck::TimePoint now = potluck::FromUnixMs(1'700'000'000'000);
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Fixture* f = new Fixture;
  auto envelope = potluck::DecodeEnvelope({data, size});
  if (!envelope.ok()) return 0;
  f->now += std::chrono::milliseconds(50);
  f->store->Begin();
  (void)f->node->OnMessage({envelope->sender, size % 2 ? "tcp://127.0.0.1:2" : "", envelope.value()}, f->now);
  (void)f->node->Tick(f->now);
  POTLUCK_CHECK(f->store->Commit().ok());
  return 0;
}
