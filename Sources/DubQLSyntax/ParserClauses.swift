// The clauses of a SELECT (in any order, each at most once), instants, integers and values.

extension Parser {
    /// The keywords that start a clause, in canonical order (for messages and recovery).
    static let clauseKeywords: [Keyword] = [.where, .group, .having, .since, .between, .timezone, .order, .limit, .offset, .page]

    static func isClauseStart(_ kind: TokenKind) -> Bool {
        switch kind {
        case .keyword(.where), .keyword(.group), .keyword(.having), .keyword(.since), .keyword(.until), .keyword(.between), .keyword(.timezone),
             .keyword(.order), .keyword(.limit), .keyword(.offset), .keyword(.page):
            true
        default: false
        }
    }

    /// A token where clause-level recovery stops.
    static func isStatementSync(_ kind: TokenKind) -> Bool {
        isClauseStart(kind) || kind == .semicolon || kind == .keyword(.select) || kind == .keyword(.explain)
    }

    // MARK: - { clause }

    /// `{ clause }` where
    /// `clause = where | group_by | having | time | timezone | order_by | limit | offset | page ;`
    mutating func parseClauses(into s: inout SelectStatement) {
        var nextStatement = false
        while !atEnd && !stopped && kind != .semicolon && !nextStatement {
            let before = index
            let errorsBefore = errorCount
            let keywordSpan = current.span
            defer {
                // A clause that stopped at the token it complained about leaves its rest behind:
                // skip it quietly, so that one mistake is reported once.
                if errorCount > errorsBefore, !Parser.isStatementSync(kind),
                   let last = diagnostics.last, last.span.start >= current.start {
                    skip(until: { Parser.isStatementSync($0.kind) })
                }
                if index == before && !nextStatement { advance() } // progress guard
            }
            switch kind {
            case .keyword(.where):
                advance()
                let condition = parseCondition()
                let clause = WhereClause(condition: condition, span: keywordSpan.union(Span(at: previousEnd)))
                if let first = s.whereClause { duplicate("WHERE", at: keywordSpan, first: first.span) } else { s.whereClause = clause }
            case .keyword(.group):
                let clause = parseGroupBy()
                if let first = s.groupBy { duplicate("GROUP BY", at: keywordSpan, first: first.span) } else if let clause { s.groupBy = clause }
            case .keyword(.having):
                let clause = parseHaving()
                if let first = s.having { duplicate("HAVING", at: keywordSpan, first: first.span) } else { s.having = clause }
            case .keyword(.since), .keyword(.between):
                let clause = parseTimeClause()
                if let first = s.time { duplicate("time", at: keywordSpan, first: first.span) } else { s.time = clause }
            case .keyword(.until):
                advance()
                error(.unexpectedToken, "expected 'SINCE' before 'UNTIL', found 'UNTIL'", at: keywordSpan,
                      hints: ["write SINCE start UNTIL end, or BETWEEN start AND end"])
                _ = parseInstant()
            case .keyword(.timezone):
                let clause = parseTimezone()
                if let first = s.timezone { duplicate("TIMEZONE", at: keywordSpan, first: first.span) } else { s.timezone = clause }
            case .keyword(.order):
                let clause = parseOrderBy()
                if let first = s.orderBy { duplicate("ORDER BY", at: keywordSpan, first: first.span) } else if let clause { s.orderBy = clause }
            case .keyword(.limit):
                let clause = parseIntegerClause()
                if let first = s.limit { duplicate("LIMIT", at: keywordSpan, first: first.span) } else if let clause { s.limit = clause }
            case .keyword(.offset):
                let clause = parseIntegerClause()
                if let first = s.offset { duplicate("OFFSET", at: keywordSpan, first: first.span) } else if let clause { s.offset = clause }
            case .keyword(.page):
                let clause = parseIntegerClause()
                if let first = s.page { duplicate("PAGE", at: keywordSpan, first: first.span) } else if let clause { s.page = clause }
            case .keyword(.select), .keyword(.explain):
                nextStatement = true // the script reports the missing ';'
            default:
                let afterWhere = index > 0 && s.whereClause != nil && s.whereClause?.span.end == previousEnd
                var hints = [adjacentValueHint()].compactMap { $0 }
                if let grouped = thousandsSeparatorHint() {
                    hints = [grouped]
                } else if kind == .comma, afterWhere {
                    hints.append("to match any of several values, use IN: country IN (US, DE)")
                } else if kind == .comma, let limit = s.limit, limit.span.end == previousEnd {
                    hints.append("LIMIT takes one number; to skip rows write LIMIT \(limit.text) OFFSET n")
                }
                expected((afterWhere ? "AND, OR, " : "") + "a clause (WHERE, GROUP BY, HAVING, SINCE, BETWEEN, TIMEZONE, ORDER BY, LIMIT, OFFSET, PAGE) or ';'",
                         suggesting: Parser.clauseKeywords + [.until, .from, .and, .or],
                         extraHints: hints)
                skip(until: { Parser.isStatementSync($0.kind) })
            }
        }
    }

    mutating func duplicate(_ what: String, at span: Span, first: Span) {
        let article = what == "time" ? "a" : "one"
        error(.duplicateClause, "duplicate \(what) clause: a statement has at most \(article) \(what) clause", at: span,
              notes: [DiagnosticNote("the first \(what) clause is here", span: first)])
    }

    // MARK: - Time

    /// `time = "SINCE" instant [ "UNTIL" instant ] | "BETWEEN" instant "AND" instant ;`
    mutating func parseTimeClause() -> TimeClause {
        let keyword = advance()
        let first = parseInstant()
        if keyword.kind == .keyword(.between) {
            guard accept(.and) != nil else {
                expected("'AND' between the two instants of BETWEEN", suggesting: [.and])
                return .between(first, first, span: keyword.span.union(first.span))
            }
            let second = parseInstant()
            return .between(first, second, span: keyword.span.union(second.span))
        }
        if accept(.until) != nil {
            let end = parseInstant()
            return .since(first, until: end, span: keyword.span.union(end.span))
        }
        return .since(first, until: nil, span: keyword.span.union(first.span))
    }

    /// `instant = duration | preset | date | date_time | string ;` (a string holds a date or date-time)
    mutating func parseInstant() -> Instant {
        let t = current
        switch t.kind {
        case .duration:
            advance()
            return durationInstant(t)
        case .identifier:
            advance()
            let word = slice(t)
            if let preset = PresetName(rawValue: word.lowercased()) { return Instant(.preset(preset), span: t.span) }
            let names = PresetName.allCases.map(\.rawValue)
            let hint = DidYouMean.hint(DidYouMean.candidates(for: word, in: names, limit: 1))
            error(.invalidInstant, "expected a duration, a preset or a date, found '\(word)'", at: t.span,
                  hints: (hint.map { [$0] } ?? []) + ["durations: 90m 24h 7d 2w 3mo 1y; presets: mtd qtd ytd all all_unfiltered"])
            return Instant(.preset(.all), span: t.span)
        case .date, .dateTime:
            advance()
            if case .success(let date) = DateScanner.parse(bytes, t.start, t.end) {
                return Instant(.date(date), span: t.span)
            }
            return Instant(.preset(.all), span: t.span)
        case .singleQuotedString, .doubleQuotedString:
            advance()
            let text = stringText(t)
            switch DateScanner.parse(text) {
            case .success(let date):
                return Instant(.date(date), span: t.span)
            case .failure(let reason):
                error(.invalidInstant, "invalid instant '\(text)': \(reason)", at: t.span)
                return Instant(.preset(.all), span: t.span)
            }
        case .integer:
            advance()
            var span = t.span
            // `30 days`: take the unit word along, so the one mistake is one error.
            if kind == .identifier, let first = slice(current).first, "mhdwyMHDWY".contains(first) {
                span = span.union(advance().span)
            }
            error(.invalidInstant, "expected a duration, a preset or a date, found '\(source.slice(span))'", at: span,
                  hints: ["write the number and its unit together, e.g. '\(slice(t))d' (units: m h d w mo y)"])
            return Instant(.preset(.all), span: span)
        case .error:
            advance()
            return Instant(.preset(.all), span: t.span)
        default:
            expected("a duration, a preset or a date")
            return Instant(.preset(.all), span: Span(at: t.start))
        }
    }

    mutating func durationInstant(_ t: RawToken) -> Instant {
        // The lexer guarantees digits followed by a unit; read both from the bytes.
        var amount = 0, i = t.start, tooLong = false
        while i < t.end, isDigit(bytes[i]) {
            amount = amount * 10 + Int(bytes[i] - 48)
            if amount > 1_000_000 { tooLong = true; amount = 1_000_000 }
            i += 1
        }
        let unit: DurationUnit = switch bytes[min(i, t.end - 1)] {
        case 109: t.end - i == 2 ? .months : .minutes
        case 104: .hours
        case 119: .weeks
        case 121: .years
        default: .days
        }
        if tooLong {
            error(.invalidInstant, "duration '\(slice(t))' is too long: at most 1000000 units", at: t.span)
        }
        return Instant(.duration(amount: amount, unit: unit), span: t.span)
    }

    // MARK: - TIMEZONE, ORDER BY, LIMIT, OFFSET, PAGE

    /// `timezone = "TIMEZONE" ( string | identifier ) ;`
    mutating func parseTimezone() -> TimezoneClause {
        let keyword = advance()
        let t = current
        switch t.kind {
        case .singleQuotedString, .doubleQuotedString:
            advance()
            return TimezoneClause(name: stringText(t), nameSpan: t.span, span: keyword.span.union(t.span))
        case .identifier:
            advance()
            return TimezoneClause(name: slice(t), nameSpan: t.span, span: keyword.span.union(t.span))
        default:
            expected("a time zone such as 'UTC' or 'America/New_York'")
            if t.kind == .error { advance() }
            return TimezoneClause(name: "", nameSpan: Span(at: t.start), span: keyword.span)
        }
    }

    /// `limit = "LIMIT" ( integer | "all" ) ;` `offset = "OFFSET" integer ;` `page = "PAGE" integer ;`
    /// (`ALL` is a word, not a keyword: `all` is also a preset and a value).
    mutating func parseIntegerClause() -> IntegerClause? {
        let keyword = advance()
        let t = current
        if keyword.kind == .keyword(.limit), t.kind == .identifier, slice(t).lowercased() == "all" {
            advance()
            return IntegerClause(value: nil, text: "ALL", valueSpan: t.span, span: keyword.span.union(t.span))
        }
        guard t.kind == .integer else {
            if t.kind == .error { advance(); return nil }
            expected("an integer after '\(slice(keyword).uppercased())'")
            if isValueLike(t.kind) { advance() } // `LIMIT ten`: the word stands where the number belongs
            return nil
        }
        advance()
        let text = slice(t)
        let value = Int(text)
        if value == nil {
            error(.integerOutOfRange, "integer '\(text)' is too large", at: t.span)
        }
        return IntegerClause(value: value, text: text, valueSpan: t.span, span: keyword.span.union(t.span))
    }

    // MARK: - value

    /// `value = identifier | string | number | duration | "TRUE" | "FALSE" | date | date_time ;`
    /// Returns nil (after reporting) when the current token is no value; nothing is consumed then
    /// unless it was an error token.
    mutating func parseValue() -> Value? {
        let t = current
        let kind: Value.Kind
        switch t.kind {
        case .identifier, .duration: kind = .text(slice(t))
        case .singleQuotedString, .doubleQuotedString: kind = .text(stringText(t))
        case .integer, .decimal:
            if let money = parseCurrency(after: t) { return money }
            kind = .number(slice(t))
        case .money: kind = .money(String(slice(t).dropFirst()), currency: nil)
        case .keyword(.true): kind = .boolean(true)
        case .keyword(.false): kind = .boolean(false)
        case .date, .dateTime:
            guard case .success(let date) = DateScanner.parse(bytes, t.start, t.end)
            else { advance(); return nil }
            kind = .date(date)
        case .error:
            advance()
            return nil
        case .keyword(let k):
            error(.unexpectedToken, "expected a value, found keyword '\(slice(t))'", at: t.span,
                  hints: ["quote it to use it as a text value: '\(slice(t))'"])
            if !Parser.isStatementSync(t.kind) && k != .and && k != .or { advance() }
            return nil
        default:
            let doubled = t.kind == .equal && index > 0 && tokens[index - 1].kind == .equal
            expected("a value", extraHints: doubled ? ["equality is written with one '='"] : [])
            if doubled {
                advance()
                return isValueLike(current.kind) ? parseValue() : nil // `a == 1`: the value is still there
            }
            return nil
        }
        advance()
        return Value(kind, span: t.span)
    }

    /// Currency codes that, after a number, mean an amount in a currency DubQL does not compare
    /// (an error with a hint); other words there are not amounts (`a = 1 ADN b = 2` is a typo of AND).
    static let otherCurrencies: Set<String> = ["EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "CNY", "INR", "BRL", "MXN", "SEK",
                                               "NOK", "DKK", "PLN", "NZD", "SGD", "HKD", "KRW", "ZAR", "TRY", "ILS", "AED"]

    /// True for a word that, after a number, makes it an amount (`usd`, or a currency code that
    /// the parser reports): completion walks over it as the parser does.
    public static func isCurrencyWord(_ text: String) -> Bool {
        text.utf8.count == 3 && (text.lowercased() == "usd" || otherCurrencies.contains(text.uppercased()))
    }

    /// `49.90 usd`: a number followed by a currency word is an amount of money (the number is the
    /// current token). Only US dollars exist in Dub's data; another three-letter code is an error.
    mutating func parseCurrency(after t: RawToken) -> Value? {
        guard index + 1 < tokens.count, tokens[index + 1].kind == .identifier else { return nil }
        let word = tokens[index + 1]
        let text = slice(word)
        guard Parser.isCurrencyWord(text) else { return nil }
        advance()
        advance()
        let span = Span(start: t.start, end: word.end)
        guard text.lowercased() == "usd" else {
            error(.unexpectedToken, "amounts are in US dollars: '\(text)' is not a currency DubQL compares", at: word.span,
                  hints: ["Dub converts sales to USD when it tracks them: write \(slice(t)) usd or $\(slice(t))"])
            return Value(.number(slice(t)), span: span)
        }
        return Value(.money(slice(t), currency: text), span: span)
    }

    /// `$1,200`: tables group the digits of amounts, WHERE takes them without the commas.
    func thousandsSeparatorHint() -> String? {
        guard kind == .comma, index > 0, index + 1 < tokens.count, tokens[index - 1].kind == .money,
              current.start == tokens[index - 1].end, tokens[index + 1].start == current.end else { return nil }
        var end = index + 1
        var digits = slice(tokens[index - 1])
        while end < tokens.count, tokens[end].kind == .integer || tokens[end].kind == .decimal,
              tokens[end].start == tokens[end - 1].end {
            digits += slice(tokens[end])
            end += 1
            guard end < tokens.count, tokens[end].kind == .comma, tokens[end].start == tokens[end - 1].end,
                  end + 1 < tokens.count, tokens[end + 1].start == tokens[end].end else { break }
            end += 1
        }
        return "write amounts without thousands separators: \(digits)"
    }
}
