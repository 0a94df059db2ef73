import Testing
@testable import FoveaProtocol

@Suite struct JSONParserTests {
    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONParser.parse(#" {"a": [1, -2, 3.5, 1e3, true, false, null], "b": {"c": "d"}, "e": ""} "#)
        #expect(value == ["a": [1, -2, 3.5, 1000.0, true, false, nil], "b": ["c": "d"], "e": ""])
    }

    @Test func keepsIntegersExactAndLargeNumbersAsDoubles() throws {
        #expect(try JSONParser.parse("9007199254740993") == .integer(9_007_199_254_740_993))
        #expect(try JSONParser.parse("-0") == .integer(0))
        #expect(try JSONParser.parse("123456789012345678901234567890") == .double(1.2345678901234568e29))
        #expect(try JSONParser.parse("0.5") == .double(0.5))
    }

    @Test func decodesEscapesAndSurrogatePairs() throws {
        #expect(try JSONParser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\n\té😀"))
    }

    @Test func rejectsMalformedDocumentsWithTheReason() {
        let cases: [(String, String)] = [
            ("{", "expected a string key"),
            ("[1,]", "unexpected character ']'"),
            ("{\"a\" 1}", "expected ':'"),
            ("[1 2]", "expected ',' or ']'"),
            ("\"abc", "unterminated string"),
            ("\"a\u{01}b\"", "control character"),
            ("01", "unexpected data after the JSON value"),
            ("1.", "no digits after '.'"),
            ("tru", "unexpected end of input"),
            ("nul!", "invalid literal"),
            ("\"\\x\"", "invalid escape"),
            ("\"\\ud800\"", "unpaired surrogate"),
            ("{} {}", "unexpected data after the JSON value"),
            ("1e999", "number out of range"),
        ]
        for (text, reason) in cases {
            #expect(throws: JSONParser.Error.self, "\(text)") { try JSONParser.parse(text) }
            do {
                _ = try JSONParser.parse(text)
            } catch {
                #expect(error.reason.contains(reason), "\(text): \(error.reason)")
            }
        }
    }

    @Test func rejectsInvalidUTF8() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse([0x22, 0xFF, 0xFE, 0x22]) }
    }

    @Test func boundsNestingDepthSoHostileInputCannotExhaustTheStack() {
        let deep = String(repeating: "[", count: 100_000)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(throws: Never.self) { try JSONParser.parse(ok) }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(tooDeep) }
    }

    @Test func parsesAMultiMegabyteBase64String() throws {
        let payload = String(repeating: "QUJD", count: 2_000_000)
        let value = try JSONParser.parse("{\"data\":\"\(payload)\"}")
        #expect(value["data"]?.stringValue?.utf8.count == 8_000_000)
    }
}

@Suite struct JSONWriterTests {
    @Test func writesCompactSortedJSON() {
        #expect(JSONWriter.string(["b": 1, "a": [true, nil, 2.5, "x"]]) == #"{"a":[true,null,2.5,"x"],"b":1}"#)
    }

    @Test func escapesWhatJSONRequires() {
        #expect(JSONWriter.string("q\"b\\n\nt\tc\u{01}é") == #""q\"b\\n\nt\tc\u0001é""#)
    }

    @Test func roundTripsThroughTheParser() throws {
        let value: JSONValue = ["id": 7, "params": ["text": "line\nbreak \"quoted\" 😀", "n": -3.25, "list": [1, 2, 3]]]
        #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value)
    }

    /// The writer and parser skip plain runs 16 bytes at a time: a special byte at any offset
    /// from a block boundary, or in the scalar tail, must still be escaped and read back.
    @Test func escapesSpecialBytesAtEveryOffsetOfAScannedBlock() throws {
        for length in [1, 15, 16, 17, 31, 33, 47] {
            for position in 0..<length {
                for special in ["\"", "\\", "\n", "\u{1F}"] {
                    var text = String(repeating: "A", count: length)
                    text.replaceSubrange(text.index(text.startIndex, offsetBy: position)...text.index(text.startIndex, offsetBy: position), with: special)
                    let written = JSONWriter.string(.string(text))
                    #expect(try JSONParser.parse(written) == .string(text), "\(length) bytes, special at \(position)")
                    #expect(!written.dropFirst().dropLast().contains(where: { $0 == "\n" || $0 == "\u{1F}" }))
                }
            }
        }
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse("\"" + String(repeating: "A", count: 20) + "\u{01}\"") }
    }

    /// `bytes` allocates once: the estimate covers every value written without escapes,
    /// numbers at their widest included.
    @Test func theSizeEstimateCoversTheOutputWhenNothingIsEscaped() {
        let values: [JSONValue] = [
            .null, true, false, .integer(.min), .integer(.max), .double(-2.2250738585072014e-308), .double(-1.7976931348623157e308),
            "", "é😀", [], [:], [1, "two", [3.5, nil]], ["tiles": [["data": .string(String(repeating: "QUJD", count: 50_000)), "w": 1920]]],
        ]
        for value in values {
            #expect(JSONWriter.estimatedSize(value) >= JSONWriter.bytes(value).count, "\(JSONWriter.string(value).prefix(80))")
        }
        // Reserved, not grown by doubling: room for the newline, and not much more.
        let answer: JSONValue = ["content": .array((0..<4).map { _ in ["data": .string(String(repeating: "QUJD", count: 262_144))] })]
        let written = JSONWriter.bytes(answer, extraCapacity: 1)
        #expect(written.capacity >= written.count + 1)
        #expect(written.capacity <= JSONWriter.estimatedSize(answer) + 1 + 4096, "\(written.capacity) for \(written.count) bytes")
    }

    @Test func writesNonFiniteNumbersAsNull() {
        #expect(JSONWriter.string(.double(.infinity)) == "null")
    }
}
