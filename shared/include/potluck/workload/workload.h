// A workload: a compute kernel compiled into every worker. See docs/workloads.md.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "potluck/base/bytes.h"
#include "potluck/base/status.h"

namespace potluck {

using Params = std::map<std::string, std::string>;

// What a running kernel may ask of the worker. Thread-safe: kernels call it from TBB threads.
//
// Checkpoints: a kernel that can stop and resume asks CheckpointDue() at points where its state
// is complete (between rounds of work, never in the middle of one) and, when it is due, hands
// that state to SaveCheckpoint(). The worker keeps the latest one in its database; a unit
// started again after a crash gets it back from Checkpoint() and must reach exactly the result
// it would have reached without stopping.
class KernelContext {
 public:
  virtual ~KernelContext() = default;
  // True once the worker wants the kernel to stop; a kernel checks it often enough to stop
  // within 100 ms and then returns a kUnavailable status.
  virtual bool Cancelled() const = 0;
  // `fraction` in [0, 1] of the unit done so far.
  virtual void Progress(double fraction) = 0;

  // The state saved by an earlier run of this unit; empty when it starts afresh.
  virtual const Bytes& Checkpoint() const {
    static const Bytes kNone;
    return kNone;
  }
  // True when the worker's checkpoint interval has passed since the last save (or the start).
  virtual bool CheckpointDue() const { return false; }
  virtual void SaveCheckpoint(Bytes /*state*/) {}

  // A small picture of the running state for people (the screensaver shows it): a JSON object,
  // a few hundred bytes, replaced by each call. Cheap to call every round.
  virtual void ShowView(nlohmann::json /*view*/) {}
};

// A context that never cancels and keeps nothing: for kernels run outside a worker (speed
// measurements, benchmarks).
class UninterruptedContext final : public KernelContext {
 public:
  bool Cancelled() const override { return false; }
  void Progress(double) override {}
};

// Folds verified unit results into the project's result. Units arrive in increasing index
// order; units not verified yet are left out, so a partial result can be shown.
class Aggregator {
 public:
  virtual ~Aggregator() = default;
  virtual Status Add(uint64_t index, const Bytes& result) = 0;
  virtual nlohmann::json Finish() const = 0;
  // One line for people, e.g. "50847534 primes in [0, 1000000000)".
  virtual std::string Summary() const = 0;
};

class Workload {
 public:
  virtual ~Workload() = default;
  virtual std::string_view Name() const = 0;
  virtual uint32_t Version() const = 0;
  // One line per parameter: "from: first number of the range (default 0)".
  virtual std::vector<std::string> ParamHelp() const = 0;

  // Checks parameters and unit count; the error names the parameter at fault.
  virtual Status Validate(const Params& params, uint64_t units) const = 0;

  // Computes unit `index`, in the calling TBB arena, and returns its canonical result bytes:
  // identical on every machine, for every thread count, and across checkpoint and resume.
  // A checkpoint it cannot read (another version, damaged) is ignored: the unit starts afresh.
  // REQUIRES: Validate() passed.
  virtual Result<Bytes> Run(const Params& params, uint64_t units, uint64_t index,
                            KernelContext& context) const = 0;

  // A unit's result as JSON, or an error if the bytes are not a result of this workload.
  virtual Result<nlohmann::json> DescribeUnit(const Bytes& result) const = 0;

  virtual std::unique_ptr<Aggregator> NewAggregator(const Params& params, uint64_t units) const = 0;
};

// The workloads compiled into this build; see workloads/registry.cc.
class WorkloadRegistry {
 public:
  void Add(std::unique_ptr<Workload> workload);
  // nullptr if no workload has this name and version.
  const Workload* Find(std::string_view name, uint32_t version) const;
  // The newest version of `name`, or nullptr.
  const Workload* FindLatest(std::string_view name) const;
  std::vector<const Workload*> All() const;

 private:
  std::vector<std::unique_ptr<Workload>> workloads_;
};

}  // namespace potluck
