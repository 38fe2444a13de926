// The JSON form of answers, shared by the CLI's --json output and any HTTP API.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "potluck/proto/messages.h"

namespace potluck {

nlohmann::json ToJson(const UnitCounts& counts);
nlohmann::json ToJson(const Offer& offer);
// Status fields; with a result, also "complete", "result" and "summary".
nlohmann::json ToJson(const ProjectStatus& status);
// {"peers": [offer, ...]}: what `potluck peers --json` prints and GET /api/peers serves.
nlohmann::json PeersJson(const std::vector<Offer>& offers);

// Seconds until every unit is decided at the recent rate; none while nothing is verified.
std::optional<double> EtaSeconds(const ProjectStatus& status);

}  // namespace potluck
