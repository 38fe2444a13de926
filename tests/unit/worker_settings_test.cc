// The volunteer's settings: the TOML file over the defaults, values typed at the command line
// or through `potluck worker set`, and errors that name the file's line and the key.
#include "worker_settings.h"

#include <gtest/gtest.h>

#include <fstream>

#include "integration/process.h"

namespace potluck {
namespace {

Result<WorkerSettings> Load(const std::string& text) {
  testing::TempDir dir;
  const auto path = dir.path() / "worker.toml";
  std::ofstream(path) << text;
  return LoadWorkerSettings(path);
}

TEST(WorkerSettingsTest, FileSetsEveryKindOfKeyOverTheDefaults) {
  auto s = Load(R"(
data_dir = "/srv/potluck"
[grid]
bootstrap = ["tcp://10.0.0.1:7400#abc"]
lan_discovery = true
[limits]
cores = 3
cpu_percent = 50
memory_mb = 2048
checkpoint_interval = 30.5
[idle]
only_when_idle = true
idle_minutes = 5
[schedule]
daily = "18:00-08:00"
sat = "all"
)");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->data_dir, "/srv/potluck");
  EXPECT_EQ(s->grid.bootstrap, std::vector<std::string>{"tcp://10.0.0.1:7400#abc"});
  EXPECT_TRUE(s->grid.lan_discovery);
  EXPECT_EQ(s->limits.cores, 3);
  EXPECT_EQ(s->limits.cpu_percent, 50);
  EXPECT_EQ(s->limits.memory_mb, 2048u);
  EXPECT_EQ(s->limits.checkpoint_interval_s, 30.5);
  EXPECT_TRUE(s->idle.only_when_idle);
  EXPECT_EQ(s->idle.idle_minutes, 5);
  EXPECT_EQ(s->schedule.at("daily"), "18:00-08:00");
  EXPECT_EQ(s->schedule.at("sat"), "all");
  // What the file leaves out keeps its default.
  EXPECT_EQ(s->limits.disk_mb, 0u);
  EXPECT_EQ(s->grid.listen, WorkerSettings{}.grid.listen);
}

TEST(WorkerSettingsTest, ErrorsNameTheLineAndTheKey) {
  auto range = Load("[limits]\n\ncpu_percent = 150\n");
  ASSERT_FALSE(range.ok());
  EXPECT_EQ(range.status().message(), "worker.toml:3: limits.cpu_percent: must be a number from 1 to 100, not 150");
  auto type = Load("[idle]\nonly_when_idle = \"yes\"\n");
  ASSERT_FALSE(type.ok());
  EXPECT_EQ(type.status().message(), "worker.toml:2: idle.only_when_idle: must be true or false, not 'yes'");
  auto unknown = Load("[limits]\ncpus = 2\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("worker.toml:2: 'limits.cpus': no such key"), std::string::npos)
      << unknown.status().message();
  auto whole = Load("[limits]\ncores = 1.5\n");
  ASSERT_FALSE(whole.ok());
  EXPECT_NE(whole.status().message().find("limits.cores: must be a whole number"), std::string::npos);
  auto syntax = Load("[limits\ncores = 1\n");
  ASSERT_FALSE(syntax.ok());
  EXPECT_EQ(syntax.status().message().rfind("worker.toml:1:", 0), 0u) << syntax.status().message();
  for (const auto& bad : {range, type, unknown, whole, syntax}) {
    EXPECT_EQ(bad.status().message().find('\n'), std::string::npos);
  }
}

TEST(WorkerSettingsTest, ValuesTypedAsTextAreReadAsTheKeyWants) {
  WorkerSettings s;
  EXPECT_TRUE(SetWorkerKey(s, "limits.cpu_percent", "40").ok());
  EXPECT_EQ(s.limits.cpu_percent, 40);
  EXPECT_TRUE(SetWorkerKey(s, "idle.only_when_idle", "true").ok());
  EXPECT_TRUE(s.idle.only_when_idle);
  EXPECT_TRUE(SetWorkerKey(s, "log_level", "debug").ok());
  EXPECT_EQ(s.log_level, "debug");
  // Text that TOML would read as a number stays text for a text key.
  EXPECT_TRUE(SetWorkerKey(s, "grid.advertise", "42").ok());
  EXPECT_EQ(s.grid.advertise, "42");
  EXPECT_TRUE(SetWorkerKey(s, "grid.bootstrap", R"(["a", "b"])").ok());
  EXPECT_EQ(s.grid.bootstrap, (std::vector<std::string>{"a", "b"}));

  Status bad = SetWorkerKey(s, "limits.cpu_percent", "lots");
  EXPECT_EQ(bad.message(), "limits.cpu_percent: must be a number from 1 to 100, not 'lots'");
  EXPECT_EQ(s.limits.cpu_percent, 40);  // unchanged
  EXPECT_FALSE(SetWorkerKey(s, "limits.nothing", "1").ok());
}

TEST(WorkerSettingsTest, LiveKeysAndChanges) {
  EXPECT_TRUE(IsLiveKey("limits.cpu_percent"));
  EXPECT_TRUE(IsLiveKey("schedule.mon"));
  EXPECT_FALSE(IsLiveKey("grid.listen"));
  EXPECT_FALSE(IsLiveKey("limits.cores"));
  WorkerSettings a, b;
  b.limits.cpu_percent = 30;
  b.schedule["sun"] = "none";
  EXPECT_EQ(ChangedKeys(a, b), (std::vector<std::string>{"limits.cpu_percent", "schedule.sun"}));
}

TEST(WorkerSettingsTest, CoresDefaultToAllButOne) {
  WorkerSettings s;
  EXPECT_EQ(s.CoresGiven(8), 7);
  EXPECT_EQ(s.CoresGiven(1), 1);
  s.limits.cores = 2;
  EXPECT_EQ(s.CoresGiven(8), 2);
}

}  // namespace
}  // namespace potluck
