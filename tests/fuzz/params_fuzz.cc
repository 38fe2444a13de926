// Any text as workload parameters ("key=value" lines, the first line the unit count) for every
// built-in workload: a clear refusal or a valid unit range, never a crash.
#include <sstream>
#include <string>

#include "registry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const potluck::WorkloadRegistry* workloads = [] {
    auto* r = new potluck::WorkloadRegistry;
    potluck::RegisterBuiltinWorkloads(*r);
    return r;
  }();
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::string line;
  uint64_t units = 0;
  if (std::getline(in, line)) units = std::strtoull(line.c_str(), nullptr, 10);
  potluck::Params params;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) params[line.substr(0, eq)] = line.substr(eq + 1);
  }
  for (const potluck::Workload* w : workloads->All()) {
    potluck::Status s = w->Validate(params, units);
    if (!s.ok()) POTLUCK_CHECK(!s.message().empty() && s.message().find('\n') == std::string::npos);
  }
  return 0;
}
