// Conditions: NOT > AND > OR with parentheses, parsed with an explicit stack instead of recursion,
// so that deep nesting can never overflow the call stack; predicates and IN lists.

extension Parser {
    /// One open parenthesis (or the whole condition, at the bottom of the stack).
    ///
    /// Nothing here allocates until it holds an operand: the pending `NOT`s of a frame are always
    /// consecutive tokens, so a frame keeps the index of the first one and their count.
    private struct Frame {
        var orOperands: [Condition] = []
        var andOperands: [Condition] = []
        /// Token index of the first `NOT` waiting for its operand (valid when `notCount > 0`).
        var firstNot = 0
        /// The `NOT`s waiting for their operand, outermost first from `firstNot`.
        var notCount = 0
        /// The `(` that opened this frame; nil for the bottom frame.
        var open: RawToken?
    }

    /// The grammar rules
    ///
    ///     condition   = conjunction { "OR" conjunction } ;
    ///     conjunction = negation { "AND" negation } ;
    ///     negation    = "NOT" negation | "(" condition ")" | predicate ;
    ///
    /// as a loop over an explicit stack of open parentheses. Nested operators of the same kind are
    /// flattened and parentheses leave no node (see ``Condition``). Parentheses and `NOT`s together
    /// nest at most ``maximumDepth`` deep.
    mutating func parseCondition() -> Condition {
        // The innermost open frame; `outer` holds the frames around it (empty without parentheses).
        var top = Frame()
        var outer: [Frame] = []
        var depth = 0
        while true {
            // Expect an operand: NOTs and open parentheses, then a predicate.
            var operand: Condition
            expectOperand: while true {
                let t = current
                if stopped {
                    operand = placeholder(at: t.start)
                    break
                }
                switch t.kind {
                case .keyword(.not), .leftParen:
                    if depth >= Parser.maximumDepth {
                        error(.nestingTooDeep,
                              "condition nested too deeply: at most \(Parser.maximumDepth) parentheses and NOTs inside each other",
                              at: t.span)
                        skip(until: { Parser.isStatementSync($0.kind) })
                        var bottom = outer.isEmpty ? top : outer[0]
                        return finish(&bottom, last: placeholder(at: t.start))
                    }
                    if t.kind == .leftParen {
                        outer.append(top)
                        top = Frame(open: t)
                    } else {
                        if top.notCount == 0 { top.firstNot = index }
                        top.notCount += 1
                    }
                    advance()
                    depth += 1
                case .identifier, .quotedIdentifier:
                    operand = .predicate(parsePredicate())
                    break expectOperand
                default:
                    expected("a condition (a field such as country, NOT, or '(')")
                    operand = placeholder(at: t.start)
                    skip(until: { Parser.isStatementSync($0.kind) || $0.kind == .rightParen
                        || $0.kind == .keyword(.and) || $0.kind == .keyword(.or) })
                    break expectOperand
                }
            }
            // Have an operand: apply pending NOTs, then an operator, a ')' or the end.
            haveOperand: while true {
                applyNots(&top, to: &operand)
                depth -= top.notCount
                top.notCount = 0
                switch kind {
                case .keyword(.and):
                    advance()
                    Parser.append(operand, to: &top.andOperands)
                    break haveOperand
                case .keyword(.or):
                    advance()
                    Parser.append(operand, to: &top.andOperands)
                    var ands: [Condition] = []
                    swap(&ands, &top.andOperands)
                    Parser.append(Parser.conjunction(ands), to: &top.orOperands)
                    break haveOperand
                case .rightParen where !outer.isEmpty:
                    advance()
                    operand = finish(&top, last: operand)
                    top = outer.removeLast()
                    depth -= 1
                    continue haveOperand
                default:
                    if !stopped, case .predicate(let p) = operand, p.kind == .bare, isValueLike(kind) {
                        // `country US`: the operator is missing.
                        error(.unexpectedToken,
                              "expected an operator (=, !=, <, <=, >, >=, IN) after '\(source.slice(p.field.span))', found \(describe(current))",
                              at: current.span)
                        advance()
                        continue haveOperand
                    }
                    if !outer.isEmpty {
                        // Not when the operand itself was just reported missing right here.
                        let reportedHere = diagnostics.last.map { $0.span.start >= previousEnd } ?? false
                        if let open = top.open, !stopped, !reportedHere {
                            let before = diagnostics.count
                            expected("')'")
                            if diagnostics.count > before {
                                diagnostics[diagnostics.count - 1].notes.append(
                                    DiagnosticNote("to close the '(' here", span: open.span))
                            }
                        }
                        while !outer.isEmpty {
                            operand = finish(&top, last: operand)
                            top = outer.removeLast()
                            applyNots(&top, to: &operand)
                            top.notCount = 0
                        }
                    }
                    return finish(&top, last: operand)
                }
            }
        }
    }

    /// Wraps `operand` in the frame's pending `NOT`s, innermost first.
    private func applyNots(_ frame: inout Frame, to operand: inout Condition) {
        var k = frame.notCount
        while k > 0 {
            k -= 1
            operand = .not(operand, Span(start: tokens[frame.firstNot + k].start, end: operand.span.end))
        }
    }

    /// Appends to an operand list, reserving room for a few operands at the first one (most
    /// conditions have two to four), so that a short list is allocated once.
    static func append(_ operand: Condition, to list: inout [Condition]) {
        if list.isEmpty { list.reserveCapacity(4) }
        list.append(operand)
    }

    /// `a AND b AND c` from the operands, flattening operands that are conjunctions themselves.
    static func conjunction(_ operands: [Condition]) -> Condition {
        if operands.count == 1 { return operands[0] }
        let nested = operands.contains { if case .and = $0 { true } else { false } }
        if !nested {
            return .and(operands, Span(start: operands[0].span.start, end: operands[operands.count - 1].span.end))
        }
        var flat: [Condition] = []
        for c in operands {
            if case .and(let inner, _) = c { flat += inner } else { flat.append(c) }
        }
        return .and(flat, Span(start: flat[0].span.start, end: flat[flat.count - 1].span.end))
    }

    static func disjunction(_ operands: [Condition]) -> Condition {
        if operands.count == 1 { return operands[0] }
        let nested = operands.contains { if case .or = $0 { true } else { false } }
        if !nested {
            return .or(operands, Span(start: operands[0].span.start, end: operands[operands.count - 1].span.end))
        }
        var flat: [Condition] = []
        for c in operands {
            if case .or(let inner, _) = c { flat += inner } else { flat.append(c) }
        }
        return .or(flat, Span(start: flat[0].span.start, end: flat[flat.count - 1].span.end))
    }

    /// The condition of a closed frame whose last operand is `last`; takes the frame's lists (so
    /// that appending to them copies nothing).
    private func finish(_ frame: inout Frame, last: Condition) -> Condition {
        if frame.orOperands.isEmpty && frame.andOperands.isEmpty { return last }
        var ands: [Condition] = []
        swap(&ands, &frame.andOperands)
        Parser.append(last, to: &ands)
        if frame.orOperands.isEmpty { return Parser.conjunction(ands) }
        var ors: [Condition] = []
        swap(&ors, &frame.orOperands)
        Parser.append(Parser.conjunction(ands), to: &ors)
        return Parser.disjunction(ors)
    }

    /// What stands in for a condition that could not be parsed (only in trees with errors).
    func placeholder(at offset: Int) -> Condition {
        let span = Span(at: offset)
        return .predicate(Predicate(field: FieldPath(Name("", span: span)), kind: .bare, span: span))
    }

    func isValueLike(_ kind: TokenKind) -> Bool {
        switch kind {
        case .identifier, .singleQuotedString, .doubleQuotedString, .integer, .decimal, .money, .duration, .date, .dateTime,
             .keyword(.true), .keyword(.false):
            true
        default: false
        }
    }

    // MARK: - predicate

    /// `predicate = subject comparison value | subject [ "NOT" ] "IN" "(" value { "," value } ")" | field ;`
    /// with `subject = call | field ;` (a call only makes sense in HAVING; the binder says so
    /// elsewhere). Call only at a name.
    mutating func parsePredicate() -> Predicate {
        let field = parseField()
        if kind == .leftParen, field.components.count == 1 {
            let call = parseCall(name: field.components[0])
            let (kind, span) = parsePredicateRest(subject: call.span)
            return Predicate(call: call, kind: kind, span: span)
        }
        let (kind, span) = parsePredicateRest(subject: field.span)
        return Predicate(field: field, kind: kind, span: span)
    }

    /// What follows the subject of a predicate (spanning `subjectSpan`): its kind and the
    /// predicate's span.
    mutating func parsePredicateRest(subject subjectSpan: Span) -> (Predicate.Kind, Span) {
        func make(_ kind: Predicate.Kind, _ span: Span) -> (Predicate.Kind, Span) { (kind, span) }
        let op: ComparisonOperator
        switch kind {
        case .equal: op = .equal
        case .notEqual, .lessGreater: op = .notEqual
        case .less: op = .less
        case .lessEqual: op = .lessEqual
        case .greater: op = .greater
        case .greaterEqual: op = .greaterEqual
        case .keyword(.in):
            advance()
            return make(.inList(negated: false, parseInList()), Span(start: subjectSpan.start, end: max(subjectSpan.end, previousEnd)))
        case .keyword(.not):
            let notToken = advance()
            if accept(.in) != nil {
                return make(.inList(negated: true, parseInList()), Span(start: subjectSpan.start, end: max(subjectSpan.end, previousEnd)))
            }
            error(.unexpectedToken, "expected 'IN' after '\(source.slice(subjectSpan)) NOT', found \(describe(current))",
                  at: current.span, notes: [DiagnosticNote("to negate a comparison, write NOT before the field", span: notToken.span)])
            return make(.bare, subjectSpan)
        default:
            return make(.bare, subjectSpan)
        }
        advance()
        let value = parseValue() ?? Value(.text(""), span: Span(at: current.start))
        return make(.comparison(op, value), Span(start: subjectSpan.start, end: previousEnd))
    }

    /// `"(" value { "," value } ")"` after `IN`.
    mutating func parseInList() -> Predicate.Values {
        var values = Predicate.Values()
        if accept(.leftParen) == nil {
            expected("'(' after 'IN'")
            if isValueLike(kind), let v = parseValue() { values.append(v) } // `country IN US`
        } else {
            values.reserveCapacity(expectedListLength())
            while !stopped {
                if let v = parseValue() {
                    values.append(v)
                } else {
                    skip(until: { $0.kind == .comma || $0.kind == .rightParen || Parser.isStatementSync($0.kind)
                        || $0.kind == .keyword(.and) || $0.kind == .keyword(.or) })
                }
                if accept(.comma) != nil { continue }
                if accept(.rightParen) != nil { break }
                expected("',' or ')' in the IN list", extraHints: [adjacentValueHint()].compactMap { $0 })
                // Skip the rest of the list, so the clause after it is not blamed too.
                skip(until: { $0.kind == .rightParen || Parser.isStatementSync($0.kind) })
                _ = accept(.rightParen)
                break
            }
        }
        return values
    }

    /// The number of values of the list starting at the cursor (commas before `)` + 1), so that a
    /// list of a million values is allocated once rather than grown to twice its size.
    func expectedListLength() -> Int {
        var commas = 0
        var i = index
        while i < tokens.count {
            switch tokens[i].kind {
            case .comma: commas += 1
            case .rightParen, .semicolon, .endOfInput: return commas + 1
            default: break
            }
            i += 1
        }
        return commas + 1
    }
}
