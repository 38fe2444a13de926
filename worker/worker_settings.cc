#include "worker_settings.h"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <functional>
#include <set>

#include "activity/schedule.h"
#include "potluck/base/quoted.h"

namespace potluck {
namespace {

// One key of the file: how to set it from a TOML value and how to show it.
struct KeyRule {
  std::string_view key;
  bool live;
  std::function<Status(WorkerSettings&, const toml::node&)> set;
  std::function<nlohmann::json(const WorkerSettings&)> get;
  // Copies the key's value between settings; set on every key a running worker does not apply.
  std::function<void(WorkerSettings& to, const WorkerSettings& from)> copy;
};

// The `copy` of a rule whose setting `field` gives.
template <class F>
auto Copier(F field) {
  return [field](WorkerSettings& to, const WorkerSettings& from) { field(to) = field(from); };
}

// Builders of rules. `field` is a generic lambda giving the setting in a WorkerSettings,
// const or not, so one accessor serves both setting and showing.

// A value as an error message shows it: text quoted, the rest as written in TOML.
std::string Shown(const toml::node& value) {
  if (value.is_string()) return Quoted(*value.value<std::string>(), 40);
  std::ostringstream out;
  value.visit([&](const auto& v) { out << v; });
  return out.str().substr(0, 40);
}

template <class F>
KeyRule Text(std::string_view key, bool live, F field) {
  return {key, live,
          [key, field](WorkerSettings& s, const toml::node& v) {
            if (!v.is_string()) return InvalidArgument(std::string(key) + ": must be a string, not " + Shown(v));
            field(s) = *v.value<std::string>();
            return Status::Ok();
          },
          [field](const WorkerSettings& s) { return nlohmann::json(field(s)); }, Copier(field)};
}

template <class F>
KeyRule Flag(std::string_view key, bool live, F field) {
  return {key, live,
          [key, field](WorkerSettings& s, const toml::node& v) {
            if (!v.is_boolean()) return InvalidArgument(std::string(key) + ": must be true or false, not " + Shown(v));
            field(s) = *v.value<bool>();
            return Status::Ok();
          },
          [field](const WorkerSettings& s) { return nlohmann::json(field(s)); }, Copier(field)};
}

template <class T, class F>
KeyRule Number(std::string_view key, bool live, F field, double lo, double hi) {
  return {key, live,
          [key, field, lo, hi](WorkerSettings& s, const toml::node& v) {
            const bool whole_only = std::is_integral_v<T>;
            std::optional<double> x = v.is_integer() ? std::optional<double>(static_cast<double>(*v.value<int64_t>()))
                                      : v.is_floating_point() && !whole_only ? v.value<double>()
                                                                             : std::nullopt;
            if (!x || !(*x >= lo && *x <= hi)) {
              return InvalidArgument(std::string(key) + ": must be " + (whole_only ? "a whole number " : "a number ") +
                                     fmt::format("from {} to {}", lo, hi) +
                                     ", not " + Shown(v));
            }
            field(s) = static_cast<T>(*x);
            return Status::Ok();
          },
          [field](const WorkerSettings& s) { return nlohmann::json(field(s)); }, Copier(field)};
}

template <class F>
KeyRule TextList(std::string_view key, bool live, F field) {
  return {key, live,
          [key, field](WorkerSettings& s, const toml::node& v) {
            const toml::array* list = v.as_array();
            if (!list || !list->is_homogeneous(toml::node_type::string)) {
              if (!list || !list->empty()) return InvalidArgument(std::string(key) + ": must be a list of strings");
            }
            std::vector<std::string> out;
            for (const auto& item : *list) out.push_back(*item.value<std::string>());
            field(s) = std::move(out);
            return Status::Ok();
          },
          [field](const WorkerSettings& s) { return nlohmann::json(field(s)); }, Copier(field)};
}

// One rule per schedule day: the whole schedule is parsed again so the error names the bad part.
KeyRule Day(std::string_view key) {
  const std::string day(key.substr(key.find('.') + 1));
  return {key, true,
          [key, day](WorkerSettings& s, const toml::node& v) {
            if (!v.is_string()) return InvalidArgument(std::string(key) + ": must be a string, not " + Shown(v));
            auto schedule = s.schedule;
            schedule[day] = *v.value<std::string>();
            if (auto parsed = activity::Schedule::Parse(schedule); !parsed.ok()) return parsed.status();
            s.schedule = std::move(schedule);
            return Status::Ok();
          },
          [day](const WorkerSettings& s) {
            auto it = s.schedule.find(day);
            return it == s.schedule.end() ? nlohmann::json(nullptr) : nlohmann::json(it->second);
          }};
}

const std::vector<KeyRule>& Rules() {
  using S = WorkerSettings;
  static const std::vector<KeyRule> rules = {
      {"data_dir", false,
       [](S& s, const toml::node& v) {
         if (!v.is_string() || v.value<std::string>()->empty()) return InvalidArgument("data_dir: must be a folder's path");
         s.data_dir = *v.value<std::string>();
         return Status::Ok();
       },
       [](const S& s) { return nlohmann::json(s.data_dir.string()); },
       Copier([](auto& s) -> auto& { return s.data_dir; })},
      Text("log_level", true, [](auto& s) -> auto& { return s.log_level; }),
      TextList("grid.bootstrap", false, [](auto& s) -> auto& { return s.grid.bootstrap; }),
      Text("grid.listen", false, [](auto& s) -> auto& { return s.grid.listen; }),
      Text("grid.advertise", false, [](auto& s) -> auto& { return s.grid.advertise; }),
      Flag("grid.lan_discovery", false, [](auto& s) -> auto& { return s.grid.lan_discovery; }),
      Text("grid.lan_beacon", false, [](auto& s) -> auto& { return s.grid.lan_beacon; }),
      Flag("grid.insecure", false, [](auto& s) -> auto& { return s.grid.insecure; }),
      Number<double>("grid.join_timeout", false, [](auto& s) -> auto& { return s.grid.join_timeout_s; }, 1, 3600),
      Number<int>("limits.cores", false, [](auto& s) -> auto& { return s.limits.cores; }, 0, 4096),
      Number<double>("limits.cpu_percent", true, [](auto& s) -> auto& { return s.limits.cpu_percent; }, 1, 100),
      Number<uint64_t>("limits.memory_mb", true, [](auto& s) -> auto& { return s.limits.memory_mb; }, 0, 1 << 30),
      Number<uint64_t>("limits.disk_mb", true, [](auto& s) -> auto& { return s.limits.disk_mb; }, 0, 1 << 30),
      Number<double>("limits.checkpoint_interval", true,
                     [](auto& s) -> auto& { return s.limits.checkpoint_interval_s; }, 0.1, 86400),
      Flag("idle.only_when_idle", true, [](auto& s) -> auto& { return s.idle.only_when_idle; }),
      Number<double>("idle.idle_minutes", true, [](auto& s) -> auto& { return s.idle.idle_minutes; }, 0, 1440),
      Number<double>("idle.suspend_above_cpu_percent", true,
                     [](auto& s) -> auto& { return s.idle.suspend_above_cpu_percent; }, 0, 100),
      Day("schedule.daily"), Day("schedule.mon"), Day("schedule.tue"), Day("schedule.wed"),
      Day("schedule.thu"), Day("schedule.fri"), Day("schedule.sat"), Day("schedule.sun"),
      Text("metrics.listen", false, [](auto& s) -> auto& { return s.metrics.listen; }),
      Text("dashboard.listen", false, [](auto& s) -> auto& { return s.dashboard.listen; }),
  };
  return rules;
}

const KeyRule* FindRule(std::string_view key) {
  for (const KeyRule& rule : Rules()) {
    if (rule.key == key) return &rule;
  }
  return nullptr;
}

Status UnknownKey(std::string_view key) {
  return InvalidArgument(Quoted(std::string(key), 60) + ": no such key (see docs/volunteer.md)");
}

// Walks the file's tables; the error of the first bad key, prefixed with its line.
Status Apply(WorkerSettings& s, const toml::table& table, const std::string& prefix, const std::string& where) {
  for (const auto& [name, value] : table) {
    const std::string key = prefix + std::string(name.str());
    const std::string at = where + ":" + std::to_string(value.source().begin.line) + ": ";
    if (const toml::table* section = value.as_table(); section && !FindRule(key)) {
      if (!prefix.empty()) return InvalidArgument(at + UnknownKey(key).message());
      if (Status st = Apply(s, *section, key + ".", where); !st.ok()) return st;
      continue;
    }
    const KeyRule* rule = FindRule(key);
    if (!rule) return InvalidArgument(at + UnknownKey(key).message());
    if (Status st = rule->set(s, value); !st.ok()) return InvalidArgument(at + st.message());
  }
  return Status::Ok();
}

}  // namespace

int WorkerSettings::CoresGiven(int hardware) const {
  if (limits.cores > 0) return std::min(limits.cores, std::max(1, hardware));
  return std::max(1, hardware - 1);
}

Result<WorkerSettings> LoadWorkerSettings(const std::filesystem::path& path) {
  const std::string where = path.filename().string();
  WorkerSettings settings;
  toml::table table;
  try {
    table = toml::parse_file(path.string());
  } catch (const toml::parse_error& e) {
    if (e.source().begin.line == 0) return IoError(path.string() + ": " + std::string(e.description()));
    return InvalidArgument(where + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": " + std::string(e.description()));
  }
  if (Status s = Apply(settings, table, "", where); !s.ok()) return s;
  return settings;
}

Status SetWorkerKey(WorkerSettings& settings, std::string_view key, std::string_view text) {
  const KeyRule* rule = FindRule(key);
  if (!rule) return UnknownKey(key);
  // Values are read as TOML would ("50", "true", "[...]"); what does not parse is plain text.
  toml::table parsed;
  try {
    parsed = toml::parse("value = " + std::string(text));
  } catch (const toml::parse_error&) {
  }
  const toml::node* value = parsed.get("value");
  const toml::value<std::string> as_text{std::string(text)};
  const bool wants_text = rule->get(settings).is_string() || rule->get(settings).is_null();
  if (!value || (wants_text && !value->is_string())) value = &as_text;
  return rule->set(settings, *value);
}

void KeepRestartKeys(WorkerSettings& next, const WorkerSettings& running) {
  for (const KeyRule& rule : Rules()) {
    if (!rule.live) rule.copy(next, running);
  }
}

bool IsLiveKey(std::string_view key) {
  const KeyRule* rule = FindRule(key);
  return rule && rule->live;
}

std::vector<std::string> ChangedKeys(const WorkerSettings& a, const WorkerSettings& b) {
  std::vector<std::string> changed;
  for (const KeyRule& rule : Rules()) {
    if (rule.get(a) != rule.get(b)) changed.emplace_back(rule.key);
  }
  return changed;
}

nlohmann::json LimitsJson(const WorkerSettings& s, int hardware_cores) {
  nlohmann::json out = {
      {"cores", s.CoresGiven(hardware_cores)},
      {"cpu_percent", s.limits.cpu_percent},
      {"memory_mb", s.limits.memory_mb},
      {"disk_mb", s.limits.disk_mb},
      {"checkpoint_interval_s", s.limits.checkpoint_interval_s},
      {"only_when_idle", s.idle.only_when_idle},
      {"idle_minutes", s.idle.idle_minutes},
      {"suspend_above_cpu_percent", s.idle.suspend_above_cpu_percent},
      {"schedule", s.schedule},
  };
  return out;
}

}  // namespace potluck
