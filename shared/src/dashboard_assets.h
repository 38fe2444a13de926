// The dashboard's page, script and style (shared/dashboard/), compiled into every program by
// cmake/embed_files.cmake, so the page needs nothing from disk or from the internet.
#pragma once

#include <string_view>
#include <vector>

namespace potluck::internal {

struct EmbeddedFile {
  std::string_view name;  // "index.html"
  std::string_view content;
};

const std::vector<EmbeddedFile>& DashboardAssets();

}  // namespace potluck::internal
