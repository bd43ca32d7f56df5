# Shared helpers of the README's commands (scripts/demo, scripts/test). Source it, don't run it.

# Debian packages to build the workspace: a C linker and headers, and GTK/WebKitGTK for the kiosk.
BUILD_PACKAGES="gcc libc6-dev pkg-config libgtk-3-dev libwebkit2gtk-4.1-dev"
# What the kiosk's window tests need: a virtual X server, input injection and screenshots.
WINDOW_TEST_PACKAGES="xvfb xauth xdotool xclip x11-utils imagemagick fonts-dejavu-core"

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
