// Bound conditions back to DubQL syntax, so residuals and normalized conditions print as
// canonical DubQL text (through the syntax library's `Printer`) that parses back to the same meaning.

import DubQLSyntax

// MARK: - ResidualPrinter

/// Converts bound conditions to AST conditions and canonical text.
public enum ResidualPrinter {
    /// Canonical DubQL text of a bound condition (`country = US AND NOT browser = Chrome`).
    public static func text(_ condition: BoundCondition) -> String {
        Printer.print(syntax(condition))
    }

    /// The condition as an AST (spans are empty at offset 0).
    public static func syntax(_ condition: BoundCondition) -> Condition {
        let span = Span(at: 0)
        switch condition {
        case .constant(let b):
            // The language has no constant condition; `root OR NOT root` style tautologies would be
            // obscure, so a constant prints as a comparison that is always (never) true.
            let p = BoundPredicate(field: .catalog("root"), op: b ? .notIn : .in, values: [.bool(true), .bool(false)])
            return syntax(.predicate(p))
        case .and(let parts):
            return parts.count == 1 ? syntax(parts[0]) : .and(parts.map(syntax), span)
        case .or(let parts):
            return parts.count == 1 ? syntax(parts[0]) : .or(parts.map(syntax), span)
        case .not(let inner):
            return .not(syntax(inner), span)
        case .predicate(let p):
            return .predicate(predicate(p))
        }
    }

    static func predicate(_ p: BoundPredicate) -> Predicate {
        let span = Span(at: 0)
        let field = fieldPath(p.field)
        let values = p.values.map(value)
        let kind: Predicate.Kind
        switch p.op {
        case .in where p.values == [.bool(true)] && isBooleanField(p.field):
            kind = .bare
        case .in:
            kind = values.count == 1 ? .comparison(.equal, values[0]) : .inList(negated: false, values)
        case .notIn:
            kind = values.count == 1 ? .comparison(.notEqual, values[0]) : .inList(negated: true, values)
        case .less: kind = .comparison(.less, values.first ?? value(.bool(false)))
        case .lessEqual: kind = .comparison(.lessEqual, values.first ?? value(.bool(false)))
        case .greater: kind = .comparison(.greater, values.first ?? value(.bool(false)))
        case .greaterEqual: kind = .comparison(.greaterEqual, values.first ?? value(.bool(false)))
        }
        return Predicate(field: field, kind: kind, span: span)
    }

    static func isBooleanField(_ f: FieldRef) -> Bool {
        if case .catalog(let n) = f { return Catalog.field(canonical: n)?.type == .boolean }
        return false
    }

    /// The field as a path: `country`, `sale.amount`, `metadata.plan`.
    public static func fieldPath(_ f: FieldRef) -> FieldPath {
        let span = Span(at: 0)
        let names: [String]
        switch f {
        case .catalog(let n): names = n.split(separator: ".").map(String.init)
        case .metadata(let p): names = ["metadata"] + p
        case .json(let p): names = p
        }
        return FieldPath(components: names.map { Name($0, span: span) }, span: span)
    }

    /// A literal for a bound value; instants print as UTC date-times.
    public static func value(_ v: ScalarValue) -> Value {
        let span = Span(at: 0)
        switch v {
        case .string(let s): return Value(.text(s), span: span)
        case .number(_, let text): return Value(.number(text), span: span)
        case .bool(let b): return Value(.boolean(b), span: span)
        case .timestamp(let ms):
            let c = ISOInstant.civil(ms)
            let fraction = c.millisecond == 0 ? "" : ISOInstant.pad(c.millisecond, 3)
            let time = DateLiteral.TimeOfDay(hour: c.hour, minute: c.minute, second: c.second,
                                             nanosecond: c.millisecond * 1_000_000, utcOffsetSeconds: 0, fractionText: fraction)
            return Value(.date(DateLiteral(year: c.year, month: c.month, day: c.day, time: time)), span: span)
        }
    }
}
