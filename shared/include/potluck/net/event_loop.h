// The one control-plane loop of a node: receive, let the core decide, make its writes durable,
// then send. Nothing leaves before the store committed, so no answer promises what a crash
// could take back.
#pragma once

#include <atomic>
#include <functional>

#include "potluck/base/time.h"
#include "potluck/core/actions.h"
#include "potluck/net/zmq_transport.h"

namespace potluck {

struct LoopHooks {
  std::function<Actions(const Inbound&, TimePoint)> on_message;
  // Timers: run when the earliest of them is due, kLoopTick to kLoopTickMax after the last run.
  std::function<Actions(TimePoint)> on_tick;
  // When on_tick is next due, asked after every turn (a message or a finished unit may start a
  // timer). Optional: without it, on_tick runs every kLoopTick.
  std::function<TimePoint(TimePoint now)> next_due;
  // What other threads left for the loop (finished kernels), as soon as they wake it.
  std::function<Actions(TimePoint)> on_woken;
  std::function<void()> begin;
  // Makes the turn's writes durable enough for the messages it is about to send.
  std::function<Status(const Actions& sending)> commit;
  // Called with the tasks the core wants started, after the commit.
  std::function<void(std::vector<TaskStart>&)> start_tasks;
  // Optional: the loop also stops once this returns true.
  std::function<bool()> done;
};

// The timers run at most this often, so that units finishing a hundred times a second do not
// run them each time...
constexpr Duration kLoopTick = std::chrono::milliseconds(100);
// ...and at least this often, for what has no due time of its own: control requests, checkpoints
// the kernels saved, retries, the figures on the dashboard.
constexpr Duration kLoopTickMax = std::chrono::milliseconds(500);

// Runs until `stop` is set or hooks.done() says so; returns an error only if the store failed (fail closed).
Status RunEventLoop(ZmqTransport& transport, const Clock& clock, const LoopHooks& hooks, const std::atomic<bool>& stop,
                    Actions first = {});

}  // namespace potluck
