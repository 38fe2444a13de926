// potluck-worker: the headless volunteer service. Gives spare CPU to the projects of the grid.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <thread>

#include "potluck/app/program.h"
#include "potluck/net/zmq_transport.h"
#include "worker_node.h"

int main(int argc, char** argv) {
  potluck::WorkerConfig config;
  std::string log_level = "info";
  const int all_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Leave one core to the volunteer unless there is only one.
  config.cores = std::max(1, all_cores - 1);
  int join_timeout_s = 10;

  CLI::App app{"potluck-worker: gives this machine's spare CPU to the projects of a potluck grid"};
  app.set_version_flag("--version", std::string("potluck-worker ") + potluck::kVersion);
  app.add_option("--listen", config.listen, "endpoint to serve peers on (tcp://HOST:0 picks a free port)")
      ->capture_default_str();
  app.add_option("--advertise", config.advertise, "endpoint peers should dial, if not the one bound");
  app.add_option("--bootstrap,--join", config.bootstrap, "a node to join through: a coordinator or any worker (repeatable)");
  app.add_option("--data", config.data_dir, "folder for the worker's database and identity")->required();
  app.add_option("--cores", config.cores, "cores to compute on")->capture_default_str()->check(CLI::Range(1, all_cores));
  app.add_option("--join-timeout", join_timeout_s, "seconds to wait for the first answer before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  bool lan_discovery = false;
  std::string lan_beacon = "255.255.255.255:7399";
  app.add_flag("--lan-discovery", lan_discovery, "find peers on the local network by UDP broadcast beacons");
  app.add_option("--lan-beacon", lan_beacon, "IPV4:PORT the beacons go to and are heard on")->capture_default_str();
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "potluck-worker: %s (see --help)\n", e.what());
    return 2;
  }
  config.join_timeout = std::chrono::seconds(join_timeout_s);
  if (lan_discovery) config.lan_beacon = lan_beacon;

  auto fail = [](const potluck::Status& s) {
    std::fprintf(stderr, "potluck-worker: %s\n", s.message().c_str());
    return 1;
  };
  if (auto s = potluck::SetupLogging(log_level); !s.ok()) return fail(s);
  if (auto s = potluck::CheckEndpoint(config.listen); !s.ok()) return fail(s);
  for (const auto& endpoint : config.bootstrap) {
    if (auto s = potluck::CheckEndpoint(endpoint); !s.ok()) return fail(s);
  }
  const auto& stop = potluck::InstallStopSignals();
  if (auto s = potluck::RunWorker(config, stop); !s.ok()) return fail(s);
  return 0;
}
