#include "worker_program.h"

#include <cstdio>
#include <thread>

#include "potluck/app/metrics.h"
#include "potluck/app/program.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

void AddWorkerFlags(CLI::App& app, WorkerFlags& f) {
  const int all_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Leave one core to the volunteer unless there is only one.
  f.config.cores = std::max(1, all_cores - 1);
  app.set_version_flag("--version", std::string("potluck-worker ") + kVersion);
  app.add_option("--listen", f.config.listen, "endpoint to serve peers on (tcp://HOST:0 picks a free port)")
      ->capture_default_str();
  app.add_option("--advertise", f.config.advertise, "endpoint peers should dial, if not the one bound");
  app.add_option("--bootstrap,--join", f.config.bootstrap,
                 "address of a node to join through, a coordinator or any worker: ENDPOINT#PEER-ID (repeatable)");
  app.add_flag("--insecure", f.insecure, "plain-text links without CurveZMQ: only for debugging on a trusted network");
  app.add_option("--data", f.config.data_dir, "folder for the worker's database and identity")->required();
  app.add_option("--cores", f.config.cores, "cores to compute on")->capture_default_str()->check(CLI::Range(1, all_cores));
  app.add_option("--join-timeout", f.join_timeout_s, "seconds to wait for the first answer before giving up")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600));
  app.add_option("--checkpoint-interval", f.checkpoint_interval_s,
                 "seconds between saves of a running unit's state; a restart loses at most this much work")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 86400.0));
  app.add_flag("--lan-discovery", f.lan_discovery, "find peers on the local network by UDP broadcast beacons");
  app.add_option("--lan-beacon", f.lan_beacon, "IPV4:PORT the beacons go to and are heard on")->capture_default_str();
  app.add_option("--metrics", f.config.metrics_listen,
                 "serve Prometheus metrics on HOST:PORT, or PORT on 127.0.0.1 (default: off)");
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error or off")->capture_default_str();
}

int RunWorkerProgram(CLI::App& app, WorkerFlags& f, const std::string& program, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "%s: %s (see --help)\n", program.c_str(), e.what());
    return 2;
  }
  f.config.join_timeout = std::chrono::seconds(f.join_timeout_s);
  f.config.checkpoint_interval =
      std::chrono::duration_cast<Duration>(std::chrono::duration<double>(f.checkpoint_interval_s));
  if (f.lan_discovery) f.config.lan_beacon = f.lan_beacon;
  if (f.insecure) f.config.security = LinkSecurity::kPlainText;

  auto fail = [&](const Status& s, int exit_code = 1) {
    std::fprintf(stderr, "%s: %s\n", program.c_str(), s.message().c_str());
    return exit_code;
  };
  if (auto s = SetupLogging(f.log_level); !s.ok()) return fail(s, 2);
  // Bad values are bad input (exit 2), like bad flags.
  if (auto s = CheckEndpoint(f.config.listen); !s.ok()) return fail(s, 2);
  if (!f.config.metrics_listen.empty()) {
    if (auto m = ParseMetricsListen(f.config.metrics_listen); !m.ok()) return fail(m.status(), 2);
  }
  for (const auto& address : f.config.bootstrap) {
    if (auto a = ParseAddress(address, !f.insecure); !a.ok()) return fail(a.status(), 2);
  }
  const auto& stop = InstallStopSignals();
  if (auto s = RunWorker(f.config, stop); !s.ok()) return fail(s);
  return 0;
}

}  // namespace potluck
