#!/usr/bin/env bash
# County-scale ControlPlane: seeds ControlPlane:DemoScale=county (about 500 sites, 10,000 people, twelve months of
# check-ins, meetings and snapshots) into a fresh SQLite file and a fresh PostgreSQL database (Debian's cluster, started by
# scripts/start-postgres.sh), then times every list and aggregate endpoint as the county administrator and prints one
# Markdown table of p95 latencies per endpoint and database, with the seeding times, the row counts and the load average.
#   scripts/county-scale.sh                 # both databases, 60 timed requests per endpoint
#   REQUESTS=100 DATABASES=sqlite scripts/county-scale.sh
#   OUT=/tmp/cs REUSE=1 scripts/county-scale.sh   # measure again on the databases a previous run with OUT=/tmp/cs seeded
# Env: REQUESTS (timed requests per endpoint, default 60), WARMUP (untimed requests before them, default 5; the runtime
# compiles an endpoint's code at tier 1 over its first tens of requests, so a higher WARMUP measures the steady state),
# DATABASES ("sqlite postgres"),
# VILLAGES_PER_TOWN (default 68), PORT (default 18090), OUT (folder for logs and the SQLite file, default a temp dir),
# REUSE=1 (keep the SQLite file in OUT and the PostgreSQL database mediacore_county when they exist: no seeding).
# Needs curl and jq. Measure on a quiet machine: the table's header carries the load average at the start and the end.
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS="${REQUESTS:-60}"
WARMUP="${WARMUP:-5}"
DATABASES="${DATABASES:-sqlite postgres}"
VILLAGES="${VILLAGES_PER_TOWN:-68}"
PORT="${PORT:-18090}"
OUT="${OUT:-$(mktemp -d /tmp/county-scale.XXXXXX)}"
mkdir -p "$OUT"
BASE="http://127.0.0.1:$PORT"
log() { echo "county-scale: $*" >&2; }
for tool in curl jq dotnet; do command -v "$tool" >/dev/null || { log "$tool is not installed (scripts/install-deps.sh)"; exit 2; }; done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build -c Release -nologo -v q -clp:ErrorsOnly ControlPlane/MediaCore.ControlPlane >&2
DLL="$PWD/ControlPlane/MediaCore.ControlPlane/bin/Release/net10.0/MediaCore.ControlPlane.dll"
LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"

CP=""
stop_cp() { if [ -n "$CP" ]; then kill "$CP" 2>/dev/null || true; wait "$CP" 2>/dev/null || true; CP=""; fi; }
trap stop_cp EXIT
trap 'exit 130' INT TERM

# start_cp NAME DB-ARGS...: seeds into an empty database and waits (bounded) until the API answers.
start_cp() {
  local name="$1"; shift
  ASPNETCORE_ENVIRONMENT=Production dotnet "$DLL" --urls "$BASE" "$@" \
    --ControlPlane:SeedDemoData=true --ControlPlane:DemoScale=county --ControlPlane:DemoVillagesPerTown="$VILLAGES" \
    --ControlPlane:MediaTokenSecret="county-scale-media-secret-0123456789abcdef" --ControlPlane:WebhookSecret="county-scale-webhook" \
    --ControlPlane:JwtSigningKey="county-scale-jwt-signing-key-0123456789abcdef" --ControlPlane:EnableSnapshotWorker=false \
    --ControlPlane:CameraPullIntervalSeconds=0 --ControlPlane:LoginAttemptsPerMinute=1000 --Logging:LogLevel:Default=Warning \
    --Logging:LogLevel:MediaCore.ControlPlane.Data=Information > "$OUT/$name.log" 2>&1 &
  CP=$!
  for _ in $(seq 1 1200); do
    if curl -sf "$BASE/healthz" >/dev/null 2>&1; then return 0; fi
    kill -0 "$CP" 2>/dev/null || { log "the ControlPlane ($name) exited: $(tail -20 "$OUT/$name.log")"; exit 3; }
    sleep 0.5
  done
  log "the ControlPlane ($name) did not answer within 10 minutes; see $OUT/$name.log"; exit 3
}

# cpu_ticks: "pid ticks" lines (user + system, clock ticks) of the ControlPlane and, on PostgreSQL, of the server
# processes serving the county database: the CPU the requests cost, which the machine's load does not inflate the way
# it inflates their wall time.
cpu_ticks() {
  local pids="$CP" p
  if [ -n "${PGPORT_USED:-}" ]; then
    pids+=" $(runuser -u postgres -- psql -p "$PGPORT_USED" -Atc "SELECT pid FROM pg_stat_activity WHERE datname = 'mediacore_county' AND pid <> pg_backend_pid()" 2>/dev/null | tr '\n' ' ')"
  fi
  for p in $pids; do [ -r "/proc/$p/stat" ] && echo "$p $(sed 's/.*) //' "/proc/$p/stat" | awk '{print $12 + $13}')"; done
}

# p95 PATH: WARMUP warm-up requests, then REQUESTS timed GETs one after another over one kept-alive connection; prints
# "p95 median fastest cpu" in ms, cpu being the CPU time per request of the ControlPlane and its PostgreSQL backends
# (the median, the fastest and the CPU say more than the p95 on a loaded machine).
p95() {
  local path="$1" args=() i before after
  for i in $(seq 1 "$WARMUP"); do args+=(-o /dev/null "$BASE$path"); done
  curl -s -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total}\n' "${args[@]}" > "$OUT/times.txt"
  args=()
  for i in $(seq 1 "$REQUESTS"); do args+=(-o /dev/null "$BASE$path"); done
  before=$(cpu_ticks)
  curl -s -H "Authorization: Bearer $TOKEN" -w '%{http_code} %{time_total}\n' "${args[@]}" >> "$OUT/times.txt"
  after=$(cpu_ticks)
  if grep -qv '^200 ' "$OUT/times.txt"; then log "GET $path answered $(grep -v '^200 ' "$OUT/times.txt" | head -1 | cut -d' ' -f1)"; echo "error error error error"; return; fi
  local cpu hz
  hz=$(getconf CLK_TCK)
  cpu=$(awk -v n="$REQUESTS" -v hz="$hz" 'NR == FNR {b[$1] = $2; next} {d += $2 - ($1 in b ? b[$1] : 0)} END {printf "%.1f", d * 1000 / hz / n}' \
    <(echo "$before") <(echo "$after"))
  tail -n "$REQUESTS" "$OUT/times.txt" | awk '{print $2 * 1000}' | sort -n |
    awk -v n="$REQUESTS" -v cpu="$cpu" '{v[NR] = $1} END {i = int(n * 0.95 + 0.999999); if (i < 1) i = 1; m = int((n + 1) / 2);
      printf "%.1f %.1f %.1f %s", v[i], v[m], v[1], cpu}'
}

declare -A RESULT SEEDED
ENDPOINTS=()
measure() {
  local db="$1"
  TOKEN=$(curl -sf -H 'Content-Type: application/json' -d '{"userName":"admin","password":"Demo@2026"}' "$BASE/api/auth/login" | jq -r .token)
  local town meeting today month_start year_ago last_month
  town=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/sites?kind=town&pageSize=1" | jq -r '.items[0].id')
  meeting=$(curl -sf -H "Authorization: Bearer $TOKEN" "$BASE/api/meetings?held=true&pageSize=1&page=200" | jq -r '.items[0].id')
  today=$(TZ=Asia/Shanghai date +%F)
  month_start=$(TZ=Asia/Shanghai date +%Y-%m-01)
  last_month=$(TZ=Asia/Shanghai date -d "$month_start -1 month" +%Y-%m)
  year_ago=$(TZ=Asia/Shanghai date -d "$month_start -12 months" +%F)
  local list=(
    "meetings, page 1|/api/meetings?pageSize=50"
    "meetings, one town, held, page 20|/api/meetings?townId=$town&held=true&page=20&pageSize=50"
    "meeting detail|/api/meetings/$meeting"
    "meeting stats, this month|/api/meetings/stats"
    "meeting stats, twelve months|/api/meetings/stats?from=${year_ago}T00:00:00%2B08:00&to=${today}T23:59:59%2B08:00"
    "compliance, month|/api/meetings/compliance?period=month"
    "compliance, quarter|/api/meetings/compliance?period=quarter&date=$last_month-15"
    "duty, daily|/api/duty/daily?date=$last_month-15"
    "duty, cadres' month|/api/duty/people?month=$last_month"
    "first-secretary visits|/api/duty/first-secretary-visits?month=$last_month"
    "rankings, villages|/api/rankings/villages?month=$last_month"
    "rankings, towns|/api/rankings/towns?month=$last_month"
    "search 村 (every type), page 1|/api/search?q=%E6%9D%91"
    "search 村, page 100|/api/search?q=%E6%9D%91&page=100"
    "search meetings in a month|/api/search?type=meeting&from=${last_month}-01T00:00:00%2B08:00&to=${month_start}T00:00:00%2B08:00"
    "check-ins, page 1|/api/attendance/events?pageSize=50"
    "people, page 1|/api/people?pageSize=50"
    "disclosures, page 1|/api/disclosures?pageSize=50"
    "disclosures missing|/api/disclosures/missing?month=$last_month"
    "export meetings of a month (xlsx)|/api/meetings?from=${last_month}-01T00:00:00%2B08:00&to=${month_start}T00:00:00%2B08:00&format=xlsx"
    "export stats, twelve months (xlsx)|/api/meetings/stats?from=${year_ago}T00:00:00%2B08:00&to=${today}T23:59:59%2B08:00&format=xlsx"
    "export village rankings (xlsx)|/api/rankings/villages?month=$last_month&format=xlsx"
    "export cadres' month (csv)|/api/duty/people?month=$last_month&format=csv"
    "export check-ins of a day (csv)|/api/attendance/events?from=${last_month}-15T00:00:00%2B08:00&to=${last_month}-16T00:00:00%2B08:00&format=csv"
  )
  ENDPOINTS=()
  local entry name path
  for entry in "${list[@]}"; do
    name="${entry%%|*}"; path="${entry#*|}"
    ENDPOINTS+=("$name")
    RESULT["$db|$name"]=$(p95 "$path")
    log "$db  $name: p95 / median / fastest / CPU per request ${RESULT["$db|$name"]} ms (load $(cut -d' ' -f1 /proc/loadavg))"
  done
}

for db in $DATABASES; do
  case "$db" in
    sqlite)
      [ "${REUSE:-0}" = 1 ] || rm -f "$OUT/county.db" "$OUT/county.db-wal" "$OUT/county.db-shm"
      start_cp sqlite --ControlPlane:SqlitePath="$OUT/county.db" ;;
    postgres)
      conn=$(PG_TEST_DB=mediacore_county scripts/start-postgres.sh)
      pgport=$(echo "$conn" | sed -n 's/.*Port=\([0-9]*\).*/\1/p')
      [ "${REUSE:-0}" = 1 ] || runuser -u postgres -- psql -p "$pgport" -qc 'DROP DATABASE IF EXISTS mediacore_county WITH (FORCE)' >&2
      conn=$(PG_TEST_DB=mediacore_county scripts/start-postgres.sh)
      PGPORT_USED=$pgport
      start_cp postgres --ControlPlane:PostgresConnectionString="$conn" ;;
    *) log "unknown database $db (sqlite, postgres)"; exit 2 ;;
  esac
  SEEDED[$db]=$(grep -o 'Seeded Pingyin County demo: .*ms' "$OUT/$db.log" | sed 's/Seeded Pingyin County demo: //' || true)
  [ -n "${SEEDED[$db]}" ] || SEEDED[$db]="reused (seeded by an earlier run)"
  log "$db seeded: ${SEEDED[$db]}"
  measure "$db"
  stop_cp
  PGPORT_USED=
done

LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "County scale, $(date -u '+%Y-%m-%d %H:%M') UTC, $(nproc) cores, load average $LOAD_START at the start and $LOAD_END at the end;"
echo "$REQUESTS requests per endpoint, one after another (county administrator, one connection, after $WARMUP warm-up requests):"
echo "p95 and median wall time, and the CPU time per request of the ControlPlane and its PostgreSQL backends, in ms."
for db in $DATABASES; do echo "- $db seeding: ${SEEDED[$db]}"; done
echo
header="| endpoint |"; rule="|---|"
for db in $DATABASES; do header+=" $db p95 | $db median | $db CPU |"; rule+="---:|---:|---:|"; done
echo "$header"; echo "$rule"
for name in "${ENDPOINTS[@]}"; do
  row="| $name |"
  for db in $DATABASES; do
    read -r p95v medv _ cpuv <<< "${RESULT["$db|$name"]}"
    row+=" $p95v | $medv | $cpuv |"
  done
  echo "$row"
done
