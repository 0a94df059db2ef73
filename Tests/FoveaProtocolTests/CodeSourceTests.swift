import Testing
@testable import FoveaProtocol

/// What is stripped from a model's code before a family sees it, and the CPython string
/// operations the observations reproduce.
@Suite struct CodeSourceTests {
    @Test func oneSurroundingFenceIsRemoved() {
        #expect(CodeSource.clean("```python\nprint(1)\n```") == "print(1)")
        #expect(CodeSource.clean("\n  ```py  \nprint(1)\nprint(2)\n```\n\n") == "print(1)\nprint(2)")
        #expect(CodeSource.clean("```\nx = 1\n```") == "x = 1")
        #expect(CodeSource.clean("```Python3\r\nx = 1\r\n```") == "x = 1\r")
        #expect(CodeSource.clean("```python\nprint(1)```") == "print(1)")
        #expect(CodeSource.clean("```print(1)```") == "print(1)")
        #expect(CodeSource.clean("```python print(1)```") == "print(1)")
        #expect(CodeSource.clean("```python\n```") == "")
    }

    @Test func codeTagsAndAFenceInsideThemAreRemoved() {
        #expect(CodeSource.clean("<code>\n```python\nprint(1)\n```\n</code>") == "print(1)")
        #expect(CodeSource.clean("<code>print(1)</code>") == "print(1)")
        #expect(CodeSource.clean("  <code>\nx = 1\n  y = 2\n</code>\n") == "x = 1\n  y = 2")
    }

    @Test func anythingElseIsKeptByteForByte() {
        // Another language, text around the block, two blocks: not one surrounding Python fence.
        #expect(CodeSource.clean("```bash\nls\n```") == "```bash\nls\n```")
        #expect(CodeSource.clean("Here:\n```python\nx = 1\n```") == "Here:\n```python\nx = 1\n```")
        #expect(CodeSource.clean("print('```')") == "print('```')")
        #expect(CodeSource.clean("x = 1\n\n\n# done\n") == "x = 1\n\n\n# done\n")
        #expect(CodeSource.clean("s = '''\n  a\\tb\n'''") == "s = '''\n  a\\tb\n'''")
        #expect(CodeSource.clean("") == "")
    }

    @Test func commonIndentationIsRemovedAsTextwrapDoes() {
        #expect(CodeSource.dedent("    x = 1\n    if x:\n        y = 2\n") == "x = 1\nif x:\n    y = 2\n")
        // Blank lines do not count; a blank line shorter than the margin empties.
        #expect(CodeSource.dedent("  a\n\n \n  b") == "a\n\n\nb")
        // Spaces and a tab are different indentation: nothing in common.
        #expect(CodeSource.dedent("    a\n\tb") == "    a\n\tb")
        #expect(CodeSource.dedent("\t\ta\n\tb") == "\ta\nb")
        // Beyond the margin, a whitespace-only line keeps what it had (textwrap would empty it).
        #expect(CodeSource.dedent("  a\n      \n  b") == "a\n    \nb")
        #expect(CodeSource.dedent("no indent\n    x") == "no indent\n    x")
    }

    @Test func pythonStripRemovesUnicodeWhitespace() {
        #expect(PythonText.strip(" \t\n\u{0B}\u{0C}\r\u{1C}\u{85}\u{A0}x y\u{2028}\u{3000}") == "x y")
        #expect(PythonText.strip("\u{200B}x") == "\u{200B}x")  // ZERO WIDTH SPACE is not whitespace to Python
        #expect(PythonText.strip("   ") == "")
    }

    @Test func reprChoosesQuotesAndEscapesAsCPython() {
        #expect(PythonText.repr("abc") == "'abc'")
        #expect(PythonText.repr("it's") == "\"it's\"")
        #expect(PythonText.repr("it's \"q\"") == "'it\\'s \"q\"'")
        #expect(PythonText.repr("a\\b\n\t\r\u{1B}[0m\u{7F}") == "'a\\\\b\\n\\t\\r\\x1b[0m\\x7f'")
        #expect(PythonText.repr("é\u{A0}\u{200B}\u{2028}😀\u{E000}") == "'é\\xa0\\u200b\\u2028😀\\ue000'")
        #expect(PythonText.listRepr(["a", "b'c"]) == "['a', \"b'c\"]")
        #expect(PythonText.listRepr([]) == "[]")
    }

    @Test func jsonDumpsKeepsNonASCIIAndEscapesControls() {
        #expect(PythonText.jsonString("a\"b\\c\nd\te\u{08}\u{0C}\r\u{01}\u{1F}\u{7F}é😀\u{2028}")
                == "\"a\\\"b\\\\c\\nd\\te\\b\\f\\r\\u0001\\u001f\u{7F}é😀\u{2028}\"")
    }

    @Test func slicesCountCodePoints() {
        let text = "e\u{301}x"  // one Character, two code points, then x
        #expect(PythonText.length(text) == 3)
        #expect(PythonText.prefix(text, 1) == "e")
        #expect(PythonText.suffix(text, 2) == "\u{301}x")
        #expect(PythonText.startsWith("e\u{301}", "e"))
        #expect(PythonText.splitLines("a\n\nb\n") == ["a", "", "b", ""])
    }
}
