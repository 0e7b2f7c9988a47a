// What may come next after a prefix of a statement: a small state machine over the lexer's
// tokens that follows the grammar (Grammar/DubQL.ebnf) loosely enough to survive unfinished input.

import DubQL
import DubQLSyntax

/// Walks the tokens of an unfinished statement and says what kinds of word may follow.
enum CompletionGrammar {
    /// A kind of word that may come next.
    enum Expectation: Hashable, Sendable {
        case keywords([String])
        case events
        /// Field names (and aliases) of the event, or of every event when it is not known yet.
        case fields(EventType?)
        case operators(FieldSpec?)
        case values(FieldSpec?)
        case presets
        case timeZones
        case orderField
        case star
    }

    /// Everything that may come next.
    struct State: Hashable, Sendable {
        var expectations: [Expectation]
    }

    // MARK: - Modes

    private enum InstantRole { case since, until, betweenStart, betweenEnd }

    /// Where a `call` stands (Grammar/DubQL.ebnf, `expression`, `subject`, `sort_key`): where the
    /// walk goes on after its `)`.
    private enum CallSite { case projection, predicate, order }

    private enum Mode {
        case start, afterExplain, afterSelect
        /// After `SELECT name`: an event (`SELECT clicks`, clauses follow), or the first column
        /// of a projection (`SELECT country FROM clicks`). `known` is true for an event name.
        case afterNameInSelect(known: Bool)
        case afterProjectionItem, projectionField, alias
        case afterGroup, groupField, afterGroupField
        case afterFrom
        case clauses
        case predicateStart
        case afterField(FieldSpec?)
        case afterFieldNot(FieldSpec?)
        case afterIn(FieldSpec?)
        case value(FieldSpec?)
        case listValue(FieldSpec?)
        case afterListValue(FieldSpec?)
        case afterPredicate
        case instant(InstantRole)
        case afterSinceInstant
        case afterBetweenStart
        case timezone
        case afterOrder, orderField, afterOrderField, afterOrderDirection
        case limitValue, afterLimit, offsetValue
        /// `call` after its `(`: `*`, DISTINCT, a field or `)`.
        case callArgument(CallSite)
        /// `call` after `( DISTINCT`: a field.
        case callDistinct(CallSite)
        /// `call` after its argument: `)`.
        case callEnd(CallSite)
        case dead
    }

    /// Which clauses were written already: each kind may appear once (Grammar/DubQL.ebnf,
    /// `select`). OFFSET and PAGE are two kinds: the grammar takes both in one statement, and the
    /// binder says that they exclude each other.
    private struct Used {
        var whereClause = false, time = false, timezone = false, order = false, limit = false, offset = false, page = false
        var group = false, having = false

        var clauseKeywords: [String] {
            var k: [String] = []
            if !whereClause { k.append("WHERE") }
            if !group { k.append("GROUP BY") }
            if !having { k.append("HAVING") }
            if !time { k += ["SINCE", "BETWEEN"] }
            if !timezone { k.append("TIMEZONE") }
            if !order { k.append("ORDER BY") }
            if !limit { k.append("LIMIT") }
            if !offset { k.append("OFFSET") }
            if !page { k.append("PAGE") }
            return k
        }
    }

    // MARK: - Walk

    /// The state after `tokens` (the statement so far, without the word under the cursor).
    static func state(after tokens: [Token]) -> State {
        var walker = Walker(tokens: tokens)
        walker.run()
        return walker.state
    }

    private struct Walker {
        let tokens: [Token]
        var i = 0
        var mode = Mode.start
        var event: EventType?
        var used = Used()
        var depth = 0

        init(tokens: [Token]) { self.tokens = tokens }

        mutating func run() {
            while i < tokens.count {
                if case .dead = mode { return }
                step()
            }
        }

        /// Consumes a field path (`click.country`, `metadata['plan tier']`) and returns it dotted.
        mutating func fieldPath() -> String {
            var parts = [tokens[i].text]
            i += 1
            while i < tokens.count {
                if tokens[i].kind == .dot, i + 1 < tokens.count,
                   [.identifier, .quotedIdentifier].contains(tokens[i + 1].kind) || isKeyword(tokens[i + 1]) {
                    parts.append(tokens[i + 1].text)
                    i += 2
                } else if tokens[i].kind == .leftBracket, i + 2 < tokens.count,
                          [.singleQuotedString, .doubleQuotedString].contains(tokens[i + 1].kind),
                          tokens[i + 2].kind == .rightBracket {
                    parts.append(tokens[i + 1].text)
                    i += 3
                } else {
                    break
                }
            }
            return parts.joined(separator: ".")
        }

        func isKeyword(_ t: Token) -> Bool {
            if case .keyword = t.kind { return true }
            return false
        }

        func isName(_ t: Token) -> Bool { t.kind == .identifier || t.kind == .quotedIdentifier }

        /// After a name: when a call's `(` follows, consumes it and walks on in the call's
        /// argument (`call`); otherwise goes to `next`.
        mutating func callOr(_ site: CallSite, else next: Mode) {
            if i < tokens.count, tokens[i].kind == .leftParen { i += 1; mode = .callArgument(site) } else { mode = next }
        }

        /// The mode after a call's `)`, by where the call stands.
        func afterCall(_ site: CallSite) -> Mode {
            switch site {
            case .projection: .afterProjectionItem
            case .predicate: .afterField(nil)
            case .order: .afterOrderField
            }
        }

        func isWord(_ t: Token, _ word: String) -> Bool { t.kind == .identifier && t.text.lowercased() == word }

        func isValue(_ t: Token) -> Bool {
            switch t.kind {
            case .identifier, .singleQuotedString, .doubleQuotedString, .integer, .decimal, .money, .duration, .date, .dateTime,
                 .keyword(.true), .keyword(.false):
                return true
            default:
                return false
            }
        }

        /// Steps over a value, and over the currency word of an amount (`49.90 usd`).
        mutating func skipValue() {
            let number = tokens[i].kind == .integer || tokens[i].kind == .decimal
            i += 1
            if number, i < tokens.count, tokens[i].kind == .identifier, Parser.isCurrencyWord(tokens[i].text) { i += 1 }
        }

        /// Handles a clause keyword in any mode that allows clauses; false when `t` is not one.
        mutating func clauseKeyword(_ t: Token) -> Bool {
            guard case .keyword(let k) = t.kind else { return false }
            switch k {
            case .where: used.whereClause = true; depth = 0; mode = .predicateStart
            case .group: used.group = true; mode = .afterGroup
            case .having: used.having = true; depth = 0; mode = .predicateStart
            case .since: used.time = true; mode = .instant(.since)
            case .between: used.time = true; mode = .instant(.betweenStart)
            case .timezone: used.timezone = true; mode = .timezone
            case .order: used.order = true; mode = .afterOrder
            case .limit: used.limit = true; mode = .limitValue
            case .offset: used.offset = true; mode = .offsetValue
            case .page: used.page = true; mode = .offsetValue
            default: return false
            }
            i += 1
            return true
        }

        mutating func step() {
            let t = tokens[i]
            switch mode {
            case .start:
                if t.kind == .keyword(.explain) { mode = .afterExplain; i += 1 } else if t.kind == .keyword(.select) {
                    mode = .afterSelect; i += 1
                } else { mode = .dead }
            case .afterExplain:
                if t.kind == .keyword(.select) { mode = .afterSelect; i += 1 } else { mode = .dead }
            case .afterSelect:
                if t.kind == .star { mode = .afterProjectionItem; i += 1 } else if isName(t) {
                    let start = i
                    let path = fieldPath()
                    if i == start + 1, i >= tokens.count || tokens[i].kind != .leftParen {
                        // One name that is no call: the event, or a column when FROM follows.
                        event = EventType(rawValue: path.lowercased())
                        mode = .afterNameInSelect(known: event != nil)
                    } else {
                        callOr(.projection, else: .afterProjectionItem)
                    }
                } else { mode = .dead }
            case .afterNameInSelect:
                if t.kind == .keyword(.from) { event = nil; mode = .afterFrom; i += 1 } else if t.kind == .comma {
                    event = nil; mode = .projectionField; i += 1
                } else if isWord(t, "as") { event = nil; mode = .alias; i += 1 } else if !clauseKeyword(t) { mode = .dead }
            case .afterProjectionItem:
                if t.kind == .comma { mode = .projectionField; i += 1 } else if t.kind == .keyword(.from) {
                    mode = .afterFrom; i += 1
                } else if isWord(t, "as") { mode = .alias; i += 1 } else { mode = .dead }
            case .projectionField:
                if isName(t) { _ = fieldPath(); callOr(.projection, else: .afterProjectionItem) } else { mode = .dead }
            case .alias:
                if isName(t) { mode = .afterProjectionItem; i += 1 } else { mode = .dead }
            case .afterGroup:
                if t.kind == .keyword(.by) { mode = .groupField; i += 1 } else { mode = .dead }
            case .groupField:
                if isName(t) { _ = fieldPath(); mode = .afterGroupField } else { mode = .dead }
            case .afterGroupField:
                if t.kind == .comma { mode = .groupField; i += 1 } else if !clauseKeyword(t) { mode = .dead }
            case .afterFrom:
                if isName(t) { event = EventType(rawValue: t.text.lowercased()); mode = .clauses; i += 1 } else { mode = .dead }
            case .clauses:
                if !clauseKeyword(t) { mode = .dead }
            case .predicateStart:
                if t.kind == .keyword(.not) { i += 1 } else if t.kind == .leftParen { depth += 1; i += 1 } else if isName(t) {
                    let path = fieldPath()
                    callOr(.predicate, else: .afterField(Catalog.field(named: path)))
                } else { mode = .dead }
            case .afterField(let f):
                switch t.kind {
                case .equal, .notEqual, .lessGreater, .less, .lessEqual, .greater, .greaterEqual:
                    mode = .value(f); i += 1
                case .keyword(.not): mode = .afterFieldNot(f); i += 1
                case .keyword(.in): mode = .afterIn(f); i += 1
                default: afterPredicate(t)
                }
            case .afterFieldNot(let f):
                if t.kind == .keyword(.in) { mode = .afterIn(f); i += 1 } else { mode = .dead }
            case .afterIn(let f):
                if t.kind == .leftParen { mode = .listValue(f); i += 1 } else { mode = .dead }
            case .value:
                if isValue(t) { mode = .afterPredicate; skipValue() } else { mode = .dead }
            case .listValue(let f):
                if isValue(t) { mode = .afterListValue(f); skipValue() } else if t.kind == .rightParen {
                    mode = .afterPredicate; i += 1
                } else { mode = .dead }
            case .afterListValue(let f):
                if t.kind == .comma { mode = .listValue(f); i += 1 } else if t.kind == .rightParen {
                    mode = .afterPredicate; i += 1
                } else { mode = .dead }
            case .afterPredicate:
                afterPredicate(t)
            case .instant(let role):
                guard isValue(t) else { mode = .dead; return }
                i += 1
                switch role {
                case .since: mode = .afterSinceInstant
                case .until, .betweenEnd: mode = .clauses
                case .betweenStart: mode = .afterBetweenStart
                }
            case .afterSinceInstant:
                if t.kind == .keyword(.until) { mode = .instant(.until); i += 1 } else if !clauseKeyword(t) { mode = .dead }
            case .afterBetweenStart:
                if t.kind == .keyword(.and) { mode = .instant(.betweenEnd); i += 1 } else { mode = .dead }
            case .timezone:
                if isValue(t) { mode = .clauses; i += 1 } else { mode = .dead }
            case .afterOrder:
                if t.kind == .keyword(.by) { mode = .orderField; i += 1 } else { mode = .dead }
            case .orderField:
                if isName(t) { _ = fieldPath(); callOr(.order, else: .afterOrderField) } else { mode = .dead }
            case .afterOrderField:
                if t.kind == .keyword(.asc) || t.kind == .keyword(.desc) { mode = .afterOrderDirection; i += 1 } else if t.kind == .comma {
                    mode = .orderField; i += 1
                } else if !clauseKeyword(t) {
                    mode = .dead
                }
            case .afterOrderDirection:
                if t.kind == .comma { mode = .orderField; i += 1 } else if !clauseKeyword(t) { mode = .dead }
            case .limitValue:
                if t.kind == .integer || isWord(t, "all") { mode = .afterLimit; i += 1 } else { mode = .dead }
            case .afterLimit:
                if t.kind == .keyword(.offset) { used.offset = true; mode = .offsetValue; i += 1 } else if !clauseKeyword(t) {
                    mode = .dead
                }
            case .offsetValue:
                if t.kind == .integer { mode = .clauses; i += 1 } else { mode = .dead }
            case .callArgument(let site):
                if t.kind == .rightParen { mode = afterCall(site); i += 1 } else if t.kind == .star {
                    mode = .callEnd(site); i += 1
                } else if t.kind == .keyword(.distinct) { mode = .callDistinct(site); i += 1 } else if isName(t) {
                    _ = fieldPath(); mode = .callEnd(site)
                } else { mode = .dead }
            case .callDistinct(let site):
                if isName(t) { _ = fieldPath(); mode = .callEnd(site) } else { mode = .dead }
            case .callEnd(let site):
                if t.kind == .rightParen { mode = afterCall(site); i += 1 } else { mode = .dead }
            case .dead:
                i = tokens.count
            }
        }

        /// After a complete predicate (or a bare boolean field): AND, OR, `)` or a clause.
        mutating func afterPredicate(_ t: Token) {
            switch t.kind {
            case .keyword(.and), .keyword(.or): mode = .predicateStart; i += 1
            case .rightParen where depth > 0: depth -= 1; mode = .afterPredicate; i += 1
            default:
                if depth > 0 || !clauseKeyword(t) { mode = .dead }
            }
        }

        // MARK: - Expectations

        var state: State {
            let clauses = Expectation.keywords(used.clauseKeywords)
            switch mode {
            case .start: return State(expectations: [.keywords(["SELECT", "EXPLAIN"])])
            case .afterExplain: return State(expectations: [.keywords(["SELECT"])])
            case .afterSelect: return State(expectations: [.events, .star, .fields(nil)])
            case .afterNameInSelect(let known):
                // After an event name FROM would make it a column: possible, but not worth offering.
                return State(expectations: known ? [clauses] : [.keywords(["FROM", "AS"]), clauses])
            case .afterProjectionItem: return State(expectations: [.keywords(["FROM", "AS"])])
            case .projectionField: return State(expectations: [.fields(nil)])
            case .groupField: return State(expectations: [.fields(event)])
            case .alias: return State(expectations: [])
            case .afterGroup: return State(expectations: [.keywords(["BY"])])
            case .afterGroupField: return State(expectations: [clauses])
            case .afterOrderDirection: return State(expectations: [clauses])
            case .afterFrom: return State(expectations: [.events])
            case .clauses: return State(expectations: [clauses])
            case .predicateStart: return State(expectations: [.fields(event), .keywords(["NOT"])])
            case .afterField(let f):
                var e: [Expectation] = [.operators(f)]
                if f == nil || f?.type == .boolean {
                    e.append(.keywords(["AND", "OR"]))
                    if depth == 0 { e.append(clauses) }
                }
                return State(expectations: e)
            case .afterFieldNot: return State(expectations: [.keywords(["IN"])])
            case .afterIn, .afterListValue, .offsetValue, .dead: return State(expectations: [])
            case .limitValue: return State(expectations: [.keywords(["ALL"])])
            case .value(let f), .listValue(let f): return State(expectations: [.values(f)])
            case .afterPredicate:
                return State(expectations: depth == 0 ? [.keywords(["AND", "OR"]), clauses] : [.keywords(["AND", "OR"])])
            case .instant(let role):
                return State(expectations: role == .since || role == .until ? [.presets] : [])
            case .afterSinceInstant: return State(expectations: [.keywords(["UNTIL"]), clauses])
            case .afterBetweenStart: return State(expectations: [.keywords(["AND"])])
            case .timezone: return State(expectations: [.timeZones])
            case .afterOrder: return State(expectations: [.keywords(["BY"])])
            case .orderField: return State(expectations: [.orderField])
            case .afterOrderField: return State(expectations: [.keywords(["ASC", "DESC"]), clauses])
            case .callArgument: return State(expectations: [.star, .keywords(["DISTINCT"]), .fields(event)])
            case .callDistinct: return State(expectations: [.fields(event)])
            case .callEnd: return State(expectations: [])
            case .afterLimit:
                return State(expectations: [.keywords(used.offset ? [] : ["OFFSET"]), clauses])
            }
        }
    }
}
