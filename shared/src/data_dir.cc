#include "potluck/app/data_dir.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace potluck {

Status PrepareDataDir(const std::filesystem::path& dir) {
  if (dir.empty()) return InvalidArgument("--data: a folder is required");
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("--data " + dir.string() + ": " + ec.message());
  if (!std::filesystem::is_directory(dir)) return InvalidArgument("--data " + dir.string() + ": not a folder");
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  if (access(dir.c_str(), W_OK) != 0) return IoError("--data " + dir.string() + ": not writable");
  return Status::Ok();
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view content) {
  const std::string tmp = path.string() + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(tmp + ": " + std::strerror(errno));
  bool ok = write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) && fsync(fd) == 0;
  close(fd);
  if (!ok || rename(tmp.c_str(), path.c_str()) != 0) return IoError(path.string() + ": " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace potluck
