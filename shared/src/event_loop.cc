#include "potluck/net/event_loop.h"

#include <spdlog/spdlog.h>

namespace potluck {

Status RunEventLoop(ZmqTransport& transport, const Clock& clock, const LoopHooks& hooks, const std::atomic<bool>& stop,
                    Actions first) {
  Actions pending = std::move(first);
  TimePoint next_tick = clock.Now();
  while (!stop.load() && !(hooks.done && hooks.done())) {
    for (Outgoing& out : pending.messages) transport.Send(out);
    if (!pending.tasks.empty() && hooks.start_tasks) hooks.start_tasks(pending.tasks);
    pending = {};

    std::vector<Inbound> inbound = transport.Poll(kLoopTick);
    TimePoint now = clock.Now();
    hooks.begin();
    for (const Inbound& in : inbound) pending.Append(hooks.on_message(in, now));
    // Woken: a kernel finished. Its result goes out in this turn, not at the next tick.
    if (transport.TakeWoken() || now >= next_tick || inbound.empty()) {
      pending.Append(hooks.on_tick(now));
      next_tick = now + kLoopTick;
    }
    if (Status s = hooks.commit(); !s.ok()) {
      spdlog::critical("the store failed, stopping rather than guess: {}", s.message());
      return s;
    }
  }
  return Status::Ok();
}

}  // namespace potluck
