// Idle time from an X server's MIT-SCREEN-SAVER extension (XScreenSaverQueryInfo).
//
// libX11 and libXss are loaded with dlopen when a source is opened, so the worker has no link
// dependency on X11: on a headless machine the libraries are simply absent and the source
// unavailable.
//
// Xlib ends the process when a display's connection breaks. Opening a source therefore replaces
// Xlib's default, process-wide I/O error handler with one that returns (a handler the program
// set itself is left in place), and sets a per-display exit handler that returns too, so that a
// lost X server only makes this source unable to tell.
#pragma once

#include <memory>
#include <string>

#include "activity/idle_source.h"
#include "potluck/base/status.h"

namespace potluck::activity {

class X11IdleSource final : public IdleSource {
 public:
  // Connects to `display` (e.g. ":0"). Unavailable when the libraries cannot be loaded, the
  // display does not answer, or it has no screen saver extension.
  static Result<std::unique_ptr<X11IdleSource>> Open(const std::string& display);
  ~X11IdleSource() override;

  std::string Describe() const override;
  // When the X server goes away, the source gives none and tries to reconnect now and then:
  // the user may log in again on the same display.
  std::optional<IdleDuration> IdleTime(IdleClock::time_point now) override;

 private:
  struct Library;     // the loaded libraries and the functions we call
  struct Connection;  // one open display

  X11IdleSource(std::string display, std::unique_ptr<Library> library, std::unique_ptr<Connection> connection);

  std::string display_name_;
  std::unique_ptr<Library> library_;
  std::unique_ptr<Connection> connection_;  // null while the display is gone
  IdleClock::time_point last_connect_attempt_{};
};

}  // namespace potluck::activity
