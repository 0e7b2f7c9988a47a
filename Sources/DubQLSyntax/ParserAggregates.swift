// The aggregate forms of the grammar: select items with calls and aliases, GROUP BY, HAVING, and
// ORDER BY with several keys. Each rule reads a bounded number of tokens per item, so parsing stays
// linear in the input.

extension Parser {
    // MARK: - item = expression [ "AS" name ]

    /// `item = expression [ "as" name ] ;` with `expression = call | field ;` (call only when
    /// ``isNameStart``). `AS` is a word, not a keyword: it is also Asia's continent code.
    mutating func parseSelectItem() -> SelectItem {
        let expression = parseExpression()
        var alias: Name?
        if kind == .identifier, current.end - current.start == 2, slice(current).lowercased() == "as" {
            let asToken = advance()
            if isNameStart {
                alias = parseName()
            } else {
                expected("a column name after 'AS'")
                return SelectItem(expression, span: expression.span.union(asToken.span))
            }
        }
        return SelectItem(expression, alias: alias, span: expression.span.union(alias?.span ?? expression.span))
    }

    /// `expression = call | field ;` (call only when ``isNameStart``).
    mutating func parseExpression() -> Expression {
        let field = parseField()
        if kind == .leftParen, field.components.count == 1 {
            return .call(parseCall(name: field.components[0]))
        }
        return .field(field)
    }

    /// `call = name "(" [ "*" | [ "DISTINCT" ] field ] ")" ;` (at the `(`). The names of known
    /// functions are lower-cased, so `COUNT(*)` and `count(*)` are the same tree.
    mutating func parseCall(name written: Name) -> FunctionCall {
        var name = written
        let lower = name.text.lowercased()
        if FunctionCall.knownNames.contains(lower) { name.text = lower }
        advance() // (
        var argument = FunctionCall.Argument.none
        if accept(.star) != nil {
            argument = .star
        } else if kind != .rightParen {
            let distinct = accept(.distinct) != nil
            if isNameStart {
                argument = .field(parseField(), distinct: distinct)
            } else {
                expected(distinct ? "a field after 'DISTINCT'" : "a field, '*' or ')'")
                skip(until: { $0.kind == .rightParen || Parser.isStatementSync($0.kind) || $0.kind == .comma })
            }
        }
        if accept(.rightParen) == nil { expected("')' to close the call of '\(name.text)'") }
        return FunctionCall(name: name, argument: argument, span: Span(start: name.span.start, end: previousEnd))
    }

    // MARK: - GROUP BY, HAVING, ORDER BY

    /// `group_by = "GROUP" "BY" field { "," field } ;` (a time bucket is a name: `day`).
    mutating func parseGroupBy() -> GroupByClause? {
        let keyword = advance()
        guard accept(.by) != nil else {
            expected("'BY' after 'GROUP'", suggesting: [.by])
            return nil
        }
        var keys: [FieldPath] = []
        repeat {
            guard isNameStart else { expected("a field or time bucket (hour, day, week, month) to group by"); break }
            let key = parseField()
            if kind == .leftParen {
                error(.unexpectedToken, "cannot group by a function call: group by fields or time buckets",
                      at: current.span, hints: ["aggregates belong in the SELECT list: SELECT country, count() FROM clicks GROUP BY country"])
                skip(until: { $0.kind == .comma || Parser.isStatementSync($0.kind) })
            }
            keys.append(key)
        } while accept(.comma) != nil && !stopped
        guard !keys.isEmpty else { return nil }
        return GroupByClause(keys: keys, span: keyword.span.union(Span(at: previousEnd)))
    }

    /// `having = "HAVING" condition ;`
    mutating func parseHaving() -> HavingClause {
        let keyword = advance()
        let condition = parseCondition()
        return HavingClause(condition: condition, span: keyword.span.union(Span(at: previousEnd)))
    }

    /// `order_by = "ORDER" "BY" sort_key { "," sort_key } ;` with
    /// `sort_key = expression [ "ASC" | "DESC" ] ;` (listing queries accept only `timestamp`).
    mutating func parseOrderBy() -> OrderByClause? {
        let keyword = advance()
        guard accept(.by) != nil else {
            expected("'BY' after 'ORDER'", suggesting: [.by])
            return nil
        }
        var keys: [SortKey] = []
        repeat {
            guard isNameStart else {
                expected(keys.isEmpty ? "a field to order by (timestamp)" : "a column to order by")
                break
            }
            let expression = parseExpression()
            var direction: SortDirection?
            if accept(.asc) != nil { direction = .ascending } else if accept(.desc) != nil { direction = .descending }
            keys.append(SortKey(expression, direction: direction, span: expression.span.union(Span(at: previousEnd))))
        } while accept(.comma) != nil && !stopped
        guard !keys.isEmpty else { return nil }
        return OrderByClause(keys: keys, span: keyword.span.union(Span(at: previousEnd)))
    }
}
