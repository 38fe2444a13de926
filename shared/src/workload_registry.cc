#include "potluck/workload/workload.h"

namespace potluck {

void WorkloadRegistry::Add(std::unique_ptr<Workload> workload) {
  POTLUCK_CHECK(Find(workload->Name(), workload->Version()) == nullptr);
  workloads_.push_back(std::move(workload));
}

const Workload* WorkloadRegistry::Find(std::string_view name, uint32_t version) const {
  for (const auto& w : workloads_) {
    if (w->Name() == name && w->Version() == version) return w.get();
  }
  return nullptr;
}

const Workload* WorkloadRegistry::FindLatest(std::string_view name) const {
  const Workload* best = nullptr;
  for (const auto& w : workloads_) {
    if (w->Name() == name && (!best || w->Version() > best->Version())) best = w.get();
  }
  return best;
}

std::vector<const Workload*> WorkloadRegistry::All() const {
  std::vector<const Workload*> out;
  for (const auto& w : workloads_) out.push_back(w.get());
  return out;
}

}  // namespace potluck
