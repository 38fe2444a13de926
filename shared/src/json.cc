#include "potluck/proto/json.h"

namespace potluck {

nlohmann::json ToJson(const UnitCounts& u) {
  return {{"total", u.total}, {"verified", u.verified}, {"in_flight", u.in_flight}, {"waiting", u.waiting},
          {"failed", u.failed}};
}

nlohmann::json ToJson(const Offer& o) {
  nlohmann::json workloads = nlohmann::json::array();
  for (const auto& w : o.workloads) workloads.push_back({{"name", w.name}, {"version", w.version}});
  nlohmann::json holds = nlohmann::json::array();
  for (const auto& h : o.holds) holds.push_back(h.Hex());
  return {{"peer", o.peer.Hex()},          {"endpoint", o.endpoint},       {"host", o.host},
          {"cores", o.cores},              {"speed", o.speed},             {"free_slots", o.free_slots},
          {"workloads", workloads},        {"holds", holds},               {"leases", o.leases.size()},
          {"issued_unix_ms", o.issued_unix_ms}, {"expires_unix_ms", o.expires_unix_ms}};
}

nlohmann::json ToJson(const ProjectStatus& s) {
  nlohmann::json j = {
      {"project", s.project.Hex()},
      {"workload", s.workload},
      {"workload_version", s.workload_version},
      {"units", ToJson(s.units)},
      {"workers", s.workers},
      {"verified_per_second", s.verified_per_second},
      {"submitted_unix_ms", s.submitted_unix_ms},
      {"cancelled", s.cancelled},
  };
  nlohmann::json peers = nlohmann::json::array();
  for (const PeerScore& p : s.peers) {
    peers.push_back({{"peer", p.peer.Hex()}, {"agreed", p.agreed}, {"disagreed", p.disagreed}, {"ignored", p.ignored}});
  }
  j["peers"] = std::move(peers);
  if (!s.result_json.empty()) {
    j["complete"] = s.units.verified == s.units.total;
    j["result"] = nlohmann::json::parse(s.result_json, nullptr, /*allow_exceptions=*/false);
    j["summary"] = s.summary;
  }
  return j;
}

nlohmann::json PeersJson(const std::vector<Offer>& offers) {
  nlohmann::json peers = nlohmann::json::array();
  for (const Offer& o : offers) peers.push_back(ToJson(o));
  return {{"peers", std::move(peers)}};
}

std::optional<double> EtaSeconds(const ProjectStatus& s) {
  if (s.verified_per_second <= 0) return std::nullopt;
  const uint64_t left = s.units.total - s.units.verified - s.units.failed;
  return static_cast<double>(left) / s.verified_per_second;
}

}  // namespace potluck
