// Diagnostics never send a script's control characters to the terminal raw: the echoed line and
// the messages (which quote source text) show them escaped, and carets still point right.

import DubQLTestSupport
import Testing
@testable import DubQLSyntax

/// True when `text` holds a control character (C0, DEL or C1) other than a newline.
func hasRawControl(_ text: String) -> Bool {
    text.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || ($0.value >= 0x7F && $0.value < 0xA0) }
}

@Suite("Diagnostic renderer: control characters")
struct RendererControlTests {
    func rendered(_ text: String) -> String {
        let source = SourceFile(name: "q.dql", text: text)
        return DiagnosticRenderer.render(Parser.parse(source).diagnostics, in: source, color: false)
    }

    @Test func escapeSequenceInAQuotedNameIsShownEscapedWithTheCaretUnderTheError() {
        // A missing condition after a name holding ESC ] 0 ; PWNED BEL (which retitles a terminal).
        let out = rendered("SELECT `a\u{1B}]0;PWNED\u{07}b` FROM clicks WHERE =")
        #expect(!hasRawControl(out))
        // The caret sits under the `=`, 46 columns in: the two escapes are four columns each.
        #expect(out == "q.dql:1:41: error[DQL0201]: expected a condition (a field such as country, NOT, or '('), found '='\n"
                + "1 | SELECT `a\\x1b]0;PWNED\\x07b` FROM clicks WHERE =\n"
                + "  | " + String(repeating: " ", count: 46) + "^\n")
    }

    @Test func controlCharactersInAMessageAreEscaped() {
        let out = rendered("SELECT clicks WHERE country = US\u{1B}[2J")
        #expect(!hasRawControl(out))
        #expect(out.contains("unexpected character U+001B"))
        #expect(out.contains("1 | SELECT clicks WHERE country = US\\x1b[2J\n"))
        // The caret is under the escape's first column (the backslash), one caret for four columns.
        #expect(out.contains("\n  |                                 ^^^^\n"))
    }

    @Test func quotedSourceTextInAMessageIsEscaped() {
        let out = rendered("SELECT clicks WHERE country = 'US\u{9B}31m' 'x'")
        #expect(!hasRawControl(out))
        #expect(out.contains("'US\\u{9b}31m'"))
    }

    @Test func caretAfterAnEscapeCountsItsWidth() {
        // The error is after the escaped character: the caret moves right by the escape's width.
        let out = rendered("SELECT clicks WHERE city = 'a\u{07}b' AND")
        #expect(out.contains("1 | SELECT clicks WHERE city = 'a\\x07b' AND\n"))
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let echoed = lines[1], underline = lines[2]
        let caret = underline.firstIndex(of: "^").map { underline.distance(from: underline.startIndex, to: $0) }
        let and = echoed.range(of: "AND").map { echoed.distance(from: echoed.startIndex, to: $0.upperBound) }
        // `AND` ends the line, so the caret (end of input) is just past it.
        #expect(caret == and)
    }

    @Test func tabsStayOneSpaceAndCarriageReturnsAreEscaped() {
        let out = rendered("SELECT clicks\tWHERE\r x = ")
        #expect(!hasRawControl(out))
        #expect(out.contains("SELECT clicks WHERE\\r x = "))
    }

    @Test func visibleKeepsNewlinesAndPlainText() {
        #expect(DiagnosticRenderer.visible("a\nb") == "a\nb")
        #expect(DiagnosticRenderer.visible("plain 'Zürich'") == "plain 'Zürich'")
        #expect(DiagnosticRenderer.visible("\u{1B}]0;x\u{07}\u{7F}\u{85}\t\r") == "\\x1b]0;x\\x07\\x7f\\u{85}\\t\\r")
    }

    /// Random bytes, control characters among them, in scripts with errors: whatever the parser
    /// reports, the rendered diagnostics hold no control character but newlines.
    @Test(arguments: 0..<4)
    func renderedDiagnosticsNeverHoldRawControls(_ seed: Int) {
        var random = SplitMix64(seed: UInt64(900 + seed))
        let controls: [UInt8] = Array(0...31) + [0x7F]
        let pieces = ["SELECT clicks WHERE country = ", "'", "`", "\"", "city = ", " AND ", "(", "=", "\n", "ü", "\u{1B}]0;PWNED\u{07}", "\u{9B}"]
        var rendered = 0
        for i in 0..<500 {
            var bytes: [UInt8] = []
            for _ in 0..<random.int(in: 1...12) {
                switch random.below(3) {
                case 0: bytes += random.pick(pieces).utf8
                case 1: bytes.append(random.pick(controls))
                default: bytes.append(UInt8(truncatingIfNeeded: random.next()))
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            let source = SourceFile(name: "f\u{1B}.dql", text: text)
            let diagnostics = Parser.parse(source).diagnostics
            let out = DiagnosticRenderer.render(diagnostics, in: source, color: false)
            if !diagnostics.isEmpty { rendered += 1 }
            #expect(!hasRawControl(out), "seed \(seed) case \(i): \(Array(text.utf8))")
        }
        #expect(rendered > 400)
    }
}
