#!/usr/bin/env bash
# Opens the Mailcall window. On a desktop it simply runs the app. Without a display
# (a server, a container) it starts a private Xvfb, waits for the window to map, saves a
# screenshot to test-output/demo.png and keeps the app running until Ctrl-C.
set -euo pipefail
app=${1:?usage: demo.sh PATH_TO_APP}
if [ -n "${DISPLAY:-}" ]; then
  exec "$app"
fi
out="$(dirname "$0")/../test-output"
mkdir -p "$out"
display=":$((90 + RANDOM % 400))"
Xvfb "$display" -screen 0 1280x800x24 -nolisten tcp >"$out/demo-xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb ${app_pid:-} 2>/dev/null || true' EXIT
export DISPLAY=$display
for _ in $(seq 100); do xdpyinfo >/dev/null 2>&1 && break; sleep 0.1; done
"$app" &
app_pid=$!
if ! xdotool search --sync --onlyvisible --name '^Mailcall$' >/dev/null; then
  echo "demo: the Mailcall window did not appear" >&2
  exit 1
fi
sleep 2 # let the page paint before the screenshot
import -window root "$out/demo.png"
echo "demo: Mailcall is running on $DISPLAY (no display was set); screenshot: $out/demo.png"
echo "demo: press Ctrl-C to quit"
wait $app_pid
