// potluck: submit projects to a grid, follow them, and fetch their verified results.
#include <CLI/CLI.hpp>

#include <cstdio>

#include "commands.h"
#include "worker_commands.h"
#include "potluck/app/program.h"
#include "potluck/net/zmq_transport.h"

using potluck::cli::Target;

namespace {

void AddTarget(CLI::App* command, Target& target, bool json) {
  command->add_option("--to", target.to, "address of a coordinator or holder, ENDPOINT#PEER-ID (its data folder's 'endpoint' file)")
      ->envname("POTLUCK_TO")
      ->required();
  command->add_flag("--insecure", target.insecure, "plain-text link without CurveZMQ, to a node started with --insecure");
  command->add_option("--answer-timeout", target.answer_timeout_s, "seconds to wait for each answer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  if (json) command->add_flag("--json", target.json, "print one JSON object");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"potluck: submit projects to a volunteer computing grid and fetch their verified results"};
  app.set_version_flag("--version", std::string("potluck ") + potluck::kVersion);
  app.require_subcommand(1);
  Target target;
  std::string project;
  double wait_timeout_s = 3600;
  potluck::cli::SubmitOptions submit;

  auto* submit_cmd = app.add_subcommand("submit", "submit a project; prints its id");
  AddTarget(submit_cmd, target, false);
  submit_cmd->add_option("--workload", submit.workload, "workload to run, e.g. primes")->required();
  submit_cmd->add_option("--param", submit.params, "workload parameter KEY=VALUE (repeatable)");
  submit_cmd->add_option("--units", submit.units, "number of work units")->required();
  submit_cmd->add_option("--quorum", submit.quorum, "agreeing results from distinct workers per unit")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  submit_cmd->add_option("--max-replicas", submit.max_replicas, "results collected before a unit fails (default quorum + 3)")
      ->check(CLI::Range(1, 16));
  submit_cmd->add_option("--deadline", submit.deadline_s, "seconds a worker has for one unit")
      ->capture_default_str()
      ->check(CLI::Range(1, 30 * 86400));
  submit_cmd->add_option("--priority", submit.priority, "higher runs first")->capture_default_str();
  submit_cmd->add_option("--holders", submit.holders, "nodes that keep the project's ledger and results")
      ->capture_default_str()
      ->check(CLI::Range(1, 16));
  submit_cmd->add_flag("--any-network", submit.any_network,
                       "let one host or /24 network give several results of a unit (grids on one machine or LAN)");
  submit_cmd->add_option("--spot-check", submit.spot_check,
                         "adaptive replication: peers with a long record get units alone, replicated at this rate "
                         "(0.05 to 1; default off)")
      ->check(CLI::Range(0.0, 1.0));
  submit_cmd->add_option("--home", submit.home, "folder of the owner key (default $POTLUCK_HOME or ~/.local/share/potluck)");

  auto* status_cmd = app.add_subcommand("status", "units verified, in flight, waiting and failed");
  AddTarget(status_cmd, target, true);
  status_cmd->add_option("ID", project, "project id")->required();

  auto* wait_cmd = app.add_subcommand("wait", "follow a project until every unit is verified");
  AddTarget(wait_cmd, target, false);
  wait_cmd->add_option("ID", project, "project id")->required();
  wait_cmd->add_option("--timeout", wait_timeout_s, "give up after this many seconds")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 30.0 * 86400));

  auto* results_cmd = app.add_subcommand("results", "the project's aggregated verified result");
  AddTarget(results_cmd, target, true);
  results_cmd->add_option("ID", project, "project id")->required();

  auto* peers_cmd = app.add_subcommand("peers", "the peers a node knows, with their offers");
  AddTarget(peers_cmd, target, true);

  std::string home;
  auto* cancel_cmd = app.add_subcommand("cancel", "stop a project (only with the key that submitted it)");
  AddTarget(cancel_cmd, target, false);
  cancel_cmd->add_option("ID", project, "project id")->required();
  cancel_cmd->add_option("--home", home, "folder of the owner key (default $POTLUCK_HOME or ~/.local/share/potluck)");

  bool keys_json = false;
  auto* keys_cmd = app.add_subcommand("keys", "show the key that signs your projects, creating it on first use");
  keys_cmd->add_option("--home", home, "folder of the key (default $POTLUCK_HOME or ~/.local/share/potluck)");
  keys_cmd->add_flag("--json", keys_json, "print one JSON object");

  potluck::cli::WorkerTarget worker;
  std::string assignment;
  auto* worker_cmd = app.add_subcommand("worker", "control the worker running on this machine");
  worker_cmd->require_subcommand(1);
  worker_cmd->add_option("--data", worker.data_dir, "the worker's data folder")
      ->envname("POTLUCK_WORKER_DATA")
      ->default_val("/var/lib/potluck-worker")
      ->capture_default_str();
  worker_cmd->add_option("--answer-timeout", worker.answer_timeout_s, "seconds to wait for the answer")
      ->capture_default_str()
      ->check(CLI::Range(0.1, 3600.0));
  worker_cmd->add_flag("--json", worker.json, "print one JSON object");
  auto* worker_status = worker_cmd->add_subcommand("status", "units running, limits, why paused, peers, credit");
  auto* worker_pause = worker_cmd->add_subcommand("pause", "stop computing at once, keeping the progress");
  auto* worker_resume = worker_cmd->add_subcommand("resume", "compute again");
  auto* worker_finish = worker_cmd->add_subcommand("finish", "complete the units held, then pause");
  auto* worker_set = worker_cmd->add_subcommand("set", "change a setting until restart, e.g. limits.cpu_percent=50");
  worker_set->add_option("KEY=VALUE", assignment, "a key of the config file and its value")->required();
  for (auto* sub : {worker_status, worker_pause, worker_resume, worker_finish, worker_set}) {
    sub->add_option("--data", worker.data_dir, "the worker's data folder");
    sub->add_flag("--json", worker.json, "print one JSON object");
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    std::fprintf(stderr, "potluck: %s (see --help)\n", e.what());
    return potluck::cli::kBadInput;
  }
  if (worker_cmd->parsed()) {
    if (worker_status->parsed()) return potluck::cli::WorkerStatus(worker);
    if (worker_set->parsed()) return potluck::cli::WorkerSet(worker, assignment);
    return potluck::cli::WorkerCommand(worker, worker_pause->parsed()    ? "pause"
                                               : worker_resume->parsed() ? "resume"
                                                                         : "finish");
  }
  if (!keys_cmd->parsed()) {
    if (auto a = potluck::ParseAddress(target.to, !target.insecure); !a.ok()) {
      std::fprintf(stderr, "potluck: --to: %s\n", a.status().message().c_str());
      return potluck::cli::kBadInput;
    }
  }
  if (submit_cmd->parsed()) return potluck::cli::Submit(target, submit);
  if (status_cmd->parsed()) return potluck::cli::Status(target, project);
  if (wait_cmd->parsed()) return potluck::cli::Wait(target, project, wait_timeout_s);
  if (peers_cmd->parsed()) return potluck::cli::Peers(target);
  if (cancel_cmd->parsed()) return potluck::cli::Cancel(target, project, home);
  if (keys_cmd->parsed()) return potluck::cli::Keys(home, keys_json);
  return potluck::cli::Results(target, project);
}
