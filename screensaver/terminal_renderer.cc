#include "terminal_renderer.h"

#include <curses.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace potluck::screensaver {
namespace {

constexpr char kShades[] = " .:-=+*#%@";
constexpr int kShadesCount = sizeof kShades - 1;

enum ColourPair : short { kFar = 1, kMiddle, kNear, kTitle, kBar };

void SetUpColours() {
  if (!has_colors()) return;
  start_color();
  use_default_colors();
  init_pair(kFar, COLOR_BLUE, -1);
  init_pair(kMiddle, COLOR_CYAN, -1);
  init_pair(kNear, COLOR_WHITE, -1);
  init_pair(kTitle, COLOR_GREEN, -1);
  init_pair(kBar, COLOR_GREEN, -1);
}

attr_t DepthAttributes(double depth) {
  if (!has_colors()) return depth < 0.34 ? A_BOLD : A_NORMAL;
  if (depth < 0.34) return COLOR_PAIR(kNear) | A_BOLD;
  return COLOR_PAIR(depth < 0.67 ? kMiddle : kFar);
}

// Writes `text` at (row, col), cut at the right edge.
void Put(int row, int col, const std::string& text, attr_t attributes = A_NORMAL) {
  if (row < 0 || row >= LINES || col >= COLS) return;
  attron(attributes);
  mvaddnstr(row, std::max(col, 0), text.c_str(), COLS - std::max(col, 0));
  attroff(attributes);
}

// The square the simulation box is drawn in: cells are about twice as tall as wide, so the
// square is 2 * side columns by side rows.
struct Square {
  int top, left, side;
  int Row(double y) const { return top + std::clamp(static_cast<int>(y * side), 0, side - 1); }
  int Col(double x) const { return left + std::clamp(static_cast<int>(x * 2 * side), 0, 2 * side - 1); }
};

void DrawBox(const Scene& scene, const Square& square) {
  for (const SceneEdge& edge : scene.box) {
    const int steps = std::max(std::abs(square.Col(edge.to.x) - square.Col(edge.from.x)),
                               std::abs(square.Row(edge.to.y) - square.Row(edge.from.y))) + 1;
    for (int i = 0; i <= steps; ++i) {
      const double t = static_cast<double>(i) / steps;
      const double x = edge.from.x + t * (edge.to.x - edge.from.x), y = edge.from.y + t * (edge.to.y - edge.from.y);
      Put(square.Row(y), square.Col(x), "'", has_colors() ? COLOR_PAIR(kFar) : A_DIM);
    }
  }
  for (const ScenePoint& p : scene.particles) {
    const int shade = 1 + static_cast<int>(std::lround((1 - p.depth) * (kShadesCount - 2)));
    Put(square.Row(p.y), square.Col(p.x), std::string(1, kShades[shade]), DepthAttributes(p.depth));
  }
}

void DrawBar(const ProgressBar& bar, int row) {
  const int width = std::max(10, COLS - 12);
  const int filled = static_cast<int>(bar.fraction * width);
  Put(row, 2, "[");
  Put(row, 3, std::string(filled, '#'), has_colors() ? COLOR_PAIR(kBar) | A_BOLD : A_BOLD);
  Put(row, 3 + filled, std::string(width - filled, '-'));
  Put(row, 3 + width, "] " + std::to_string(static_cast<int>(bar.fraction * 100)) + "%");
  Put(row + 1, 3, bar.label);
}

void Draw(const Scene& scene) {
  erase();
  const attr_t title = has_colors() ? COLOR_PAIR(kTitle) | A_BOLD : A_BOLD;
  for (size_t i = 0; i < scene.header.size(); ++i) Put(static_cast<int>(i), 1, scene.header[i], i == 0 ? title : A_NORMAL);
  const int top = static_cast<int>(scene.header.size()) + 1;
  const int hint_row = LINES - 1;
  const int details_top = hint_row - static_cast<int>(scene.details.size());
  for (size_t i = 0; i < scene.details.size(); ++i) Put(details_top + static_cast<int>(i), 1, scene.details[i]);
  Put(hint_row, 1, "potluck-screensaver: any key stops computing and returns", A_DIM);
  const int rows = details_top - top - 1;
  if (!scene.message.empty()) {
    Put(top + rows / 2, std::max(1, (COLS - static_cast<int>(scene.message.size())) / 2), scene.message, A_BOLD);
  } else if (!scene.particles.empty() && rows > 2) {
    const int side = std::min(rows, COLS / 2);
    DrawBox(scene, Square{.top = top + (rows - side) / 2, .left = (COLS - 2 * side) / 2, .side = side});
  } else if (scene.bar) {
    DrawBar(*scene.bar, top + rows / 2 - 1);
  }
  refresh();
}

}  // namespace

Status RunTerminal(const SceneFeed& feed, const std::atomic<bool>& quit) {
  if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
    return InvalidArgument("--terminal needs a terminal on stdin and stdout");
  }
  SCREEN* screen = newterm(nullptr, stdout, stdin);
  if (!screen) return InvalidArgument("cannot drive this terminal (is TERM set?)");
  cbreak();
  noecho();
  keypad(stdscr, TRUE);
  curs_set(0);
  SetUpColours();
  // getch waits at most one frame, so a key is seen within a frame.
  timeout(1000 / kFramesPerSecond);
  const auto start = std::chrono::steady_clock::now();
  while (!quit.load()) {
    Draw(feed(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()));
    const int key = getch();
    // ncurses turns SIGWINCH into KEY_RESIZE and resizes its screen itself.
    if (key != ERR && key != KEY_RESIZE) break;
  }
  endwin();
  delscreen(screen);
  return Status::Ok();
}

}  // namespace potluck::screensaver
