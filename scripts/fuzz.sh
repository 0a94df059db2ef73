#!/usr/bin/env bash
# Builds the libFuzzer targets (Fuzz/, AddressSanitizer on) and runs each for a bounded time
# on its committed seeds (Fuzz/Corpus/<target>) and what earlier runs found
# (Fuzz/.corpus/<target>, not committed). A crash, leak or timeout fails the run; libFuzzer
# writes the input to Fuzz/.crashes/<target>/, and `Fuzz/.build/release/<target> FILE` replays
# it. docs/FUZZING.md has the targets and the numbers of a 10-minute run.
#
#   scripts/fuzz.sh [--seconds N] [--jobs N] [TARGET...]    (default: 20 s each, every target)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=20
jobs=1
targets=()
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --jobs) jobs="$2"; shift 2 ;;
        -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
        -*) echo "fuzz.sh: unknown option $1 (options: --seconds N, --jobs N)" >&2; exit 2 ;;
        *) targets+=("$1"); shift ;;
    esac
done
all=(FuzzJSON FuzzToolCall FuzzWorkerReplies FuzzPolicy FuzzDecode FuzzJPEGCoder)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")

# --sanitize=fuzzer makes SwiftPM link libFuzzer's main; the -Xswiftc flag, last on each
# command line, instruments every Swift module for coverage and ASan (swiftc keeps only its
# last -sanitize= option, so SwiftPM's own pair would leave coverage out).
(cd Fuzz && swift build -c release --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)

declare -A dictionary=([FuzzJSON]=json [FuzzToolCall]=toolcall [FuzzWorkerReplies]=json [FuzzPolicy]=policy)
declare -A max_len=([FuzzJSON]=4096 [FuzzToolCall]=4096 [FuzzWorkerReplies]=8192 [FuzzPolicy]=20000 [FuzzDecode]=65536 [FuzzJPEGCoder]=16388)
status=0
for target in "${targets[@]}"; do
    [ -x "Fuzz/.build/release/$target" ] || { echo "fuzz.sh: no target $target (targets: ${all[*]})" >&2; exit 2; }
    mkdir -p "Fuzz/.corpus/$target" "Fuzz/.crashes/$target"
    options=(-max_total_time="$seconds" -max_len="${max_len[$target]}" -timeout=10 -rss_limit_mb=2048
             -print_final_stats=1 -artifact_prefix="Fuzz/.crashes/$target/")
    [ -z "${dictionary[$target]:-}" ] || options+=(-dict="Fuzz/Dictionaries/${dictionary[$target]}.dict")
    [ "$jobs" = 1 ] || options+=(-fork="$jobs" -ignore_crashes=0)
    echo "=== $target: ${seconds} s"
    log=$(mktemp)
    if "Fuzz/.build/release/$target" "${options[@]}" "Fuzz/.corpus/$target" "Fuzz/Corpus/$target" >"$log" 2>&1; then
        grep -E "^#[0-9]+ +DONE|stat::number_of_executed_units|stat::peak_rss_mb" "$log" || true
        grep -oE "cov: [0-9]+ ft: [0-9]+ corp: [0-9]+" "$log" | tail -1 || true
    else
        status=1
        echo "=== $target FAILED:"
        grep -vE "^#[0-9]+ +(NEW|REDUCE|pulse)" "$log" | tail -60
    fi
    rm -f "$log"
done
exit "$status"
