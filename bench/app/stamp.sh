#!/bin/sh
# Launched by WebKitWebDriver in place of the app (bench/app/app-bench.mjs
# sets tauri:options.application to this script): records when the app's
# process starts (ns since the epoch) and its pid, then becomes the app with
# exec, keeping the pid. The stamp is taken ~1 ms before the app's own code
# starts (one `date` process).
echo "$(date +%s%N) $$" > "$SLUICE_BENCH_STAMP"
exec "$SLUICE_BENCH_APP" "$@"
