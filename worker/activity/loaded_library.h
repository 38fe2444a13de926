// A shared library loaded with dlopen when first needed, so that the worker neither links it
// nor keeps its pages where it is not used.
#pragma once

#include <dlfcn.h>

#include <memory>
#include <string>
#include <type_traits>

#include "potluck/base/status.h"

namespace potluck::activity {

class LoadedLibrary {
 public:
  // `name` is the library's run-time name (e.g. "libX11.so.6"), which exists without its -dev
  // package. Unavailable, with dlerror's reason, when it cannot be loaded.
  static Result<std::unique_ptr<LoadedLibrary>> Load(const char* name) {
    void* handle = dlopen(name, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return Unavailable(std::string("cannot load ") + name + ": " + dlerror());
    return std::unique_ptr<LoadedLibrary>(new LoadedLibrary(handle));
  }
  ~LoadedLibrary() { dlclose(handle_); }
  LoadedLibrary(const LoadedLibrary&) = delete;
  LoadedLibrary& operator=(const LoadedLibrary&) = delete;

  // Sets `function` to the library's function `name`; false, leaving it null, when there is none.
  template <typename Function>
  bool Find(const char* name, Function& function) const {
    static_assert(std::is_pointer_v<Function>);
    function = reinterpret_cast<Function>(dlsym(handle_, name));
    return function != nullptr;
  }

 private:
  explicit LoadedLibrary(void* handle) : handle_(handle) {}
  void* handle_;
};

}  // namespace potluck::activity
