#include "activity/x11_idle_source.h"

#include <utility>

#include "activity/loaded_library.h"
#include "potluck/base/quoted.h"

// Only the types and prototypes come from the X headers; the functions are looked up with dlsym.
// Xlib defines Status as a macro, which would hide potluck::Status below.
#include <X11/Xlib.h>
#include <X11/extensions/scrnsaver.h>
#undef Status

namespace potluck::activity {
namespace {

// How often a source whose display went away tries to connect again.
constexpr auto kReconnectInterval = std::chrono::seconds(10);

// Xlib's default handling of a broken connection ends the process, twice over: the process-wide
// I/O error handler calls exit(), and so does each display's exit handler after it. These two
// return instead, which leaves the display marked broken: the query that met the error fails
// and the source drops the connection.
int ReturnOnIoError(Display*) { return 0; }
void KeepRunningOnIoError(Display*, void*) {}

}  // namespace

struct X11IdleSource::Library {
  std::unique_ptr<LoadedLibrary> x11, xss;
  decltype(&XOpenDisplay) open_display = nullptr;
  decltype(&XCloseDisplay) close_display = nullptr;
  decltype(&XDefaultRootWindow) default_root_window = nullptr;
  decltype(&XFree) free = nullptr;
  decltype(&XSetIOErrorHandler) set_io_error_handler = nullptr;
  decltype(&XSetIOErrorExitHandler) set_io_error_exit_handler = nullptr;
  XIOErrorHandler default_io_error_handler = nullptr;  // Xlib's own, which exits
  decltype(&XScreenSaverQueryExtension) query_extension = nullptr;
  decltype(&XScreenSaverAllocInfo) alloc_info = nullptr;
  decltype(&XScreenSaverQueryInfo) query_info = nullptr;

  static Result<std::unique_ptr<Library>> Load() {
    auto library = std::make_unique<Library>();
    auto x11 = LoadedLibrary::Load("libX11.so.6");
    if (!x11.ok()) return Unavailable("x11: " + x11.status().message());
    auto xss = LoadedLibrary::Load("libXss.so.1");
    if (!xss.ok()) return Unavailable("x11: " + xss.status().message());
    library->x11 = std::move(x11.value());
    library->xss = std::move(xss.value());

    const LoadedLibrary& x = *library->x11;
    const LoadedLibrary& s = *library->xss;
    bool found = x.Find("XOpenDisplay", library->open_display) & x.Find("XCloseDisplay", library->close_display) &
                 x.Find("XDefaultRootWindow", library->default_root_window) & x.Find("XFree", library->free) &
                 x.Find("XSetIOErrorHandler", library->set_io_error_handler) &
                 s.Find("XScreenSaverQueryExtension", library->query_extension) &
                 s.Find("XScreenSaverAllocInfo", library->alloc_info) &
                 s.Find("XScreenSaverQueryInfo", library->query_info);
    if (!found) return Unavailable("x11: libX11 or libXss lacks a function we need");
    // Without it (libX11 before 1.7), a lost X server would end the whole worker.
    if (!x.Find("XSetIOErrorExitHandler", library->set_io_error_exit_handler)) {
      return Unavailable("x11: libX11 is older than 1.7 and would end the worker when the display closes");
    }
    // Internal to Xlib and so looked up without failing: without it, ours is always kept.
    x.Find("_XDefaultIOError", library->default_io_error_handler);
    library->KeepRunningWhenADisplayBreaks();
    return library;
  }

  // Replaces Xlib's default I/O error handler, which is process-wide, with one that returns. A
  // handler the program installed itself is put back: it knows what it wants.
  void KeepRunningWhenADisplayBreaks() const {
    const XIOErrorHandler previous = set_io_error_handler(ReturnOnIoError);
    const bool own_handler = default_io_error_handler && previous != default_io_error_handler;
    if (own_handler && previous != ReturnOnIoError) set_io_error_handler(previous);
  }
};

struct X11IdleSource::Connection {
  const Library* library = nullptr;
  Display* display = nullptr;
  XScreenSaverInfo* info = nullptr;

  ~Connection() {
    if (info) library->free(info);
    if (display) library->close_display(display);
  }

  static Result<std::unique_ptr<Connection>> Open(const Library& library, const std::string& name) {
    auto connection = std::make_unique<Connection>();
    connection->library = &library;
    connection->display = library.open_display(name.c_str());
    if (!connection->display) return Unavailable("x11: cannot open display " + Quoted(name));
    library.set_io_error_exit_handler(connection->display, KeepRunningOnIoError, nullptr);
    int event_base = 0, error_base = 0;
    if (!library.query_extension(connection->display, &event_base, &error_base)) {
      return Unavailable("x11: display " + Quoted(name) + " has no screen saver extension");
    }
    connection->info = library.alloc_info();
    if (!connection->info) return Unavailable("x11: out of memory");
    return connection;
  }

  std::optional<IdleDuration> Query() {
    Window root = library->default_root_window(display);
    if (!library->query_info(display, root, info)) return std::nullopt;
    return IdleDuration(info->idle);
  }
};

Result<std::unique_ptr<X11IdleSource>> X11IdleSource::Open(const std::string& display) {
  auto library = Library::Load();
  if (!library.ok()) return library.status();
  auto connection = Connection::Open(**library, display);
  if (!connection.ok()) return connection.status();
  return std::unique_ptr<X11IdleSource>(
      new X11IdleSource(display, std::move(*library), std::move(*connection)));
}

X11IdleSource::X11IdleSource(std::string display, std::unique_ptr<Library> library,
                             std::unique_ptr<Connection> connection)
    : display_name_(std::move(display)), library_(std::move(library)), connection_(std::move(connection)) {}

X11IdleSource::~X11IdleSource() = default;

std::string X11IdleSource::Describe() const { return "x11 " + display_name_; }

std::optional<IdleDuration> X11IdleSource::IdleTime(IdleClock::time_point now) {
  if (!connection_) {
    if (now - last_connect_attempt_ < kReconnectInterval) return std::nullopt;
    last_connect_attempt_ = now;
    auto connection = Connection::Open(*library_, display_name_);
    if (!connection.ok()) return std::nullopt;
    connection_ = std::move(*connection);
  }
  std::optional<IdleDuration> idle = connection_->Query();
  if (!idle) {
    connection_.reset();
    last_connect_attempt_ = now;
  }
  return idle;
}

}  // namespace potluck::activity
