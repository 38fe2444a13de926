// The screensaver's picture from the worker's `view` answer, without a screen.
#include "scene.h"

#include <gtest/gtest.h>

namespace potluck::screensaver {
namespace {

nlohmann::json Answer(nlohmann::json view, double progress = 0.25) {
  return {{"ok", true},
          {"state", "computing"},
          {"units", {{{"project", "9f8e7d6c5b4a3f2e1d0c"}, {"index", 17}, {"workload", "lj-md"}, {"progress", progress},
                      {"eta_s", 70.0}}}},
          {"units_computed", 12},
          {"cpu_seconds_given", 340.0},
          {"peers", 5},
          {"view", std::move(view)}};
}

nlohmann::json LjMdView() {
  return {{"workload", "lj-md"},
          {"step", 200},
          {"steps", 1000},
          {"atoms", 864},
          {"positions", {{0.1, 0.2, 0.3}, {0.9, 0.5, 0.1}, {0.5, 0.5, 0.9}}},
          {"thermo", {{"step", 200}, {"temperature", 1.5}, {"potential_energy", -5.25}, {"pressure", 0.75}}}};
}

TEST(SceneTest, ProjectionKeepsTheTurningBoxInsideTheSquare) {
  for (double angle = 0; angle < 7; angle += 0.1) {
    for (int corner = 0; corner < 8; ++corner) {
      const ScenePoint p = Project(corner & 1, (corner >> 1) & 1, (corner >> 2) & 1, angle);
      EXPECT_GE(p.x, 0);
      EXPECT_LE(p.x, 1);
      EXPECT_GE(p.y, 0);
      EXPECT_LE(p.y, 1);
      EXPECT_GE(p.depth, 0);
      EXPECT_LE(p.depth, 1);
    }
  }
  // Unturned, the front face (z = 0) is nearer than the back one, and y = 1 is drawn higher.
  EXPECT_LT(Project(0.5, 0.5, 0, 0).depth, Project(0.5, 0.5, 1, 0).depth);
  EXPECT_LT(Project(0.5, 1, 0.5, 0).y, Project(0.5, 0, 0.5, 0).y);
}

TEST(SceneTest, LjMdViewGivesParticlesFarToNearTheBoxAndTheThermoRow) {
  const Scene scene = BuildScene(Answer(LjMdView()), "", 0);
  ASSERT_EQ(scene.particles.size(), 3u);
  EXPECT_GE(scene.particles[0].depth, scene.particles[1].depth);
  EXPECT_GE(scene.particles[1].depth, scene.particles[2].depth);
  EXPECT_EQ(scene.box.size(), 12u);
  EXPECT_FALSE(scene.bar);
  ASSERT_EQ(scene.header.size(), 2u);
  EXPECT_EQ(scene.header[0], "potluck  computing  project 9f8e7d6c5b4a  unit #17  lj-md  25.0%  eta 1:10");
  EXPECT_EQ(scene.header[1], "peers 5  this machine: 12 units computed, 340 CPU s given");
  ASSERT_EQ(scene.details.size(), 1u);
  EXPECT_EQ(scene.details[0], "lj-md  step 200 of 1000  864 atoms (3 shown)  T 1.500  PE -5.250  P 0.750");
}

TEST(SceneTest, TheBoxTurnsWithTime) {
  const Scene now = BuildScene(Answer(LjMdView()), "", 0);
  const Scene later = BuildScene(Answer(LjMdView()), "", 1);
  EXPECT_NE(now.box[0].to.x, later.box[0].to.x);
}

TEST(SceneTest, PrimesViewGivesTheSieveBarAndTheLargestGap) {
  nlohmann::json view = {{"range", {1000, 2000}}, {"position", 1250}, {"primes", 40}, {"twins", 6},
                         {"largest_gap", {{"length", 20}, {"from", 1129}, {"to", 1149}}}};
  const Scene scene = BuildScene(Answer(view), "", 0);
  ASSERT_TRUE(scene.bar);
  EXPECT_DOUBLE_EQ(scene.bar->fraction, 0.25);
  EXPECT_EQ(scene.bar->label, "sieved 1,250 of [1,000, 2,000)");
  EXPECT_TRUE(scene.particles.empty());
  EXPECT_EQ(scene.details, (std::vector<std::string>{"primes 40  twin pairs 6", "largest gap so far: 20 between 1,129 and 1,149"}));
  view["largest_gap"] = nullptr;
  EXPECT_EQ(BuildScene(Answer(view), "", 0).details.back(), "largest gap so far: none yet");
}

TEST(SceneTest, CreditIsInTheHeaderWhenTheWorkerGivesIt) {
  nlohmann::json answer = Answer(LjMdView());
  answer["credit"] = {{"units_verified", 9}, {"cpu_seconds_verified", 7200.0}, {"units_pending", 2}};
  EXPECT_EQ(BuildScene(answer, "", 0).header[1],
            "peers 5  this machine: 12 units computed, 340 CPU s given  credit: 9 units verified, 2.00 core-hours, 2 "
            "awaiting a verdict");
}

TEST(SceneTest, WithoutAUnitOrAnAnswerItSaysWhy) {
  EXPECT_EQ(BuildScene(nullptr, "no worker runs", 0).message, "no worker runs");
  nlohmann::json waiting = Answer(nullptr);
  waiting["units"] = nlohmann::json::array();
  waiting["state"] = "waiting for work";
  const Scene scene = BuildScene(waiting, "", 0);
  EXPECT_EQ(scene.message, "waiting for work");
  EXPECT_EQ(scene.header[0], "potluck  waiting for work");
  // A unit of a workload without a picture still shows its progress.
  const Scene other = BuildScene(Answer({{"workload", "other"}}, 0.5), "", 0);
  ASSERT_TRUE(other.bar);
  EXPECT_DOUBLE_EQ(other.bar->fraction, 0.5);
}

}  // namespace
}  // namespace potluck::screensaver
