#include "potluck/app/node_metrics.h"

#include "potluck/app/program.h"

namespace potluck {

NodeMetrics::NodeMetrics(MetricsRegistry* registry)
    : own_registry_(registry ? nullptr : std::make_unique<MetricsRegistry>()),
      registry_(registry ? registry : own_registry_.get()) {
  registry_->Gauge("potluck_build_info", "Always 1; the version of the program serving these metrics.",
                   {{"version", kVersion}})
      .Set(1);
}

HttpRoute NodeMetrics::Route() const {
  return {"/metrics", [registry = registry_](const std::vector<std::string>&) {
            return HttpReply{.body = registry->Render(), .content_type = kMetricsContentType};
          }};
}

void NodeMetrics::Update(const Node& node, const TransportCounters& transport) {
  MetricsRegistry& r = *registry_;
  auto count = [](uint64_t n) { return static_cast<double>(n); };

  r.Counter("potluck_frames_received_total", "Frames received from peers, decoded or not.").Set(count(transport.frames_in));
  r.Counter("potluck_frames_sent_total", "Frames sent to peers.").Set(count(transport.frames_out));
  r.Counter("potluck_frames_dropped_total",
            "Frames dropped because they did not decode or named a sender other than the link's key.")
      .Set(count(transport.frames_dropped));
  r.Counter("potluck_frames_throttled_total", "Frames dropped because their peer sent over its rate limit.")
      .Set(count(transport.frames_throttled));
  r.Counter("potluck_sends_unroutable_total", "Messages that had no route to their peer.")
      .Set(count(transport.sends_unroutable));
  r.Gauge("potluck_peers", "Other peers this node knows a live offer of.").Set(count(node.membership().peer_count()));

  // As a holder: what became of the results volunteers sent for the projects held here.
  const HolderCounters& held = node.holder().counters();
  r.Counter("potluck_units_verified_total", "Units of projects held here that reached a quorum of agreeing results.")
      .Set(count(held.units_verified));
  r.Counter("potluck_units_failed_total", "Units of projects held here that ran out of replicas without a quorum.")
      .Set(count(held.units_failed));
  r.Counter("potluck_results_rejected_total",
            "Results for units held here that disagreed with the verified result of their unit.")
      .Set(count(held.results_rejected));
  const std::string claims_help = "Claims received for projects held here, by what became of them.";
  r.Counter("potluck_claims_total", claims_help, {{"outcome", "accepted"}}).Set(count(held.claims_accepted));
  r.Counter("potluck_claims_total", claims_help, {{"outcome", "duplicate"}}).Set(count(held.claims_duplicate));
  r.Counter("potluck_claims_total", claims_help, {{"outcome", "refused"}}).Set(count(held.claims_refused));
  r.Counter("potluck_claims_total", claims_help, {{"outcome", "contradicting"}}).Set(count(held.claims_contradicting));
  r.Counter("potluck_leases_granted_total", "Units leased to volunteers by this node.").Set(count(held.leases_granted));
  r.Counter("potluck_leases_expired_total", "Leases given by this node that passed their deadline without a result.")
      .Set(count(held.leases_expired));

  // As a volunteer: only workers compute.
  if (const Volunteer* volunteer = node.volunteer()) {
    r.Counter("potluck_units_computed_total", "Units this worker computed and sent a result for.")
        .Set(count(volunteer->units_computed()));
    r.Gauge("potluck_leases_held", "Units leased to this worker: running or waiting.")
        .Set(count(volunteer->leases_held()));
    r.Gauge("potluck_results_unsent", "Results computed here that no holder has acknowledged yet.")
        .Set(count(volunteer->outbox_size()));
  }
}

}  // namespace potluck
