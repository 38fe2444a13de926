#include "potluck/net/event_loop.h"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace potluck {

Status RunEventLoop(ZmqTransport& transport, const Clock& clock, const LoopHooks& hooks, const std::atomic<bool>& stop,
                    Actions first) {
  Actions pending = std::move(first);
  TimePoint next_tick = clock.Now();
  TimePoint last_tick = next_tick - kLoopTick;
  while (!stop.load() && !(hooks.done && hooks.done())) {
    for (Outgoing& out : pending.messages) transport.Send(out);
    if (!pending.tasks.empty() && hooks.start_tasks) hooks.start_tasks(pending.tasks);
    pending = {};

    std::vector<Inbound> inbound = transport.Poll(std::max(Duration(0), next_tick - clock.Now()));
    TimePoint now = clock.Now();
    hooks.begin();
    for (const Inbound& in : inbound) pending.Append(hooks.on_message(in, now));
    // Woken: a kernel finished. Its result is taken in this turn, not at the next tick, but
    // the timers wait for theirs: short units would otherwise run them a hundred times a second.
    if (transport.TakeWoken() && hooks.on_woken) pending.Append(hooks.on_woken(now));
    // A local request is answered at once, whatever the timers' schedule.
    if (transport.TakeTickWanted() || now >= next_tick) {
      pending.Append(hooks.on_tick(now));
      last_tick = now;
    }
    if (Status s = hooks.commit(pending); !s.ok()) {
      spdlog::critical("the store failed, stopping rather than guess: {}", s.message());
      return s;
    }
    // An idle node sleeps until its next timer rather than turning ten times a second.
    const TimePoint due = hooks.next_due ? hooks.next_due(now) : last_tick + kLoopTick;
    next_tick = std::clamp(due, last_tick + kLoopTick, last_tick + kLoopTickMax);
  }
  return Status::Ok();
}

}  // namespace potluck
