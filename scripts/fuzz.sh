#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser target in fuzz/MediaCore.Fuzz with SharpFuzz + AFL++ (Debian afl++).
#   scripts/fuzz.sh                  each target for 60 s
#   scripts/fuzz.sh 600 sdp rtcp     the named targets, 600 s each
# Targets: stun rtp rtcp sdp sipsdp dtls checkin matroska webm. Seeds come from fuzz/corpus/<target>; AFL's state goes to
# fuzz/out/<target> (a second run continues from its queue). Every crash is listed with the command that replays it;
# each one found becomes a file in fuzz/regressions/<target>/ (replayed by the normal suite) and a fix.
# Exit status 1 when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"; [ $# -gt 0 ] && shift
targets=("$@"); [ ${#targets[@]} -eq 0 ] && targets=(stun rtp rtcp sdp sipsdp dtls checkin matroska webm)
export PATH="$PATH:$HOME/.dotnet/tools"

command -v afl-fuzz >/dev/null || { echo "fuzz: installing afl++"; apt-get install -y afl++ >/dev/null; }
command -v sharpfuzz >/dev/null || { echo "fuzz: installing the SharpFuzz instrumenter"; dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0 >/dev/null; }

bin=fuzz/out/bin
echo "fuzz: building and instrumenting into $bin"
rm -rf "$bin"
dotnet publish fuzz/MediaCore.Fuzz -c Release -o "$bin" -nologo -v q -clp:ErrorsOnly
# Only the assemblies that hold the parsers are instrumented (coverage feedback for AFL); the rest runs as is.
for dll in MediaCore.Protocol.dll MediaCore.ControlPlane.dll; do sharpfuzz "$bin/$dll" >/dev/null; done

# AFL's checks that do not apply to a managed target on a shared machine.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1

crashed=0
printf '%-10s %8s %8s %8s %8s\n' target execs paths crashes hangs
for t in "${targets[@]}"; do
  [ -d "fuzz/corpus/$t" ] || { echo "fuzz: no such target $t"; exit 2; }
  out="fuzz/out/$t"
  input="fuzz/corpus/$t"; [ -d "$out/default/queue" ] && input="-"   # resume
  afl-fuzz -V "$seconds" -t 5000 -m none -i "$input" -o "$out" -- dotnet "$bin/MediaCore.Fuzz.dll" "$t" >"fuzz/out/$t.log" 2>&1 || {
    echo "fuzz: afl-fuzz failed for $t (see fuzz/out/$t.log):"; tail -20 "fuzz/out/$t.log"; exit 2; }
  stats="$out/default/fuzzer_stats"
  execs=$(awk -F: '/^execs_done/{gsub(/ /,"",$2);print $2}' "$stats")
  paths=$(awk -F: '/^corpus_count/{gsub(/ /,"",$2);print $2}' "$stats")
  crashes=$(find "$out/default/crashes" -name 'id:*' 2>/dev/null | wc -l)
  hangs=$(find "$out/default/hangs" -name 'id:*' 2>/dev/null | wc -l)
  printf '%-10s %8s %8s %8s %8s\n' "$t" "$execs" "$paths" "$crashes" "$hangs"
  if [ "$crashes" -gt 0 ]; then
    crashed=1
    for f in "$out"/default/crashes/id:*; do echo "  replay: dotnet $bin/MediaCore.Fuzz.dll $t '$f'"; done
  fi
done
exit $crashed
