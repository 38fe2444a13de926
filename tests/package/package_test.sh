#!/usr/bin/env bash
# Builds the Debian package with cpack into a scratch folder and checks it: control fields,
# contents, the conffile, the programs run from an unpacked copy, the maintainer scripts parse,
# the default config is valid TOML with every key, and systemd accepts the unit files.
# Usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$1
scratch=$(mktemp -d "${TMPDIR:-/tmp}/potluck-package.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
# Every line of $2 must occur in $1.
expect_lines() {
  local text=$1 line
  while IFS= read -r line; do
    grep -qxF -- "$line" <<<"$text" || fail "missing '$line' in:"$'\n'"$text"
  done <<<"$2"
}

echo "== cpack"
cpack --config "$build/CPackConfig.cmake" -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1 \
  || { cat "$scratch/cpack.log"; fail "cpack failed"; }
debs=("$scratch"/out/*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one .deb in $scratch/out: ${debs[*]}"
deb=${debs[0]}
echo "built $(basename "$deb")"

echo "== control"
fields=$(dpkg-deb -f "$deb" Package Version Architecture)
expect_lines "$fields" "Package: potluck"$'\n'"Version: $(cd "$build" && sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' CMakeCache.txt)"
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
# Computed by dpkg-shlibdeps from what the programs link, plus adduser for the scripts.
depends_names=$(tr ',|' '\n' <<<"$depends" | awk '{print $1}')
for package in libc6 libzmq5 libsodium23 libsqlite3-0 libtbb12 libevent-extra-2.1-7 adduser; do
  grep -qxF "$package" <<<"$depends_names" || fail "Depends lacks $package"
done
info=$(dpkg-deb -I "$deb")
for script in postinst prerm postrm conffiles; do
  grep -qE "^ +[0-9]+ bytes, +[0-9]+ lines +\*? *$script" <<<"$info" || fail "no $script in the control archive"
done
dpkg-deb -e "$deb" "$scratch/control"
expect_lines "$(cat "$scratch/control/conffiles")" "/etc/potluck/worker.toml"
for script in postinst prerm postrm; do
  [[ -x $scratch/control/$script ]] || fail "$script is not executable"
  sh -n "$scratch/control/$script" || fail "$script does not parse"
done

echo "== contents"
contents=$(dpkg-deb -c "$deb" | awk '{print $NF}')
expect_lines "$contents" "./usr/bin/potluck
./usr/bin/potluck-worker
./usr/bin/potluck-coordinator
./usr/bin/potluck-screensaver
./usr/lib/systemd/system/potluck-worker.service
./usr/lib/systemd/system/potluck-coordinator.service
./etc/potluck/worker.toml"
if grep -q saboteur <<<"$contents"; then fail "the test-only saboteur is packaged"; fi

echo "== programs from the unpacked package"
root=$scratch/root
dpkg-deb -x "$deb" "$root"
for program in potluck potluck-worker potluck-coordinator potluck-screensaver; do
  version=$("$root/usr/bin/$program" --version) || fail "$program --version failed"
  echo "$version"
  [[ $version == "$program "* ]] || fail "$program --version printed '$version'"
done

echo "== worker.toml"
# Uncommenting every key gives the whole schema: each key is there, once, with a valid value.
python3 - "$root/etc/potluck/worker.toml" <<'PY'
import re, sys, tomllib
text = open(sys.argv[1]).read()
active = tomllib.loads(text)
assert active == {"data_dir": "/var/lib/potluck-worker", "grid": {"listen": "tcp://0.0.0.0:7401"}, "limits": {}, "idle": {},
                  "schedule": {}, "metrics": {}, "dashboard": {}}, active
full = tomllib.loads(re.sub(r"(?m)^#([a-z_]+ = )", r"\1", text))
expected = {
    "": {"data_dir", "log_level"},
    "grid": {"bootstrap", "listen", "advertise", "lan_discovery", "lan_beacon", "insecure", "join_timeout"},
    "limits": {"cores", "cpu_percent", "memory_mb", "disk_mb", "checkpoint_interval"},
    "idle": {"only_when_idle", "idle_minutes", "suspend_above_cpu_percent"},
    "schedule": {"daily", "mon", "tue", "wed", "thu", "fri", "sat", "sun"},
    "metrics": {"listen"},
    "dashboard": {"listen"},
}
top = {k for k, v in full.items() if not isinstance(v, dict)}
assert top == expected[""], top
for table, keys in expected.items():
    if table:
        assert set(full[table]) == keys, (table, set(full[table]))
print("every key present")
PY

echo "== worker.toml read by the worker itself"
"$root/usr/bin/potluck-worker" --config "$root/etc/potluck/worker.toml" --check-config ||
  fail "the worker refuses its packaged config"
sed -E 's/^#([a-z_]+ = )/\1/' "$root/etc/potluck/worker.toml" >"$scratch/every-key.toml"
"$root/usr/bin/potluck-worker" --config "$scratch/every-key.toml" --check-config ||
  fail "the worker refuses the packaged config with every key uncommented"

echo "== systemd-analyze verify"
# verify insists that ExecStart= names an existing program, and this machine has not installed
# the package: point the units at the unpacked copy instead. Whether systemd-analyze works in
# this container at all is tried first on a unit that is known to be good.
if ! command -v systemd-analyze >/dev/null; then
  echo "SKIPPED: systemd-analyze is not installed"
  exit 0
fi
mkdir "$scratch/units"
printf '[Service]\nExecStart=/bin/true\n' >"$scratch/units/probe.service"
if ! probe=$(systemd-analyze verify "$scratch/units/probe.service" 2>&1) || [[ -n $probe ]]; then
  echo "SKIPPED: systemd-analyze cannot verify units here: $probe"
  exit 0
fi
for unit in potluck-worker.service potluck-coordinator.service; do
  sed "s#/usr/bin/#$root/usr/bin/#g" "$root/usr/lib/systemd/system/$unit" >"$scratch/units/$unit"
  out=$(systemd-analyze verify "$scratch/units/$unit" 2>&1) || fail "systemd-analyze verify $unit: $out"
  # Unknown or misspelt settings are only warnings; they fail this test.
  [[ -z $out ]] || fail "systemd-analyze verify $unit warned: $out"
  echo "$unit verified"
done
echo "PASS"
