// Copies of AST nodes with every span set to the empty span at 0, for comparing trees by content
// (the round trip `parse(print(ast)) == ast`).

private let zero = Span(at: 0)

extension Script {
    /// This script with every span erased.
    public func erasingSpans() -> Script {
        Script(statements: statements.map { $0.erasingSpans() }, span: zero)
    }
}

extension Statement {
    /// This statement with every span erased (an `EXPLAIN` stays marked, at offset 0).
    public func erasingSpans() -> Statement {
        Statement(explain: explain == nil ? nil : zero, select: select.erasingSpans(), span: zero)
    }
}

extension SelectStatement {
    /// This statement with every span erased.
    public func erasingSpans() -> SelectStatement {
        SelectStatement(
            event: event.erasingSpans(),
            projection: projection.map {
                switch $0 {
                case .all: .all(zero)
                case .columns(let c, _): .columns(c.map { SelectItem($0.expression.erasingSpans(), alias: $0.alias?.erasingSpans(), span: zero) }, zero)
                }
            },
            whereClause: whereClause.map { WhereClause(condition: $0.condition.erasingSpans(), span: zero) },
            time: time.map {
                switch $0 {
                case .since(let a, let b, _): .since(a.erasingSpans(), until: b?.erasingSpans(), span: zero)
                case .between(let a, let b, _): .between(a.erasingSpans(), b.erasingSpans(), span: zero)
                }
            },
            timezone: timezone.map { TimezoneClause(name: $0.name, nameSpan: zero, span: zero) },
            groupBy: groupBy.map { GroupByClause(keys: $0.keys.map { $0.erasingSpans() }, span: zero) },
            having: having.map { HavingClause(condition: $0.condition.erasingSpans(), span: zero) },
            orderBy: orderBy.map { OrderByClause(keys: $0.keys.map { SortKey($0.expression.erasingSpans(), direction: $0.direction, span: zero) }, span: zero) },
            limit: limit?.erasingSpans(), offset: offset?.erasingSpans(), page: page?.erasingSpans(),
            span: zero)
    }
}

extension Name {
    /// This name with its span erased.
    public func erasingSpans() -> Name { Name(text, span: zero) }
}

extension FieldPath {
    /// This path with every span erased.
    public func erasingSpans() -> FieldPath {
        FieldPath(components: components.map { $0.erasingSpans() }, span: zero)
    }
}

extension IntegerClause {
    /// This clause with every span erased.
    public func erasingSpans() -> IntegerClause {
        IntegerClause(value: value, text: text, valueSpan: zero, span: zero)
    }
}

extension Condition {
    /// This condition with every span erased.
    public func erasingSpans() -> Condition {
        switch self {
        case .or(let c, _): .or(c.map { $0.erasingSpans() }, zero)
        case .and(let c, _): .and(c.map { $0.erasingSpans() }, zero)
        case .not(let c, _): .not(c.erasingSpans(), zero)
        case .predicate(let p): .predicate(p.erasingSpans())
        }
    }
}

extension Predicate {
    /// This predicate with every span erased.
    public func erasingSpans() -> Predicate {
        let k: Kind = switch kind {
        case .bare: .bare
        case .comparison(let op, let v): .comparison(op, v.erasingSpans())
        case .inList(let negated, let values): .inList(negated: negated, values.map { $0.erasingSpans() })
        }
        if let call { return Predicate(call: call.erasingSpans(), kind: k, span: zero) }
        return Predicate(field: field.erasingSpans(), kind: k, span: zero)
    }
}

extension Expression {
    /// This expression with every span erased.
    public func erasingSpans() -> Expression {
        switch self {
        case .field(let f): .field(f.erasingSpans())
        case .call(let c): .call(c.erasingSpans())
        }
    }
}

extension FunctionCall {
    /// This call with every span erased.
    public func erasingSpans() -> FunctionCall {
        let a: Argument = switch argument {
        case .none: .none
        case .star: .star
        case .field(let f, let d): .field(f.erasingSpans(), distinct: d)
        }
        return FunctionCall(name: name.erasingSpans(), argument: a, span: zero)
    }
}

extension Value {
    /// This value with its span erased.
    public func erasingSpans() -> Value { Value(kind, span: zero) }
}

extension Instant {
    /// This instant with its span erased.
    public func erasingSpans() -> Instant { Instant(kind, span: zero) }
}
