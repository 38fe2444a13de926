// The quorum's network rule across real hosts: network namespaces on a bridge, created by the
// test (root only), each with its own address. Two colluding saboteur keys on one host cannot
// verify a unit of a project with the rule on; with the rule off they can, and do, wrongly.
#include <gtest/gtest.h>
#include <unistd.h>

#include "integration/grid.h"

namespace potluck::testing {
namespace {

constexpr uint64_t kPrimesBelow10M = 664579;

const std::string kIp = std::filesystem::exists("/usr/sbin/ip") ? "/usr/sbin/ip" : "/sbin/ip";

// Runs `ip ARGS...`; true on success.
bool Ip(std::vector<std::string> args) {
  args.insert(args.begin(), kIp);
  return RunCommand(args, 10s).exit_code == 0;
}

// A bridge in this namespace and one namespace per host on it, all in 10.213.0.0/16, so that
// hosts of 10.213.1.x share a /24 and the others do not. Removed again when it goes.
class Hosts {
 public:
  Hosts() : prefix_("plk" + std::to_string(getpid() % 100000)) {
    Remove();
    ok_ = Ip({"link", "add", Bridge(), "type", "bridge"}) && Ip({"addr", "add", "10.213.0.1/16", "dev", Bridge()}) &&
          Ip({"link", "set", Bridge(), "up"});
  }
  ~Hosts() { Remove(); }
  bool ok() const { return ok_; }

  // A namespace `name` with address `ip` on the bridge.
  bool Add(const std::string& name, const std::string& ip) {
    const std::string ns = prefix_ + name, outside = prefix_ + name + "o", inside = prefix_ + name + "i";
    names_.push_back(name);
    return Ip({"netns", "add", ns}) && Ip({"link", "add", outside, "type", "veth", "peer", "name", inside}) &&
           Ip({"link", "set", inside, "netns", ns}) && Ip({"link", "set", outside, "master", Bridge()}) &&
           Ip({"link", "set", outside, "up"}) && Ip({"-n", ns, "addr", "add", ip + "/16", "dev", inside}) &&
           Ip({"-n", ns, "link", "set", inside, "up"}) && Ip({"-n", ns, "link", "set", "lo", "up"});
  }

  // `argv` run inside the namespace `name`.
  std::vector<std::string> In(const std::string& name, std::vector<std::string> argv) const {
    argv.insert(argv.begin(), {kIp, "netns", "exec", prefix_ + name});
    return argv;
  }

 private:
  std::string Bridge() const { return prefix_ + "br"; }
  void Remove() {
    for (const auto& name : names_) {
      RunCommand({kIp, "netns", "del", prefix_ + name}, 10s);
      RunCommand({kIp, "link", "del", prefix_ + name + "o"}, 10s);
    }
    RunCommand({kIp, "link", "del", Bridge()}, 10s);
  }

  std::string prefix_;
  std::vector<std::string> names_;
  bool ok_ = false;
};

TEST(NetworkRuleTest, KeysOnOneHostCannotMakeAQuorumAcrossRealHosts) {
  if (geteuid() != 0 || !std::filesystem::exists(kIp)) GTEST_SKIP() << "needs root and iproute2";
  Hosts hosts;
  if (!hosts.ok()) GTEST_SKIP() << "network namespaces are not available here";
  ASSERT_TRUE(hosts.Add("a", "10.213.1.2"));  // one machine, two colluding saboteur keys
  ASSERT_TRUE(hosts.Add("c", "10.213.2.2"));  // honest
  ASSERT_TRUE(hosts.Add("d", "10.213.3.2"));  // honest

  TempDir dir;
  Grid grid(dir);
  grid.StartCoordinator("tcp://10.213.0.1:0");
  std::vector<std::unique_ptr<Process>> workers;
  auto start = [&](const std::string& host, const std::string& ip, const std::string& name, bool saboteur) {
    std::vector<std::string> argv = {saboteur ? kSaboteur : kWorker, "--listen", "tcp://" + ip + ":0", "--data",
                                     (dir.path() / name).string(), "--cores", "1", "--bootstrap", grid.endpoint_};
    if (saboteur) argv.insert(argv.begin() + 1, {"--sabotage", "collude"});
    workers.push_back(std::make_unique<Process>(hosts.In(host, argv), dir.path() / (name + ".log")));
  };
  start("a", "10.213.1.2", "saboteur1", true);
  start("a", "10.213.1.2", "saboteur2", true);

  auto submit = [&](bool any_network) {
    std::vector<std::string> args = {"submit", "--workload", "primes", "--param", "to=1e7", "--units", "4",
                                     "--quorum", "2", "--holders", "1", "--home", (dir.path() / "owner").string()};
    if (any_network) args.push_back("--any-network");
    auto r = grid.Cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out.substr(0, r.out.find('\n'));
  };
  const std::string guarded = submit(false), open = submit(true);

  // With only the two keys of one host at work, the project without the rule is verified,
  // wrongly; the guarded one verifies nothing.
  ASSERT_TRUE(Eventually([&] { return grid.Verified(open) == 4; }, 60s)) << grid.Logs();
  auto wrong = grid.Json("results", open);
  EXPECT_NE(wrong["result"]["primes"], kPrimesBelow10M) << wrong.dump();
  EXPECT_EQ(grid.Verified(guarded), 0u);

  // Honest hosts of their own networks arrive: the guarded project gets the exact count.
  start("c", "10.213.2.2", "honest1", false);
  start("d", "10.213.3.2", "honest2", false);
  ASSERT_TRUE(Eventually([&] { return grid.Verified(guarded) == 4; }, 90s)) << grid.Logs();
  auto right = grid.Json("results", guarded);
  EXPECT_EQ(right["result"]["primes"], kPrimesBelow10M) << right.dump();

  for (auto& w : workers) EXPECT_EQ(w->Stop(), 0);
  EXPECT_EQ(grid.coordinator_->Stop(), 0);
}

}  // namespace
}  // namespace potluck::testing
