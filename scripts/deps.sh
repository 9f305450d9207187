#!/usr/bin/env bash
# Installs everything the build, the demo and the tests need on Debian 12, as root.
# Idempotent: installs only what is missing, so repeated runs take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  # Tauri / WebKitGTK build
  build-essential pkg-config libwebkit2gtk-4.1-dev libgtk-3-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev
  # test labs
  dovecot-imapd janus janus-tools coturn gnome-keyring dbus dbus-x11 libsecret-tools iproute2 openssl
  # the app window and the browser in tests
  xvfb xauth webkit2gtk-driver chromium xdotool imagemagick x11-utils
  # a real notification daemon for the new-mail notification test
  dunst
  # so screenshots show CJK names and emoji in subjects as people see them
  fonts-wqy-microhei fonts-noto-color-emoji
  # regenerating the media samples of crates/rtc
  ffmpeg
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Daemons must not start on install: the labs run their own instances on other ports.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# A packaged instance may already run on 143/993; the labs never use it.
if command -v service >/dev/null && pgrep -x dovecot >/dev/null && [ -e /run/dovecot/master.pid ]; then
  service dovecot stop >/dev/null 2>&1 || true
fi

if ! command -v tauri-driver >/dev/null; then
  echo "deps: installing tauri-driver"
  cargo install tauri-driver --version 2.1.0 --locked
fi

for dir in ui tests; do
  if [ ! -d $dir/node_modules ] || [ $dir/package-lock.json -nt $dir/node_modules/.package-lock.json ]; then
    echo "deps: installing npm packages in $dir/"
    npm --prefix $dir ci --no-audit --no-fund
  fi
done

# The official MCP Python SDK drives the MCP server in tests, as a real client would.
# The Makefile defines where (`MAILCALL_VENV`); `make deps` passes it on.
venv="${MAILCALL_VENV:?MAILCALL_VENV is unset: run \`make deps\`}"
if ! "$venv/bin/python3" -c 'import mcp' 2>/dev/null; then
  echo "deps: installing the MCP Python SDK into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet 'mcp>=2.3,<3'
fi
