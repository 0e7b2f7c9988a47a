// Whether a REPL buffer is a statement ready to run, or needs more lines.

/// Decides whether the REPL runs the buffer at Enter or shows the continuation prompt.
public enum Completeness {
    /// The state of a buffer.
    public enum Status: Hashable, Sendable {
        /// Ready to run (possibly with errors that more text would not fix).
        case complete
        /// Nothing but white space and comments.
        case empty
        /// Needs more text; `reason` says why (`open parenthesis`, `trailing 'AND'`, ...).
        case incomplete(reason: String)
    }

    /// The status of `text`: incomplete with an open parenthesis, quote or block comment, a
    /// trailing word or symbol that needs an argument (AND OR NOT WHERE IN `,` an operator, a
    /// clause keyword), or anything else the parser would need at the end of input; complete at a
    /// final `;` or when the statement is whole.
    public static func check(_ text: String) -> Status {
        let (tokens, lexical) = Lexer.scan(Array(text.utf8))
        for d in lexical {
            switch d.code {
            case .unterminatedString: return .incomplete(reason: "open quote")
            case .unterminatedQuotedIdentifier: return .incomplete(reason: "open back quote")
            case .unterminatedComment: return .incomplete(reason: "open block comment")
            default: continue
            }
        }
        let significant = tokens.dropLast() // end of input
        guard let last = significant.last else { return .empty }
        if last.kind == .semicolon { return .complete }

        var depth = 0
        for t in significant {
            switch t.kind {
            case .semicolon: depth = 0
            case .leftParen: depth += 1
            case .rightParen: depth = max(0, depth - 1)
            default: break
            }
        }
        if depth > 0 { return .incomplete(reason: "open parenthesis") }

        if let reason = trailingReason(last.kind) { return .incomplete(reason: reason) }

        let result = Parser.parse(SourceFile(name: "<buffer>", text: text))
        // Errors after the last token are about what is missing at the end.
        if let atEnd = result.diagnostics.first(where: { $0.isError && $0.span.start >= last.end }) {
            return .incomplete(reason: atEnd.message)
        }
        return .complete
    }

    /// Why a buffer ending in a token of this kind needs more, or nil when it may end there.
    static func trailingReason(_ kind: TokenKind) -> String? {
        switch kind {
        case .keyword(let k):
            switch k {
            case .asc, .desc, .true, .false: return nil
            default: return "trailing '\(k.rawValue)'"
            }
        case .comma: return "trailing ','"
        case .dot: return "trailing '.'"
        case .leftBracket: return "open bracket"
        case .equal, .notEqual, .lessGreater, .less, .lessEqual, .greater, .greaterEqual:
            return "trailing operator"
        default: return nil
        }
    }
}
