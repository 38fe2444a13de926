// potluck-coordinator: the optional seeding node that accepts projects and leases their units.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "coordinator_node.h"
#include "potluck/app/http_server.h"
#include "potluck/app/program.h"
#include "potluck/net/zmq_transport.h"

int main(int argc, char** argv) {
  potluck::CoordinatorConfig config;
  std::string log_level = "info";
  int peer_timeout_s = 15;

  CLI::App app{"potluck-coordinator: accepts projects, leases work units to volunteers, keeps verified results"};
  app.set_version_flag("--version", std::string("potluck-coordinator ") + potluck::kVersion);
  app.add_option("--listen", config.listen, "endpoint to serve on (tcp://HOST:0 picks a free port)")
      ->capture_default_str();
  app.add_option("--advertise", config.advertise, "endpoint peers should dial, if not the one bound");
  app.add_option("--bootstrap", config.bootstrap, "address of another node of the grid, ENDPOINT#PEER-ID (repeatable)");
  bool insecure = false;
  app.add_flag("--insecure", insecure, "plain-text links without CurveZMQ: only for debugging on a trusted network");
  app.add_option("--data", config.data_dir, "folder for the database and identity")->required();
  app.add_option("--peer-timeout", peer_timeout_s, "seconds of silence after which a volunteer's leases go to others")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400));
  app.add_option("--metrics", config.metrics_listen,
                 "serve Prometheus metrics on HOST:PORT, or PORT on 127.0.0.1 (default: off)");
  app.add_option("--dashboard", config.dashboard_listen,
                 "serve the dashboard and its JSON API on HOST:PORT, or PORT on 127.0.0.1 (default: off)");
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "potluck-coordinator: %s (see --help)\n", e.what());
    return 2;
  }
  config.holder.peer_timeout = std::chrono::seconds(peer_timeout_s);
  if (insecure) config.security = potluck::LinkSecurity::kPlainText;

  auto fail = [](const potluck::Status& s, int exit_code = 1) {
    std::fprintf(stderr, "potluck-coordinator: %s\n", s.message().c_str());
    return exit_code;
  };
  if (auto s = potluck::SetupLogging(log_level); !s.ok()) return fail(s, 2);
  // Bad values are bad input (exit 2), like bad flags.
  for (const auto& address : config.bootstrap) {
    if (auto a = potluck::ParseAddress(address, !insecure); !a.ok()) return fail(a.status(), 2);
  }
  if (auto s = potluck::CheckEndpoint(config.listen); !s.ok()) return fail(s, 2);
  if (!config.metrics_listen.empty()) {
    if (auto m = potluck::ParseHttpListen(config.metrics_listen, "metrics"); !m.ok()) return fail(m.status(), 2);
  }
  if (!config.dashboard_listen.empty()) {
    if (auto d = potluck::ParseHttpListen(config.dashboard_listen, "dashboard"); !d.ok()) return fail(d.status(), 2);
  }
  const auto& stop = potluck::InstallStopSignals();
  if (auto s = potluck::RunCoordinator(config, stop); !s.ok()) return fail(s);
  return 0;
}
