// Reporting and recovery for the parser: `expected X, found Y`, "did you mean", skipping to a
// synchronizing token, and the error budget.

extension Parser {
    // MARK: - Reporting

    /// Records an error unless the budget is spent; spending the last of it stops the parser.
    mutating func error(_ code: DiagnosticCode, _ message: String, at span: Span,
                        notes: [DiagnosticNote] = [], hints: [String] = []) {
        guard !stopped else { return }
        diagnostics.append(.error(code, message, at: span, notes: notes, hints: hints))
        errorCount += 1
        if errorCount >= Parser.maximumErrors { stopped = true }
    }

    /// Reports `expected <what>, found <current token>` at the current token. An error token was
    /// already reported by the lexer, so it is not reported again. When the current token is a
    /// word close to one of `suggesting`, the diagnostic hints at it.
    mutating func expected(_ what: String, suggesting keywords: [Keyword] = [], extraHints: [String] = []) {
        let t = current
        guard t.kind != .error else { return }
        var hints: [String] = extraHints
        if let quoted = severalWordsHint() {
            // `os = Mac OS`: a value of two words, not a misspelt `OR`.
            hints.append(quoted)
        } else if t.kind == .identifier, !keywords.isEmpty {
            let word = slice(t)
            if let hint = DidYouMean.hint(DidYouMean.candidates(for: word, in: keywords.map(\.rawValue), limit: 1)) {
                hints.append(hint)
            }
        }
        // At the end of input, point just after the last token rather than at trailing blank
        // lines or comments, where the missing text belongs.
        let span = t.kind == .endOfInput ? Span(at: previousEnd) : t.span
        error(.unexpectedToken, "expected \(what), found \(describe(t))", at: span, hints: hints)
    }

    /// When the current word follows a bare word compared with `=`, `!=` or `<>` (`os = Mac OS`),
    /// a hint to quote the words as one value (`os = 'Mac OS'`).
    func severalWordsHint() -> String? {
        guard current.kind == .identifier, index >= 2 else { return nil }
        let value = tokens[index - 1], op = tokens[index - 2]
        guard value.kind == .identifier, [.equal, .notEqual, .lessGreater].contains(op.kind) else { return nil }
        var end = index
        while end < tokens.count, tokens[end].kind == .identifier { end += 1 }
        let words = tokens[(index - 1)..<end].map { slice($0) }.joined(separator: " ")
        let field = index >= 3 && tokens[index - 3].kind == .identifier && (index < 4 || tokens[index - 4].kind != .dot)
            ? slice(tokens[index - 3]) + " " : ""
        return "quote a value of several words: \(field)\(slice(op)) '\(words.replacingQuotes())'"
    }

    /// How a token is named in a message: its source text in quotes (shortened), or `end of input`.
    func describe(_ t: RawToken) -> String {
        switch t.kind {
        case .endOfInput: return "end of input"
        case .keyword: return "keyword '\(slice(t).uppercased())'"
        default:
            let text = slice(t)
            let shown = text.count > 24 ? String(text.prefix(20)) + "..." : text
            switch t.kind {
            case .singleQuotedString, .doubleQuotedString: return "string \(shown)"
            case .integer, .decimal: return "number '\(shown)'"
            case .money: return "amount '\(shown)'"
            default: return "'\(shown)'"
            }
        }
    }

    /// When the current token touches a bare value before it (`dub.sh`, `US-CA`), a hint to quote
    /// the whole run of touching tokens as one text value.
    func adjacentValueHint() -> String? {
        guard index > 0, current.start == tokens[index - 1].end else { return nil }
        switch current.kind {
        case .comma, .semicolon, .rightParen, .leftParen, .endOfInput: return nil
        default: break
        }
        switch tokens[index - 1].kind {
        case .identifier, .integer, .decimal, .duration, .date, .dateTime: break
        default: return nil
        }
        var end = index
        while end < tokens.count - 1, tokens[end].start == tokens[end - 1].end {
            switch tokens[end].kind {
            case .semicolon, .comma, .rightParen, .endOfInput: break
            default: end += 1; continue
            }
            break
        }
        let text = source.slice(Span(start: tokens[index - 1].start, end: tokens[end - 1].end))
        return "to use '\(text)' as a value, quote it: \(Printer.quoted(text))"
    }

    // MARK: - Recovery

    /// Skips tokens until `stop` holds for the current token or the input ends.
    mutating func skip(until stop: (RawToken) -> Bool) {
        while !atEnd && !stop(current) { advance() }
    }

    /// The lexer's and the parser's diagnostics in source order, errors capped at the budget, with
    /// a final error when parsing stopped early.
    mutating func finishDiagnostics() -> [Diagnostic] {
        if lexicalDiagnostics.isEmpty && diagnostics.isEmpty { return [] }
        var all = lexicalDiagnostics + diagnostics
        // Stable sort by position: the lexer saw the whole input, the parser only part of it.
        all = all.enumerated().sorted { a, b in
            (a.element.span.start, a.offset) < (b.element.span.start, b.offset)
        }.map(\.element)
        var kept: [Diagnostic] = []
        var errors = 0
        for d in all {
            if d.isError {
                if errors == Parser.maximumErrors { break }
                errors += 1
            }
            kept.append(d)
        }
        if errors == Parser.maximumErrors, stopped || all.count(where: { $0.isError }) > errors,
           let last = kept.last(where: { $0.isError }) {
            kept.append(Diagnostic(.note, .tooManyErrors, "too many errors (\(Parser.maximumErrors)); stopped here",
                                   at: Span(at: last.span.end)))
        }
        return kept
    }
}

// MARK: - Edit distance

/// The edit distance every "did you mean" of DubQL uses.
public enum EditDistance {
    /// Optimal-string-alignment distance: Levenshtein plus transpositions of adjacent elements
    /// (`SELETC` is one edit from `SELECT`).
    public static func between<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var prev2 = [Int](repeating: 0, count: b.count + 1)
        var prev = Array(0...b.count)
        var cur = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            cur[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cur[j] = min(cur[j], prev2[j - 2] + 1)
                }
            }
            (prev2, prev, cur) = (prev, cur, prev2)
        }
        return prev[b.count]
    }
}

// MARK: - Did you mean

/// The one "did you mean" policy of DubQL: the parser's keywords, the binder's fields, values and
/// time zones, and the shell's dot-commands all suggest by this rule.
///
/// A candidate is near a word (case-insensitively) when it is within
/// ``maximumDistance(forLength:)`` edits of it, or when the word, three characters or more, begins
/// it (`.hist` for `.history`). Words longer than ``maximumWordLength`` get no suggestion, so a
/// huge identifier costs no more than reading it.
public enum DidYouMean {
    /// The longest word that gets suggestions: longer than any name or value DubQL knows.
    public static let maximumWordLength = 64

    /// The most edits that still read as a typo of a word of `length` characters: one up to four
    /// characters, two up to eight, three beyond.
    public static func maximumDistance(forLength length: Int) -> Int {
        length <= 4 ? 1 : length <= 8 ? 2 : 3
    }

    /// Up to `limit` candidates near `word`, nearest first (ties in alphabetical order).
    public static func candidates(for word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        // The byte count is known without reading the word: a huge word stops here.
        guard !word.isEmpty, word.utf8.count <= maximumWordLength * 4 else { return [] }
        let w = Array(word.lowercased())
        guard w.count <= maximumWordLength else { return [] }
        let most = maximumDistance(forLength: w.count)
        var scored: [(candidate: String, distance: Int)] = []
        var seen = Set<String>()
        for candidate in candidates where seen.insert(candidate).inserted {
            let c = Array(candidate.lowercased())
            if w.count >= 3, c.count > w.count, c.starts(with: w) {
                // The distance to a word's continuation is the number of characters added.
                scored.append((candidate, c.count - w.count))
            } else if abs(c.count - w.count) <= most {
                let d = EditDistance.between(w, c)
                if d <= most { scored.append((candidate, d)) }
            }
        }
        scored.sort { $0.distance != $1.distance ? $0.distance < $1.distance : $0.candidate < $1.candidate }
        return scored.prefix(limit).map(\.candidate)
    }

    /// The nearest candidate, or `nil` when none is near.
    public static func best(for word: String, in candidates: some Sequence<String>) -> String? {
        self.candidates(for: word, in: candidates, limit: 1).first
    }

    /// `did you mean 'US'?`, `did you mean 'US', 'UA' or 'SA'?`, or `nil` for no candidates.
    public static func hint(_ candidates: [String]) -> String? {
        guard !candidates.isEmpty else { return nil }
        let q = candidates.map { "'\($0)'" }
        if q.count == 1 { return "did you mean \(q[0])?" }
        return "did you mean \(q.dropLast().joined(separator: ", ")) or \(q[q.count - 1])?"
    }
}

extension String {
    /// Single quotes doubled, for a value written inside `'...'`.
    fileprivate func replacingQuotes() -> String {
        var out = ""
        for c in self { out += c == "'" ? "''" : String(c) }
        return out
    }
}
