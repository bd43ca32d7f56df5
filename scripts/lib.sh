# Shared helpers of the README's commands (scripts/demo, scripts/test). Source it, don't run it.

# Debian packages to build the workspace: a C linker and headers, and GTK/WebKitGTK for the kiosk.
BUILD_PACKAGES="gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev"
# What the kiosk's window tests need: a virtual X server, input injection and screenshots.
WINDOW_TEST_PACKAGES="xvfb xauth xdotool xclip x11-utils imagemagick fonts-dejavu-core"

# The dashboard's end-to-end test drives Debian's headless Chromium through chromedriver.
BROWSER_TEST_PACKAGES="chromium chromium-driver"

# A real IPP printer for the tests (CUPS's ippeveprinter), which needs Avahi (DNS-SD) on a D-Bus
# system bus even on loopback.
PRINTER_TEST_PACKAGES="cups-ipp-utils avahi-daemon dbus"
# openssl makes the certificates of the HTTPS tests (a city authority, the server's certificate)
# and reads the test printer's.
TLS_TEST_PACKAGES="openssl"
# SANE's scanimage; its `test` backend is the scanner of the tests.
SCANNER_TEST_PACKAGES="sane-utils"
# systemd-analyze checks the units in deploy/systemd.
UNIT_TEST_PACKAGES="systemd"

# Starts the D-Bus system bus and Avahi if they are not running (as root), for ippeveprinter.
# Stop what was started here with stop_printer_services.
start_printer_services() {
  STARTED_DBUS=false
  STARTED_AVAHI=false
  ROOT=()
  [ "$(id -u)" -eq 0 ] || ROOT=(sudo)
  if ! pgrep -x dbus-daemon >/dev/null; then
    "${ROOT[@]}" mkdir -p /run/dbus
    "${ROOT[@]}" rm -f /run/dbus/pid
    "${ROOT[@]}" dbus-daemon --system --fork
    STARTED_DBUS=true
  fi
  if ! pgrep -x avahi-daemon >/dev/null; then
    "${ROOT[@]}" avahi-daemon --daemonize --no-chroot
    STARTED_AVAHI=true
  fi
}

# Stops the services start_printer_services started.
stop_printer_services() {
  if [ "${STARTED_AVAHI:-false}" = true ]; then "${ROOT[@]}" avahi-daemon --kill 2>/dev/null || true; fi
  if [ "${STARTED_DBUS:-false}" = true ] && [ -f /run/dbus/pid ]; then
    "${ROOT[@]}" kill "$(cat /run/dbus/pid)" 2>/dev/null || true
    "${ROOT[@]}" rm -f /run/dbus/pid
  fi
}

# A throwaway PostgreSQL cluster for the tests of the PostgreSQL backend.
DATABASE_TEST_PACKAGES="postgresql"

# Prints a visible step title.
step() {
  printf '\n==> %s\n' "$*"
}

# Installs the Debian packages given as arguments that are not installed yet (idempotent).
# Runs apt-get as root, or through sudo when not root.
ensure_packages() {
  local missing=() pkg
  for pkg in "$@"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
      missing+=("$pkg")
    fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "installing Debian packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# Checks that cargo and the pinned toolchain are there; they come with the machine, not from apt.
ensure_rust() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install the Rust toolchain named in rust-toolchain.toml (rustup)" >&2
    exit 1
  fi
}

# Starts a throwaway PostgreSQL cluster on 127.0.0.1 (Debian's server binaries, run as the
# postgres user) and exports FLEET_TEST_POSTGRES_URL. Stop it with stop_postgres.
start_postgres() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$bin" ]; then
    echo "PostgreSQL server binaries not found under /usr/lib/postgresql" >&2
    return 1
  fi
  PG_DIR=$(mktemp -d /tmp/fleet-pg.XXXXXX)
  chown postgres: "$PG_DIR"
  PG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  runuser -u postgres -- "$bin/initdb" -D "$PG_DIR/data" -U fleet --auth=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1
  runuser -u postgres -- "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories=$PG_DIR -c fsync=off" start >/dev/null
  PG_BIN=$bin
  export FLEET_TEST_POSTGRES_URL="postgres://fleet@127.0.0.1:$PG_PORT/postgres"
  export FLEET_REQUIRE_POSTGRES=1
}

# Stops the cluster start_postgres started and removes its files.
stop_postgres() {
  if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ]; then
    runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
  fi
}
