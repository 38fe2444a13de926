#include "activity/cpu_share.h"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <string_view>
#include <utility>
#include <vector>

#include "potluck/base/quoted.h"

namespace potluck::activity {
namespace {

// Both first lines are a few hundred bytes; anything longer is not what we expect.
constexpr size_t kLineBytesMax = 4096;

Result<std::string> ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  if (!in) return IoError("cannot read " + path);
  std::string line;
  char c;
  while (line.size() < kLineBytesMax && in.get(c) && c != '\n') line += c;
  return line;
}

// The whitespace-separated unsigned numbers of `text`, stopping at the first word that is not one.
std::vector<uint64_t> Numbers(std::string_view text) {
  std::vector<uint64_t> numbers;
  while (true) {
    const size_t start = text.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    uint64_t value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || (end != text.data() + text.size() && *end != ' ')) break;
    numbers.push_back(value);
    text.remove_prefix(static_cast<size_t>(end - text.data()));
  }
  return numbers;
}

// "cpu  user nice system idle iowait irq softirq steal guest guest_nice": guest time is already
// counted in user and nice, so it is left out of the total.
Status ParseMachine(const std::string& path, std::string_view line, CpuTicks& ticks) {
  constexpr std::string_view kPrefix = "cpu ";
  if (!line.starts_with(kPrefix)) return Corrupt(path + ": first line is not the cpu total: " + Quoted(line));
  std::vector<uint64_t> n = Numbers(line.substr(kPrefix.size()));
  if (n.size() < 4) return Corrupt(path + ": too few numbers in " + Quoted(line));
  n.resize(8, 0);  // older kernels give fewer columns; the later ones are left out
  const uint64_t idle = n[3] + n[4];
  ticks.machine_busy = n[0] + n[1] + n[2] + n[5] + n[6] + n[7];
  ticks.machine_total = ticks.machine_busy + idle;
  return Status::Ok();
}

// "pid (comm) state ppid ... utime stime ...": comm may hold spaces and parentheses, so fields
// are counted from the last ')'. utime and stime are fields 14 and 15 and cover all threads.
// Some fields before them may be negative (tpgid is -1 without a terminal), so only the two
// are read as numbers.
Status ParseOwn(const std::string& path, std::string_view line, CpuTicks& ticks) {
  const size_t paren = line.rfind(')');
  if (paren == std::string_view::npos) return Corrupt(path + ": no command name in " + Quoted(line));
  std::vector<std::string_view> fields;  // from field 3 on
  std::string_view rest = line.substr(paren + 1);
  while (fields.size() < 13) {
    const size_t start = rest.find_first_not_of(' ');
    if (start == std::string_view::npos) break;
    rest.remove_prefix(start);
    const size_t end = std::min(rest.find(' '), rest.size());
    fields.push_back(rest.substr(0, end));
    rest.remove_prefix(end);
  }
  constexpr size_t kUtime = 14 - 3, kStime = 15 - 3;
  if (fields.size() <= kStime) return Corrupt(path + ": too few fields after the command name");
  const std::vector<uint64_t> utime = Numbers(fields[kUtime]), stime = Numbers(fields[kStime]);
  if (utime.size() != 1 || stime.size() != 1) {
    return Corrupt(path + ": utime and stime are not numbers: " + Quoted(fields[kUtime]) + " " +
                   Quoted(fields[kStime]));
  }
  ticks.own = utime[0] + stime[0];
  return Status::Ok();
}

}  // namespace

Result<CpuTicks> ReadCpuTicks(const std::string& proc_root) {
  CpuTicks ticks;
  const std::string machine_path = proc_root + "/stat";
  auto machine = ReadFirstLine(machine_path);
  if (!machine.ok()) return machine.status();
  if (Status s = ParseMachine(machine_path, *machine, ticks); !s.ok()) return s;

  const std::string own_path = proc_root + "/self/stat";
  auto own = ReadFirstLine(own_path);
  if (!own.ok()) return own.status();
  if (Status s = ParseOwn(own_path, *own, ticks); !s.ok()) return s;
  return ticks;
}

OtherCpuShare::OtherCpuShare(std::string proc_root) : proc_root_(std::move(proc_root)) {}

Result<std::optional<double>> OtherCpuShare::Sample() {
  auto now = ReadCpuTicks(proc_root_);
  if (!now.ok()) return now.status();
  const std::optional<CpuTicks> before = std::exchange(previous_, *now);
  if (!before || now->machine_total <= before->machine_total) return std::optional<double>();

  // Counters only grow, but the machine and the process are sampled at slightly different
  // moments, so the difference may come out a tick or two below zero: clamp to 0..1.
  const double total = static_cast<double>(now->machine_total - before->machine_total);
  const double busy = static_cast<double>(now->machine_busy) - static_cast<double>(before->machine_busy);
  const double own = static_cast<double>(now->own) - static_cast<double>(before->own);
  return std::optional<double>(std::clamp((busy - own) / total, 0.0, 1.0));
}

}  // namespace potluck::activity
