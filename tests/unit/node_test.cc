// A node that holds projects and computes: what its holder and its volunteer learn of each other.
#include "potluck/core/node.h"

#include <gtest/gtest.h>

#include "fake_directory.h"
#include "potluck/store/sqlite_store.h"
#include "test_workload.h"

namespace potluck {
namespace {

using namespace std::chrono_literals;
using testing::SquareWorkload;
using testing::TestIdentity;
using testing::TestPeer;

const PeerId kSelf = TestPeer(0);
const std::string kOwnLink = "tcp://127.0.0.1:1";

class NodeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    workloads_.Add(std::make_unique<SquareWorkload>());
    store_ = std::move(SqliteStore::Open(":memory:").value());
  }

  template <typename F>
  Actions Step(F&& f) {
    store_->Begin();
    Actions a = f();
    EXPECT_TRUE(store_->Commit().ok());
    return a;
  }

  std::unique_ptr<Node> Start() {
    NodeConfig config{.endpoint = kOwnLink};
    config.offer.cores = 1;
    config.offer.workloads = {{"square", 1}};
    config.volunteer = VolunteerConfig{};
    auto node = std::make_unique<Node>(TestIdentity(0), config, *store_, *store_, *store_, workloads_, 1);
    EXPECT_TRUE(node->Load(now_).ok());
    // Another peer asking for the peer list makes the node issue its offer, as gossip would.
    Step([&] { return node->OnMessage({TestPeer(9), "", Envelope{TestPeer(9), 1, PeersRequest{}}}, now_); });
    return node;
  }

  // Hands the volunteer the grants among `actions`, as the node's own link would; the leases granted.
  size_t DeliverGrants(Node& node, Actions actions) {
    size_t leases = 0;
    for (Outgoing& out : actions.messages) {
      if (const auto* grant = std::get_if<LeaseGrant>(&out.message.body)) {
        leases += grant->leases.size();
        Step([&] { return node.OnMessage({kSelf, kOwnLink, std::move(out.message)}, now_); });
      }
    }
    return leases;
  }

  // The volunteer asks its own holder for work.
  size_t AskOwnHolder(Node& node) {
    return DeliverGrants(node, Step([&] { return node.OnMessage({kSelf, kOwnLink, Envelope{kSelf, 7, WorkRequest{2}}}, now_); }));
  }

  WorkloadRegistry workloads_;
  std::unique_ptr<SqliteStore> store_;
  TimePoint now_ = FromUnixMs(1'700'000'000'000);
};

TEST_F(NodeTest, TheHolderLetsGoOfLeasesItsOwnVolunteerLostInACrash) {
  auto node = Start();
  Step([&] {
    Actions ignored;
    EXPECT_TRUE(node->holder().Submit(testing::SquareManifest(2, {2, 3, 600s}), now_, ignored).ok());
    return Actions{};
  });
  ASSERT_EQ(AskOwnHolder(*node), 2u);
  node.reset();  // killed: the volunteer's leases were still held back, the holder's written
  node = Start();
  EXPECT_EQ(AskOwnHolder(*node), 0u);  // as far as the holder knows, we compute both units
  now_ += HolderConfig{}.unconfirmed_lease_grace;
  size_t granted = DeliverGrants(*node, Step([&] { return node->Tick(now_); }));
  granted += AskOwnHolder(*node);
  EXPECT_EQ(granted, 2u);
}

}  // namespace
}  // namespace potluck
