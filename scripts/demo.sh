#!/bin/sh
# The quick-start demo: builds dahub, puts the bundled sample returns
# (spool/<feed>/sample/) into each feed's incoming/ folder, runs the real
# daemon on conf/, waits until every file is ingested, prints the figures
# from the store, and keeps the daemon running until Ctrl-C.
# DAHUB_DEMO_ONCE=1 stops it after the summary (used by the tests).
set -eu
cd "$(dirname "$0")/.."

scripts/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDAHUB_BUILD_TESTS=OFF >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null

for sample in spool/*/sample; do
  feed=$(dirname "$sample")
  mkdir -p "$feed/incoming"
  for f in "$sample"/*; do
    # As a partner's upload would: write under a .part name, then rename.
    cp "$f" "$feed/incoming/$(basename "$f").part"
    mv "$feed/incoming/$(basename "$f").part" "$feed/incoming/$(basename "$f")"
  done
done

# git keeps no file modes: the demo's pseudonymisation key must be private,
# or the hub refuses it.
chmod 600 conf/keys/*.key

mkdir -p state
./build/dahub serve --config conf/hub.json 2>state/demo.log &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true' INT TERM

# Wait until every incoming/ and work/ folder is empty (60 s at most).
deadline=$(( $(date +%s) + 60 ))
while :; do
  left=$(find spool/*/incoming spool/*/work -type f ! -name '.*' 2>/dev/null | wc -l)
  [ "$left" -eq 0 ] && grep -q 'event=ready' state/demo.log && break
  if ! kill -0 $pid 2>/dev/null; then
    echo "dahub stopped unexpectedly; its log:" >&2; cat state/demo.log >&2; exit 1
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "files still waiting after 60 s; log: state/demo.log" >&2; exit 1
  fi
  sleep 0.2
done

echo "== dahub demo: what the daemon did (state/demo.log)"
grep -E 'event=(ready|file_done|file_duplicate|file_failed)' state/demo.log
echo
echo "== current figures by feed, period and measure (state/dahub.sqlite)"
sqlite3 -header -column state/dahub.sqlite "
  SELECT feed, period, measure_id,
         count(*) AS cells,
         sum(value_status = 'actual') AS reported,
         sum(value_status = 'suppressed') AS suppressed,
         sum(value_status = 'missing') AS missing,
         sum(CASE WHEN value_status = 'actual' THEN value END) AS total
  FROM current_observations
  GROUP BY feed, period, measure_id ORDER BY feed, period, measure_id;"
echo
# The board summary for the first meeting's quarter, through every sink.
echo
echo "== board summary (dahub report)"
./build/dahub report --config conf/hub.json --period "${DAHUB_DEMO_PERIOD:-FY2024-25-Q1}"
summary=$(ls -d outbox/"${DAHUB_DEMO_PERIOD:-FY2024-25-Q1}"/v* | sort -V | tail -n 1)
python3 - "$summary/summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print("period %s (%s to %s), version %s" % (s["period"]["id"], s["period"]["start"], s["period"]["end"], s["version"]))
print("\nreturns:")
for f in s["completeness"]:
    print("  %-14s %s" % (f["feed"], f["status"]))
conf = s["disclosure"]["marker"]
print("\npartnership totals, all partners (%s: confidential; other markers in brackets):" % conf)
for f in s["figures"]:
    if f["area"] == "all" and f["source_id"] == "all" and not f["dimensions"]:
        m = f.get("marker")
        v = f["value"] if m is None else (m if m == conf else "[" + m + "]")
        print("  %-36s %s%s" % (f["measure"], v, " (partial)" if f.get("partial") else ""))
d = s["disclosure"]
print("\ncells hidden by disclosure control: %d (%s; %d suppressed at source)"
      % (d["hidden_cells"], ", ".join("%s %d" % kv for kv in d["hidden_by_rule"].items()),
         d["suppressed_at_source"]))
PY
echo
echo "summary: $summary/ (summary.json, summary.csv)"
echo "board pack: $summary/board-pack.html (open it in a browser, or print it to PDF)"
echo "store:   state/dahub.sqlite (views observations_v, current_observations)"
echo "done:    $(ls -d spool/*/done | tr '\n' ' ')"
echo "failed:  $(ls -d spool/*/failed | tr '\n' ' ') (each bad file has <name>.error.json)"
echo "log:     state/demo.log"

if [ "${DAHUB_DEMO_ONCE:-0}" = 1 ]; then
  kill -TERM $pid
  wait $pid
  exit $?
fi
echo
echo "dahub is running (pid $pid): drop more returns into spool/<feed>/incoming/; Ctrl-C stops it."
wait $pid
