#include "x11_renderer.h"

#include <X11/Xatom.h>
#include <X11/Xlib.h>
#include <X11/Xutil.h>
#include <poll.h>
// Xlib's `Status` macro (int) would hide potluck::Status.
#undef Status

#include <algorithm>
#include <array>
#include <chrono>
#include <string>

namespace potluck::screensaver {
namespace {

using Clock = std::chrono::steady_clock;

// Motion this soon after our window appears is the pointer settling, not the user.
constexpr auto kMotionGrace = std::chrono::milliseconds(1000);
constexpr int kDepthShades = 16;

struct Rgb {
  int r, g, b;
};

Rgb Mix(Rgb a, Rgb b, double t) {
  return {static_cast<int>(a.r + (b.r - a.r) * t), static_cast<int>(a.g + (b.g - a.g) * t),
          static_cast<int>(a.b + (b.b - a.b) * t)};
}

// One window drawn through a back buffer of its size.
class Canvas {
 public:
  Canvas(Display* display, Window window, bool own) : display_(display), window_(window), own_(own) {}
  ~Canvas();

  Status Open();
  // Handles the events waiting; true when the user is back.
  bool HandleEvents();
  void Draw(const Scene& scene);
  int fd() const { return ConnectionNumber(display_); }

 private:
  unsigned long Pixel(Rgb c);
  void Resize(int width, int height);
  void Text(int x, int y, const std::string& text, unsigned long pixel);
  void DrawParticles(const Scene& scene, int left, int top, int side);
  void DrawBar(const ProgressBar& bar, int y);

  Display* display_;
  Window window_;
  bool own_;
  Colormap colormap_ = 0;
  int depth_ = 0, width_ = 0, height_ = 0;
  Pixmap back_ = 0;
  GC gc_ = nullptr;
  XFontStruct* font_ = nullptr;
  Clock::time_point mapped_at_ = Clock::now();
  std::array<unsigned long, kDepthShades> shades_{}, highlights_{};
  unsigned long black_ = 0, text_ = 0, title_ = 0, edge_ = 0, bar_ = 0;
};

Canvas::~Canvas() {
  if (back_) XFreePixmap(display_, back_);
  if (font_) XFreeFont(display_, font_);
  if (gc_) XFreeGC(display_, gc_);
  if (own_) XDestroyWindow(display_, window_);
}

unsigned long Canvas::Pixel(Rgb c) {
  XColor colour{.pixel = 0, .red = static_cast<unsigned short>(c.r * 257), .green = static_cast<unsigned short>(c.g * 257),
                .blue = static_cast<unsigned short>(c.b * 257), .flags = DoRed | DoGreen | DoBlue, .pad = 0};
  // On a full colour map the nearest is not searched for: white is good enough to see.
  return XAllocColor(display_, colormap_, &colour) ? colour.pixel : WhitePixel(display_, DefaultScreen(display_));
}

Status Canvas::Open() {
  XWindowAttributes attributes;
  if (!XGetWindowAttributes(display_, window_, &attributes)) return NotFound("no X window 0x" + std::to_string(window_));
  colormap_ = attributes.colormap;
  depth_ = attributes.depth;
  gc_ = XCreateGC(display_, window_, 0, nullptr);
  // A bigger font on big screens, where "fixed" is hard to read from a step back.
  font_ = XLoadQueryFont(display_, attributes.width >= 1200 ? "10x20" : "fixed");
  if (!font_) font_ = XLoadQueryFont(display_, "fixed");
  if (font_) XSetFont(display_, gc_, font_->fid);
  for (int i = 0; i < kDepthShades; ++i) {
    const double far = static_cast<double>(i) / (kDepthShades - 1);
    const Rgb base = Mix({255, 236, 190}, {40, 70, 170}, far);
    shades_[i] = Pixel(base);
    highlights_[i] = Pixel(Mix(base, {255, 255, 255}, 0.6));
  }
  black_ = Pixel({0, 0, 0});
  text_ = Pixel({200, 200, 200});
  title_ = Pixel({120, 220, 120});
  edge_ = Pixel({60, 80, 120});
  bar_ = Pixel({80, 190, 90});
  XSelectInput(display_, window_,
               ExposureMask | StructureNotifyMask |
                   (own_ ? KeyPressMask | ButtonPressMask | PointerMotionMask : NoEventMask));
  if (own_) {
    XMapRaised(display_, window_);
    XSync(display_, False);
    // Keys and the pointer come to us whatever else is on the screen.
    for (int i = 0; i < 20; ++i) {
      if (XGrabKeyboard(display_, window_, True, GrabModeAsync, GrabModeAsync, CurrentTime) == GrabSuccess) break;
      struct timespec wait {0, 25'000'000};
      nanosleep(&wait, nullptr);
    }
    XGrabPointer(display_, window_, True, ButtonPressMask | PointerMotionMask, GrabModeAsync, GrabModeAsync, None,
                 None, CurrentTime);
    mapped_at_ = Clock::now();
  }
  Resize(attributes.width, attributes.height);
  return Status::Ok();
}

void Canvas::Resize(int width, int height) {
  if (width == width_ && height == height_ && back_) return;
  if (back_) XFreePixmap(display_, back_);
  width_ = std::max(width, 1);
  height_ = std::max(height, 1);
  back_ = XCreatePixmap(display_, window_, width_, height_, depth_);
}

bool Canvas::HandleEvents() {
  bool back = false;
  while (XPending(display_) > 0) {
    XEvent event;
    XNextEvent(display_, &event);
    switch (event.type) {
      case ConfigureNotify:
        Resize(event.xconfigure.width, event.xconfigure.height);
        break;
      case KeyPress:
      case ButtonPress:
        back = true;
        break;
      case MotionNotify:
        if (Clock::now() - mapped_at_ > kMotionGrace) back = true;
        break;
      default:  // Expose: the next frame, at most one frame away, redraws everything
        break;
    }
  }
  return back;
}

void Canvas::Text(int x, int y, const std::string& text, unsigned long pixel) {
  XSetForeground(display_, gc_, pixel);
  XDrawString(display_, back_, gc_, x, y, text.c_str(), static_cast<int>(text.size()));
}

void Canvas::DrawParticles(const Scene& scene, int left, int top, int side) {
  auto px = [&](double x) { return left + static_cast<int>(x * side); };
  auto py = [&](double y) { return top + static_cast<int>(y * side); };
  XSetForeground(display_, gc_, edge_);
  for (const SceneEdge& e : scene.box) XDrawLine(display_, back_, gc_, px(e.from.x), py(e.from.y), px(e.to.x), py(e.to.y));
  for (const ScenePoint& p : scene.particles) {
    const int shade = std::clamp(static_cast<int>(p.depth * kDepthShades), 0, kDepthShades - 1);
    // Nearer atoms look bigger, as through a lens.
    const int r = std::max(2, static_cast<int>(side / 40.0 * (1.3 - 0.6 * p.depth)));
    XSetForeground(display_, gc_, shades_[shade]);
    XFillArc(display_, back_, gc_, px(p.x) - r, py(p.y) - r, 2 * r, 2 * r, 0, 360 * 64);
    // A highlight up and to the left makes a disc read as a sphere.
    XSetForeground(display_, gc_, highlights_[shade]);
    XFillArc(display_, back_, gc_, px(p.x) - r / 2, py(p.y) - r / 2, r / 2 + 1, r / 2 + 1, 0, 360 * 64);
  }
}

void Canvas::DrawBar(const ProgressBar& bar, int y) {
  const int left = width_ / 10, width = width_ * 8 / 10, height = std::max(12, height_ / 20);
  XSetForeground(display_, gc_, bar_);
  XFillRectangle(display_, back_, gc_, left, y, static_cast<unsigned>(width * bar.fraction), height);
  XSetForeground(display_, gc_, text_);
  XDrawRectangle(display_, back_, gc_, left, y, width, height);
  Text(left, y + height + 20, bar.label + "  " + std::to_string(static_cast<int>(bar.fraction * 100)) + "%", text_);
}

void Canvas::Draw(const Scene& scene) {
  const int line = font_ ? font_->ascent + font_->descent + 2 : 15;
  XSetForeground(display_, gc_, black_);
  XFillRectangle(display_, back_, gc_, 0, 0, width_, height_);
  int y = line + 4;
  for (size_t i = 0; i < scene.header.size(); ++i, y += line) Text(10, y, scene.header[i], i == 0 ? title_ : text_);
  const int top = y;
  const int bottom = height_ - line * static_cast<int>(scene.details.size() + 1);
  for (size_t i = 0; i < scene.details.size(); ++i) Text(10, bottom + line * static_cast<int>(i + 1), scene.details[i], text_);
  const int rows = bottom - top;
  if (!scene.message.empty()) {
    const int width = font_ ? XTextWidth(font_, scene.message.c_str(), static_cast<int>(scene.message.size())) : 0;
    Text((width_ - width) / 2, top + rows / 2, scene.message, text_);
  } else if (!scene.particles.empty() && rows > 20) {
    const int side = std::min(rows, width_) * 9 / 10;
    DrawParticles(scene, (width_ - side) / 2, top + (rows - side) / 2, side);
  } else if (scene.bar) {
    DrawBar(*scene.bar, top + rows / 2 - 20);
  }
  XCopyArea(display_, back_, window_, gc_, 0, 0, width_, height_, 0, 0);
  XFlush(display_);
}

// Xlib's default handler ends the process on any error, such as a window id that names no
// window; the calls that can fail are checked where they are made.
int IgnoreXError(Display*, XErrorEvent*) { return 0; }

// A window over the whole screen that no window manager decorates or moves.
Window CreateFullScreenWindow(Display* display) {
  const int screen = DefaultScreen(display);
  XSetWindowAttributes attributes{};
  attributes.override_redirect = True;
  attributes.background_pixel = BlackPixel(display, screen);
  const Window window = XCreateWindow(display, RootWindow(display, screen), 0, 0, DisplayWidth(display, screen),
                                      DisplayHeight(display, screen), 0, CopyFromParent, InputOutput, CopyFromParent,
                                      CWOverrideRedirect | CWBackPixel, &attributes);
  XStoreName(display, window, "potluck-screensaver");
  // Window managers that look (override-redirect ones are left alone by most) keep it full screen.
  const Atom state = XInternAtom(display, "_NET_WM_STATE", False);
  const Atom fullscreen = XInternAtom(display, "_NET_WM_STATE_FULLSCREEN", False);
  XChangeProperty(display, window, state, XA_ATOM, 32, PropModeReplace, reinterpret_cast<const unsigned char*>(&fullscreen), 1);
  return window;
}

}  // namespace

Status RunX11(const SceneFeed& feed, const X11Target& target, const std::atomic<bool>& quit) {
  XSetErrorHandler(IgnoreXError);
  Display* display = XOpenDisplay(nullptr);
  if (!display) return Unavailable("cannot open the X display (is DISPLAY set?)");
  const bool own = !target.window && !target.root;
  const Window window = target.window ? *target.window : target.root ? DefaultRootWindow(display) : CreateFullScreenWindow(display);
  Status status = Status::Ok();
  {
    Canvas canvas(display, window, own);
    status = canvas.Open();
    const auto start = Clock::now();
    const auto frame = std::chrono::milliseconds(1000 / kFramesPerSecond);
    while (status.ok() && !quit.load()) {
      const auto began = Clock::now();
      canvas.Draw(feed(std::chrono::duration<double>(began - start).count()));
      if (canvas.HandleEvents()) break;
      const auto left = frame - std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - began);
      pollfd connection{.fd = canvas.fd(), .events = POLLIN, .revents = 0};
      if (left.count() > 0) poll(&connection, 1, static_cast<int>(left.count()));
      if (canvas.HandleEvents()) break;
    }
  }
  XCloseDisplay(display);
  return status;
}

}  // namespace potluck::screensaver
