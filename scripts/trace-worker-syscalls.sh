#!/usr/bin/env bash
# Derives the worker's system calls from a real trace, to review policies/worker.policy against.
#
# Runs `strace -f` on `fovea serve --unsafe-no-sandbox` (every sandbox step but the filter, so
# the trace shows what the filter would see), sends it every allowed format (valid, truncated
# and corrupt; baseline and progressive JPEG, RGBA PNG/WebP, 16-bit PNG, lossless WebP, GIF,
# TIFF with LZW and JPEG compression, HEIC, AVIF, a 12 MP JPEG), zooms/crops with JPEG, PNG, WebP
# and raw output at --threads 4, idles 25 s so libvips and the codec libraries retire their
# threads, and calls again. Prints each system call the worker's threads made after the worker
# said hello (i.e. after the point where the filter is loaded), with counts and results.
#
# With --check, runs the same workload on a daemon with the filter (no strace) and fails if
# any call was lost or any worker died: the policy allows everything the workload needs.
#
#   scripts/trace-worker-syscalls.sh [--check] [path/to/fovea]   (needs strace, python3, vips CLI)
set -euo pipefail
cd "$(dirname "$0")/.."
check=0
if [ "${1:-}" = "--check" ]; then check=1; shift; fi
fovea=${1:-.build/release/fovea}
[ -x "$fovea" ] || swift build -c release --product fovea
for tool in strace python3 vips; do
    command -v "$tool" >/dev/null || { echo "trace-worker-syscalls: needs $tool" >&2; exit 1; }
done
work=$(mktemp -d)
# strace blocks SIGTERM while it writes a trace to a file: stop the traced daemon instead.
stop_daemon() {
    if [ "$check" = 1 ]; then kill "$daemon" 2>/dev/null || true; else pkill -TERM -P "$daemon" 2>/dev/null || true; fi
    wait "$daemon" 2>/dev/null || true
}
trap 'stop_daemon; rm -rf "$work"' EXIT

# Images: a photo-like PPM converted by the vips CLI into every allowed format.
python3 - "$work" <<'EOF'
import sys
def ppm(path, w, h):
    data = bytearray()
    for y in range(h):
        for x in range(w):
            data += bytes(((x * 255 // w + (x // 37 + y // 23) % 2 * 40) % 256, y * 255 // h, (x ^ y) % 256))
    open(path, "wb").write(b"P6 %d %d 255\n" % (w, h) + data)
ppm(sys.argv[1] + "/small.ppm", 333, 217)
ppm(sys.argv[1] + "/large.ppm", 4000, 3000)
EOF
cd "$work"
vips bandjoin_const small.ppm rgba.v 180
vips copy small.ppm base.jpg
vips copy small.ppm "progressive.jpg[interlace]"
vips copy large.ppm large.jpg
vips copy small.ppm rgb.png
vips copy rgba.v rgba.png
vips cast small.ppm wide.v ushort && vips linear wide.v wide2.v 257 0 && vips cast wide2.v wide3.v ushort && vips copy wide3.v "rgb16.png[bitdepth=16]"
vips copy small.ppm lossy.webp
vips copy rgba.v "lossless.webp[lossless]"
vips copy small.ppm anim.gif
vips copy small.ppm "lzw.tif[compression=lzw]"
vips copy small.ppm "jpeg.tif[compression=jpeg]"
vips copy small.ppm image.heic
vips copy small.ppm "image.avif[compression=av1]"
cd - >/dev/null

if [ "$check" = 1 ]; then
    "$fovea" serve --socket "$work/fovea.sock" --workers 1 --threads 4 --log-level warning &
else
    strace -f -qq -tt -o "$work/trace" "$fovea" serve --socket "$work/fovea.sock" --workers 1 --threads 4 \
        --unsafe-no-sandbox --log-level error &
fi
daemon=$!

python3 -u - "$work" <<'EOF'
import base64, json, os, socket, sys, time
work = sys.argv[1]
for _ in range(200):
    try:
        s = socket.socket(socket.AF_UNIX); s.connect(work + "/fovea.sock"); break
    except OSError:
        time.sleep(0.1)
f = s.makefile("rw")
ids = iter(range(1, 1 << 30))
def call(method, params):
    f.write(json.dumps({"jsonrpc": "2.0", "id": next(ids), "method": method, "params": params}) + "\n"); f.flush()
    return json.loads(f.readline())
def put(data):
    return call("images/put", {"data": base64.b64encode(data).decode()})
names = ["base.jpg", "progressive.jpg", "large.jpg", "rgb.png", "rgba.png", "rgb16.png", "lossy.webp",
         "lossless.webp", "anim.gif", "lzw.tif", "jpeg.tif", "image.heic", "image.avif"]
def round_of_calls():
    for name in names:
        data = open(work + "/" + name, "rb").read()
        good = put(data)
        handle = good.get("result", {}).get("image")
        print(f"{name}: {'ok' if handle else good.get('error', {}).get('message')}", file=sys.stderr)
        if handle:
            for fmt in ["jpeg", "png", "webp", "raw"]:
                r = call("tools/call", {"name": "zoom", "arguments": {"image": handle, "bbox_2d": [100, 100, 700, 800], "format": fmt}})
                assert not r["result"]["isError"], r
            call("tools/call", {"name": "crop", "arguments": {"image": handle, "bbox_2d": [0, 0, 1000, 1000], "format": "png"}})
        # Truncated, corrupted (bytes flipped after the header) and empty-bodied variants.
        cut = data[: len(data) // 2]
        bad = bytearray(data); 
        for i in range(len(bad) // 3, len(bad), 97): bad[i] ^= 0x5A
        for variant in (cut, bytes(bad), data[:64]):
            put(variant + os.urandom(4))  # distinct bytes: a fresh decode every round
round_of_calls()
time.sleep(25)   # Dispatch retires idle threads after ~5 s, GLib's pool after 15 s
round_of_calls()
workers = call("server/stats", {})["result"]["workers"]
print(workers, file=sys.stderr)
if sum(w["restarts"] for w in workers):
    sys.exit("a worker died during the workload")
EOF
if [ "$check" = 1 ]; then
    echo "trace-worker-syscalls --check: every call answered, no worker died under the filter"
    exit 0
fi
stop_daemon

python3 - "$work/trace" <<'EOF'
import collections, re, sys
start_re = re.compile(r"^(\d+)\s+(\d+:\d+:\d+\.\d+) (\w+)\((.*)$")
resume_re = re.compile(r"^(\d+)\s+(\d+:\d+:\d+\.\d+) <\.\.\. (\w+) resumed>(.*)$")
children = collections.defaultdict(list)
pending, events = {}, []
for line in open(sys.argv[1], errors="replace"):
    line = line.rstrip("\n")
    if m := start_re.match(line):
        tid, ts, call, rest = int(m[1]), m[2], m[3], m[4]
        if rest.endswith("<unfinished ...>"):
            pending[tid] = (ts, call, rest[: -len("<unfinished ...>")])
            continue
    elif m := resume_re.match(line):
        tid, rest = int(m[1]), m[4]
        if tid not in pending: continue
        ts, call, head = pending.pop(tid)
        rest = head + rest
    else:
        continue
    result = rest.rsplit(") = ", 1)[-1].strip() if ") = " in rest else "?"
    if call in ("clone", "clone3", "vfork") and result.split()[0].isdigit():
        children[tid].append(int(result.split()[0]))
    events.append((tid, ts, call, rest, result))
# The worker: the process that execve'd `... worker ...`; its threads: everything it cloned.
worker = next(tid for tid, ts, call, rest, _ in events if call == "execve" and '"worker"' in rest)
tree, todo = set(), [worker]
while todo:
    t = todo.pop(); tree.add(t); todo += children[t]
hello = next(ts for tid, ts, call, rest, _ in events if tid == worker and call == "sendmsg" and rest.startswith("3,"))
counts, results, samples = collections.Counter(), collections.defaultdict(collections.Counter), {}
for tid, ts, call, rest, result in events:
    if tid in tree and ts >= hello:
        counts[call] += 1
        code = re.search(r"-1 (E[A-Z]+)", result)
        results[call][code[1] if code else "ok"] += 1
        samples.setdefault((call, code[1] if code else "ok"), rest[:110])
print(f"worker pid {worker}, {len(tree)} threads seen, hello at {hello}; system calls after hello:")
for call, n in sorted(counts.items()):
    print(f"  {call:20} {n:8}  {dict(results[call])}")
print("one example of each call and result:")
for (call, code), rest in sorted(samples.items()):
    print(f"  {call}({rest}")
EOF
