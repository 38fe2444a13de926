// The JSON form of answers, shared by the CLI's --json output and any HTTP API.
#pragma once

#include <nlohmann/json.hpp>

#include "potluck/proto/messages.h"

namespace potluck {

nlohmann::json ToJson(const UnitCounts& counts);
nlohmann::json ToJson(const Offer& offer);
// Status fields; with a result, also "complete", "result" and "summary".
nlohmann::json ToJson(const ProjectStatus& status);

}  // namespace potluck
