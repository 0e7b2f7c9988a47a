// The parser: recursive descent over the tokens, following `Grammar/DubQL.ebnf` rule by rule.
// It never throws: it reports, synthesizes what is missing, and resynchronizes.

/// The outcome of parsing: a tree (always) and the diagnostics (lexical and syntactic, in source order).
public struct ParseResult: Sendable {
    public var script: Script
    public var diagnostics: [Diagnostic]
    public init(script: Script, diagnostics: [Diagnostic]) {
        self.script = script
        self.diagnostics = diagnostics
    }
    /// True when any diagnostic is an error; the script is then a best effort and should not run.
    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// Parses DubQL scripts and statements.
public struct Parser {
    /// How deeply parentheses and `NOT`s may nest in one condition.
    public static let maximumDepth = 256
    /// The parser stops after this many errors (lexical errors included).
    public static let maximumErrors = 10

    /// Parses a script of `;`-separated statements.
    ///
    /// The parser reads the source's bytes in place, and a short source's tokens live on the
    /// stack (see ``Lexer``): the only allocations are those of the tree.
    public static func parse(_ source: SourceFile) -> ParseResult {
        source.withBytes { bytes in
            Lexer.withTokens(of: bytes) { tokens, lexical in
                var parser = Parser(source, bytes: bytes, tokens: tokens, lexical: lexical)
                let script = parser.parseScript()
                return ParseResult(script: script, diagnostics: parser.finishDiagnostics())
            }
        }
    }

    /// Parses `text` as a script named `<query>`.
    public static func parse(_ text: String, name: String = "<query>") -> ParseResult {
        parse(SourceFile(name: name, text: text))
    }

    // MARK: - State

    let source: SourceFile
    /// The source's bytes and their tokens, valid for the parse (see ``parse(_:)``).
    let bytes: UnsafeBufferPointer<UInt8>
    let tokens: UnsafeBufferPointer<RawToken>
    var index = 0
    var diagnostics: [Diagnostic] = []
    var lexicalDiagnostics: [Diagnostic]
    var errorCount = 0
    /// Set when the error budget is spent: every parse function then winds down quickly.
    var stopped = false

    init(_ source: SourceFile, bytes: UnsafeBufferPointer<UInt8>, tokens: UnsafeBufferPointer<RawToken>,
         lexical: [Diagnostic]) {
        self.source = source
        self.bytes = bytes
        self.tokens = tokens
        self.lexicalDiagnostics = lexical
        self.errorCount = lexical.count(where: { $0.isError })
        if errorCount >= Parser.maximumErrors { stopped = true }
    }

    var current: RawToken { tokens[index] }
    var kind: TokenKind { tokens[index].kind }
    var atEnd: Bool { tokens[index].kind == .endOfInput }

    func peek(_ offset: Int = 1) -> RawToken { tokens[min(index + offset, tokens.count - 1)] }

    @discardableResult
    mutating func advance() -> RawToken {
        let t = tokens[index]
        if index < tokens.count - 1 { index += 1 }
        return t
    }

    func at(_ k: Keyword) -> Bool { kind == .keyword(k) }

    mutating func accept(_ k: Keyword) -> RawToken? {
        at(k) ? advance() : nil
    }

    mutating func accept(_ k: TokenKind) -> RawToken? {
        kind == k ? advance() : nil
    }

    /// The end offset of the last consumed token (where a node that ends "here" ends).
    var previousEnd: Int { index > 0 ? tokens[index - 1].end : 0 }

    // MARK: - script = { [ statement ] ";" } [ statement ]

    /// `script = { [ statement ] ";" } [ statement ] ;`
    mutating func parseScript() -> Script {
        var statements: [Statement] = []
        // Statements are large values: reserve once instead of copying them on every regrowth.
        // A source short enough for the stack buffer holds a few at most, and is not counted.
        var expectedCount = 1
        if tokens.count >= Lexer.stackTokens {
            for t in tokens where t.kind == .semicolon { expectedCount += 1 }
        }
        statements.reserveCapacity(expectedCount)
        while !atEnd && !stopped {
            let before = index
            if accept(.semicolon) != nil { continue }
            parseStatement(into: &statements)
            if stopped { break }
            if !atEnd && kind != .semicolon {
                if at(.select) || at(.explain) {
                    expected("';' before the next statement")
                } else {
                    expected("';' or end of input")
                    skip(until: { $0.kind == .semicolon || $0.kind == .keyword(.select) || $0.kind == .keyword(.explain) })
                }
            }
            if index == before { advance() } // progress guard
        }
        return Script(statements: statements, span: Span(start: 0, end: bytes.count))
    }

    // MARK: - statement = [ "EXPLAIN" ] select

    /// `statement = [ "EXPLAIN" ] select ;` Appends the statement, unless no `SELECT` could be
    /// found. A statement is a large value: it is parsed in place in the array, never moved.
    mutating func parseStatement(into statements: inout [Statement]) {
        let start = current.start
        let explain = accept(.explain)?.span
        let empty = Span(at: start)
        statements.append(Statement(explain: explain, emptyAt: empty))
        let last = statements.count - 1
        if let end = parseSelect(into: &statements[last].select) {
            statements[last].span = Span(start: start, end: end)
        } else {
            statements.removeLast()
        }
    }

    /// `select = "SELECT" ( event | projection "FROM" event ) { clause } ;` into an empty
    /// statement; returns the end of its span, or nil when no `SELECT` could be found.
    mutating func parseSelect(into statement: inout SelectStatement) -> Int? {
        guard let selectToken = accept(.select) else {
            expected("'SELECT'", suggesting: [.select, .explain])
            skip(until: { $0.kind == .semicolon || $0.kind == .keyword(.select) })
            if at(.select) { return parseSelect(into: &statement) }
            return nil
        }
        statement.event = Name("", span: Span(at: selectToken.end))
        statement.span = selectToken.span
        parseTarget(into: &statement)
        parseClauses(into: &statement)
        let end = max(selectToken.end, previousEnd)
        statement.span = Span(start: selectToken.start, end: end)
        return end
    }

    /// `event | projection "FROM" event`, where `projection = "*" | item { "," item } ;`
    mutating func parseTarget(into statement: inout SelectStatement) {
        if let star = accept(.star) {
            statement.projection = .all(star.span)
            parseFromEvent(into: &statement)
            return
        }
        guard isNameStart else {
            expected("an event name (clicks, leads, sales) or columns")
            return
        }
        // `SELECT clicks WHERE ...`: a lone name that no column syntax follows is the event, read
        // without building a column for it first.
        switch peek().kind {
        case .dot, .leftBracket, .leftParen, .comma, .keyword(.from):
            break
        case .identifier where peek().end - peek().start == 2 && slice(peek()).lowercased() == "as":
            break
        default:
            statement.event = parseName()
            return
        }
        let first = parseSelectItem()
        if kind == .comma || at(.from) || first.plainField == nil {
            var items = [first]
            while accept(.comma) != nil && !stopped {
                guard isNameStart else { expected("a column"); break }
                items.append(parseSelectItem())
            }
            let span = Span(start: first.span.start, end: items.last?.span.end ?? first.span.end)
            statement.projection = .columns(items, span)
            parseFromEvent(into: &statement)
        } else if let field = first.plainField, field.components.count == 1, let name = field.components.first {
            statement.event = name
        } else {
            error(.unexpectedToken, "expected an event name (clicks, leads, sales), found '\(source.slice(first.span))'",
                  at: first.span, hints: ["a projection needs FROM: SELECT \(source.slice(first.span)) FROM clicks"])
        }
    }

    /// `"FROM" event` with `event = name ;`
    mutating func parseFromEvent(into statement: inout SelectStatement) {
        guard accept(.from) != nil else {
            expected("'FROM'", suggesting: [.from])
            return
        }
        guard isNameStart else {
            expected("an event name (clicks, leads, sales)")
            return
        }
        statement.event = parseName()
    }

    // MARK: - Names and fields

    var isNameStart: Bool { kind == .identifier || kind == .quotedIdentifier }

    /// `name = identifier | quoted_identifier ;` (call only when ``isNameStart``)
    mutating func parseName() -> Name {
        let t = advance()
        return name(from: t)
    }

    mutating func name(from t: RawToken) -> Name {
        if t.kind == .quotedIdentifier {
            let text = Lexer.unquote(bytes, t.start, t.end, quote: 96)
            if text.isEmpty { error(.emptyName, "expected a name between the back quotes, found nothing", at: t.span) }
            return Name(text, span: t.span)
        }
        return Name(slice(t), span: t.span)
    }

    /// `field = name { "." member | "[" string "]" } ;` with `member = name | keyword ;`
    /// (call only when ``isNameStart``).
    mutating func parseField() -> FieldPath {
        var components = FieldPath.Components(parseName())
        let start = components[0].span.start
        while !stopped {
            if kind == .dot {
                advance()
                if isNameStart || { if case .keyword = kind { true } else { false } }() {
                    let t = advance()
                    components.append(t.kind == .quotedIdentifier ? name(from: t) : Name(slice(t), span: t.span))
                } else {
                    expected("a name after '.'")
                    break
                }
            } else if kind == .leftBracket {
                advance()
                if kind == .singleQuotedString || kind == .doubleQuotedString {
                    let t = advance()
                    let text = stringText(t)
                    if text.isEmpty { error(.emptyName, "expected a name between the quotes, found nothing", at: t.span) }
                    components.append(Name(text, span: t.span))
                } else {
                    expected("a quoted name such as ['plan tier']")
                }
                if accept(.rightBracket) == nil { expected("']'") ; break }
            } else {
                break
            }
        }
        return FieldPath(components: components, span: Span(start: start, end: previousEnd))
    }

    // MARK: - Token texts

    func slice(_ t: RawToken) -> String {
        Lexer.string(bytes, t.start, t.end)
    }

    func stringText(_ t: RawToken) -> String {
        Lexer.decodedText(of: t, in: bytes)
    }
}
