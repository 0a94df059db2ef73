#!/bin/sh
# Build the contract tests' judge: FoveaProtocol's CodeRunReply parser and CodeObservation
# formatter (the Swift side of the runner's contract), fed the runner's real replies by
# runner/tests/test_contract.py. A throwaway package outside the repository, on a snapshot of
# the committed Sources/FoveaKernels and Sources/FoveaProtocol (REV, default HEAD), built in
# its own scratch directory so it never touches anyone's .build.
#
#   runner/tools/build_judge.sh [REV]      (JUDGE_DIR, JUDGE_SCRATCH override the places)
set -eu
REPO=$(cd "$(dirname "$0")/../.." && pwd)
REV=${1:-HEAD}
J=${JUDGE_DIR:-/work/.runner-judge}
SCRATCH=${JUDGE_SCRATCH:-/work/.build-runner}
rm -rf "$J/snapshot" "$J/Sources"
mkdir -p "$J/snapshot" "$J/Sources/judge"
git -C "$REPO" archive "$REV" Sources/FoveaKernels Sources/FoveaProtocol | tar -x -C "$J/snapshot"
git -C "$REPO" rev-parse "$REV" > "$J/snapshot/COMMIT"
cat > "$J/Package.swift" <<'SWIFT'
// swift-tools-version: 6.2
import PackageDescription
let package = Package(
    name: "runner-judge",
    platforms: [.macOS(.v15)],
    targets: [
        .target(name: "FoveaKernels", path: "snapshot/Sources/FoveaKernels"),
        .target(name: "FoveaProtocol", dependencies: ["FoveaKernels"], path: "snapshot/Sources/FoveaProtocol"),
        .executableTarget(name: "judge", dependencies: ["FoveaProtocol"], path: "Sources/judge"),
    ]
)
SWIFT
cat > "$J/Sources/judge/main.swift" <<'SWIFT'
import FoveaProtocol

// One JSON object per stdin line: {"conventions", "id", "maxImages", "variant", "firstImageClue",
// "imageFiles", "reply"}. One per stdout line: {"ok": true, "text", "parts", "isError", "notes",
// "timedOut"} or {"ok": false, "error": "<why CodeRunReply refused the reply>"}.
func answer(_ line: String) -> JSONValue {
    let input: JSONValue
    do { input = try JSONParser.parse(line) } catch { return ["ok": false, "error": .string("input: \(error)")] }
    guard let conventions = input["conventions"]?.stringValue.flatMap(CodeConventions.init(rawValue:)),
          let id = input["id"]?.intValue, let maxImages = input["maxImages"]?.intValue,
          let variant = input["variant"]?.stringValue.flatMap(DeepEyesV2Variant.init(rawValue:)),
          let clue = input["firstImageClue"]?.intValue, let files = input["imageFiles"]?.arrayValue,
          let replyJSON = input["reply"] else {
        return ["ok": false, "error": "input: missing fields"]
    }
    let request = CodeRunRequest(id: UInt64(id), code: "", conventions: conventions, maxImages: maxImages,
                                 session: "judge", timeout: 30)
    let reply: CodeRunReply
    do {
        reply = try CodeRunReply(json: replyJSON, request: request, limits: DecodeLimits())
    } catch {
        return ["ok": false, "error": .string("\(error)")]
    }
    let context = CodeObservation.Context(firstImageClue: clue, imageFiles: files.compactMap(\.stringValue),
                                          maxImages: maxImages,
                                          harness: CodeHarnessOptions(deepEyesV2Variant: variant))
    let observation = CodeObservation(conventions: conventions, outcome: .replied(reply), context: context)
    return ["ok": true, "text": .string(observation.text), "parts": observation.partsJSON,
            "isError": .bool(observation.isError), "notes": .array(observation.notes.map(JSONValue.string)),
            "timedOut": .bool(reply.timedOut)]
}

while let line = readLine(strippingNewline: true) {
    if line.isEmpty { continue }
    print(String(decoding: JSONWriter.bytes(answer(line)), as: UTF8.self))
}
SWIFT
cd "$J"
swift build -c release --scratch-path "$SCRATCH" --product judge
echo "$SCRATCH/release/judge (FoveaProtocol @ $(cat "$J/snapshot/COMMIT"))"
