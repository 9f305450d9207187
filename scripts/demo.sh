#!/usr/bin/env bash
# `make demo`: real servers on this machine (mailcall-demo, crates/demo: Dovecot on 127.0.0.1
# with a generated mailbox, a Secret Service when the session has none, Janus in a network
# namespace with an all-hands) and the Mailcall window configured for them.
# With a display the window opens there. Without one it runs under a private Xvfb, driven
# through WebDriver (scripts/demo-window.mjs) to save screenshots in test-output/demo/.
# Ctrl-C, the window closing or any error stops everything it started.
#   scripts/demo.sh PATH_TO_APP   (MAILCALL_DEMO_MESSAGES: mailbox size, 50000 by default)
set -euo pipefail
app=${1:?usage: demo.sh PATH_TO_APP}
root=$(cd "$(dirname "$0")/.." && pwd)
demo_bin=${MAILCALL_DEMO_BIN:-$(dirname "$app")/mailcall-demo}
out="${MAILCALL_TEST_OUTPUT:-$root/test-output}/demo"
mkdir -p "$out"
rm -f "$out"/*.png "$out/screens.json"
for bin in "$app" "$demo_bin"; do
  [ -x "$bin" ] || { echo "demo: no $bin: run \`make build\` first" >&2; exit 1; }
done

# Every process this run starts carries this in its environment (children inherit it), so
# the end can find any of them still running, whatever it is called and whoever its parent.
run_id="mailcall-demo-$$-$RANDOM$RANDOM"
pids=()

leftovers() {
  grep -lzx "MAILCALL_DEMO_RUN=$run_id" /proc/[0-9]*/environ 2>/dev/null | cut -d/ -f3 || true
}

stop() {
  trap - INT TERM HUP
  ((${#pids[@]})) || return 0
  echo "demo: stopping (removing a big generated mailbox can take a minute)"
  kill -TERM "${pids[@]}" 2>/dev/null || true
  # mailcall-demo leaves the all-hands and stops its servers (stopping Dovecot and removing a
  # big mailbox take a minute on a busy machine); the window script closes the window, its
  # driver and Xvfb.
  for _ in $(seq 1800); do
    kill -0 "${pids[@]}" 2>/dev/null || break
    sleep 0.1
  done
  local left
  left=$(leftovers)
  if [ -n "$left" ]; then
    echo "demo: still running, so killed:" $(ps -o comm= -p "$(echo $left | tr ' ' ,)") >&2
    kill -KILL $left 2>/dev/null || true
  fi
  echo "demo: stopped; nothing it started is running"
}
trap 'status=$?; stop; exit $status' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

echo "demo: starting the servers (log: $out/mailcall-demo.log)"
# Its progress lines ("demo: ...") are shown here too; the log keeps being written while it
# stops after a Ctrl-C.
MAILCALL_DEMO_RUN=$run_id "$demo_bin" --out "$out" \
  > >(trap '' INT; tee "$out/mailcall-demo.log" | grep --line-buffered '^demo:' >&2) 2>&1 &
servers=$!
pids+=("$servers")
until [ -s "$out/demo.json" ]; do
  if ! kill -0 "$servers" 2>/dev/null; then
    echo "demo: the servers did not start; the end of $out/mailcall-demo.log:" >&2
    tail -n 20 "$out/mailcall-demo.log" >&2
    exit 1
  fi
  sleep 0.2
done
# The app's private configuration, data and cache folders, and the keyring's bus.
# shellcheck source=/dev/null
source "$out/demo.env"

if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  MAILCALL_DEMO_RUN=$run_id "$app" >"$out/app.log" 2>&1 &
  window=$!
  echo "demo: Mailcall is open with the demo account; Ctrl-C (or closing the window) stops everything"
else
  MAILCALL_DEMO_RUN=$run_id node "$root/scripts/demo-window.mjs" "$out" "$app" &
  window=$!
fi
pids+=("$window")
# Whichever ends first ends the demo: the servers failing, the window closed, or the
# screenshots failing.
set +e
wait -n "$servers" "$window"
status=$?
set -e
kill -0 "$servers" 2>/dev/null || echo "demo: the servers stopped; see $out/mailcall-demo.log" >&2
exit "$status"
