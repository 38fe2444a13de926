#include "scene.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace potluck::screensaver {
namespace {

// Tilt toward the viewer, so the box's top shows and it reads as a box, not a square.
constexpr double kTiltRadians = 0.35;
// Camera distance from the box's centre, in box sizes: far enough for mild perspective.
constexpr double kCameraDistance = 2.5;
// Half the box's diagonal: no turned corner reaches farther from the centre.
const double kHalfDiagonal = std::sqrt(3.0) / 2;

std::string Percent(double fraction) { return fmt::format("{:.1f}%", 100 * fraction); }

// "12,345,678": sieve positions are long numbers.
std::string Grouped(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

double Number(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_number() ? j[key].get<double>() : 0;
}

bool IsCount(const nlohmann::json& j) { return j.is_number_unsigned() || (j.is_number_integer() && j.get<int64_t>() >= 0); }

uint64_t Count(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && IsCount(j[key]) ? j[key].get<uint64_t>() : 0;
}

std::string Text(const nlohmann::json& j, const char* key) {
  return j.is_object() && j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

std::vector<std::string> HeaderOf(const nlohmann::json& answer) {
  std::string first = "potluck  " + Text(answer, "state");
  const nlohmann::json units = answer.value("units", nlohmann::json::array());
  if (units.is_array() && !units.empty() && units[0].is_object()) {
    const nlohmann::json& u = units[0];
    const std::string eta = u.contains("eta_s") ? Span(Number(u, "eta_s")) : "unknown";
    first += fmt::format("  project {}  unit #{}  {}  {}  eta {}", Text(u, "project").substr(0, 12), Count(u, "index"),
                         Text(u, "workload"), Percent(Number(u, "progress")), eta);
  } else if (!Text(answer, "pause").empty()) {
    first += "  (" + Text(answer, "pause") + ")";
  }
  std::string second = fmt::format("peers {}  this machine: {} units computed, {:.0f} CPU s given", Count(answer, "peers"),
                                   Count(answer, "units_computed"), Number(answer, "cpu_seconds_given"));
  if (answer.contains("credit") && answer["credit"].is_object()) {
    const nlohmann::json& c = answer["credit"];
    second += fmt::format("  credit: {} units verified, {:.2f} core-hours", Count(c, "units_verified"),
                          Number(c, "cpu_seconds_verified") / 3600);
    if (Count(c, "units_pending") > 0) second += fmt::format(", {} awaiting a verdict", Count(c, "units_pending"));
  }
  return {first, second};
}

void AddLjMd(const nlohmann::json& view, double seconds, Scene& scene) {
  const double angle = seconds * kTurnRadiansPerSecond;
  for (const auto& p : view.value("positions", nlohmann::json::array())) {
    if (!p.is_array() || p.size() != 3 || !p[0].is_number() || !p[1].is_number() || !p[2].is_number()) continue;
    scene.particles.push_back(Project(p[0].get<double>(), p[1].get<double>(), p[2].get<double>(), angle));
  }
  std::sort(scene.particles.begin(), scene.particles.end(),
            [](const ScenePoint& a, const ScenePoint& b) { return a.depth > b.depth; });
  // The twelve edges join corners that differ in one coordinate.
  for (int a = 0; a < 8; ++a) {
    for (int bit = 1; bit < 8; bit <<= 1) {
      if (a & bit) continue;
      const int b = a | bit;
      scene.box.push_back({Project(a & 1, (a >> 1) & 1, (a >> 2) & 1, angle), Project(b & 1, (b >> 1) & 1, (b >> 2) & 1, angle)});
    }
  }
  std::string line = fmt::format("lj-md  step {} of {}  {} atoms ({} shown)", Count(view, "step"), Count(view, "steps"),
                                 Count(view, "atoms"), scene.particles.size());
  if (view.contains("thermo") && view["thermo"].is_object()) {
    const nlohmann::json& t = view["thermo"];
    line += fmt::format("  T {:.3f}  PE {:.3f}  P {:.3f}", Number(t, "temperature"), Number(t, "potential_energy"),
                        Number(t, "pressure"));
  }
  scene.details.push_back(line);
}

void AddPrimes(const nlohmann::json& view, Scene& scene) {
  const nlohmann::json range = view["range"];
  const uint64_t lo = range[0].get<uint64_t>(), hi = range[1].get<uint64_t>();
  const uint64_t position = std::clamp(Count(view, "position"), lo, hi);
  const double fraction = hi > lo ? static_cast<double>(position - lo) / static_cast<double>(hi - lo) : 1;
  scene.bar = ProgressBar{fraction, fmt::format("sieved {} of [{}, {})", Grouped(position), Grouped(lo), Grouped(hi))};
  scene.details.push_back(fmt::format("primes {}  twin pairs {}", Grouped(Count(view, "primes")), Grouped(Count(view, "twins"))));
  const nlohmann::json gap = view.value("largest_gap", nlohmann::json());
  if (gap.is_object()) {
    scene.details.push_back(fmt::format("largest gap so far: {} between {} and {}", Count(gap, "length"),
                                        Grouped(Count(gap, "from")), Grouped(Count(gap, "to"))));
  } else {
    scene.details.push_back("largest gap so far: none yet");
  }
}

bool IsPrimesView(const nlohmann::json& view) {
  return view.contains("range") && view["range"].is_array() && view["range"].size() == 2 &&
         IsCount(view["range"][0]) && IsCount(view["range"][1]);
}

}  // namespace

std::string Span(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "unknown";
  const auto s = static_cast<long long>(seconds + 0.5);
  if (s >= 3600) return fmt::format("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60);
  return fmt::format("{}:{:02}", s / 60, s % 60);
}

ScenePoint Project(double x, double y, double z, double angle) {
  // Centre the box on the origin, with y up.
  double cx = x - 0.5, cy = y - 0.5, cz = z - 0.5;
  const double turned_x = cx * std::cos(angle) + cz * std::sin(angle);
  const double turned_z = -cx * std::sin(angle) + cz * std::cos(angle);
  const double tilted_y = cy * std::cos(kTiltRadians) - turned_z * std::sin(kTiltRadians);
  const double tilted_z = cy * std::sin(kTiltRadians) + turned_z * std::cos(kTiltRadians);
  // Positive z points away from the viewer.
  const double scale = kCameraDistance / (kCameraDistance + tilted_z);
  // Turned and tilted as here, no corner lands farther than 0.89 box sizes from the centre
  // (SceneTest checks every angle), so this fills the square with a small margin.
  constexpr double fit = 0.55;
  return {.x = 0.5 + turned_x * scale * fit,
          .y = 0.5 - tilted_y * scale * fit,
          .depth = std::clamp((tilted_z + kHalfDiagonal) / (2 * kHalfDiagonal), 0.0, 1.0)};
}

Scene BuildScene(const nlohmann::json& answer, const std::string& problem, double seconds) {
  Scene scene;
  if (!answer.is_object()) {
    scene.message = problem.empty() ? "waiting for the worker..." : problem;
    return scene;
  }
  scene.header = HeaderOf(answer);
  const nlohmann::json units = answer.value("units", nlohmann::json::array());
  const nlohmann::json view = answer.value("view", nlohmann::json());
  // The view stays the last kernel's after it finished; only a running unit is drawn.
  const bool running = units.is_array() && !units.empty() && view.is_object();
  if (running && view.value("workload", "") == "lj-md") {
    AddLjMd(view, seconds, scene);
  } else if (running && IsPrimesView(view)) {
    AddPrimes(view, scene);
  } else if (units.is_array() && !units.empty() && units[0].is_object()) {
    scene.bar = ProgressBar{std::clamp(Number(units[0], "progress"), 0.0, 1.0), "unit progress"};
  } else {
    scene.message = Text(answer, "state") == "paused" ? "paused: " + Text(answer, "pause") : "waiting for work";
  }
  if (!problem.empty()) scene.details.push_back(problem);
  return scene;
}

}  // namespace potluck::screensaver
