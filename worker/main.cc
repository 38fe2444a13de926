// potluck-worker: the headless volunteer service. Gives spare CPU to the projects of the grid.
#include "worker_program.h"

int main(int argc, char** argv) {
  potluck::WorkerFlags flags;
  CLI::App app{"potluck-worker: gives this machine's spare CPU to the projects of a potluck grid"};
  potluck::AddWorkerFlags(app, flags);
  return potluck::RunWorkerProgram(app, flags, "potluck-worker", argc, argv);
}
