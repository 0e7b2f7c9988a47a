// Binding of conditions: field paths to catalog fields, metadata or JSON paths; literals to typed
// values checked against the field's type, with "did you mean" hints.

import DubQLSyntax
import Foundation

// MARK: - Fields

/// The fields the predicates of one bound condition compare, noted while it is bound: catalog
/// fields as bits of their positions in ``Catalog/fields``.
struct ConditionSummary {
    private var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    /// True when some catalog field is compared by two predicates.
    private(set) var repeated = false
    /// True when a predicate reads metadata or another JSON path (not summarized: walk the tree).
    private(set) var other = false

    /// Notes one predicate's field: its catalog position, or `nil` for metadata and JSON paths.
    mutating func add(_ position: Int?) {
        guard let i = position, i < 256 else { other = true; return }
        let bit = UInt64(1) << UInt64(i & 63)
        let had: Bool
        switch i >> 6 {
        case 0: had = bits.0 & bit != 0; bits.0 |= bit
        case 1: had = bits.1 & bit != 0; bits.1 |= bit
        case 2: had = bits.2 & bit != 0; bits.2 |= bit
        default: had = bits.3 & bit != 0; bits.3 |= bit
        }
        if had { repeated = true }
    }

    /// True when a predicate compares the catalog field at `position`.
    func contains(_ position: Int) -> Bool {
        guard position >= 0, position < 256 else { return false }
        let bit = UInt64(1) << UInt64(position & 63)
        switch position >> 6 {
        case 0: return bits.0 & bit != 0
        case 1: return bits.1 & bit != 0
        case 2: return bits.2 & bit != 0
        default: return bits.3 & bit != 0
        }
    }

    /// The catalog positions the checks ask about, found once.
    static let key = Catalog.position(ofCanonical: "key")
    static let timestamp = Catalog.position(ofCanonical: "timestamp")
    static let root = Catalog.position(ofCanonical: "root")
    static let saleType = Catalog.position(ofCanonical: "saleType")
}

/// A resolved field: what it reads, and the type its values have.
struct ResolvedField {
    var ref: FieldRef
    var type: FieldType
    /// Position of the catalog field in ``Catalog/fields`` (copying a `FieldSpec` costs a dozen retains).
    var specIndex: Int?
}

extension Binder {
    /// Resolves a field path, checking that the event has the field.
    mutating func bindField(_ path: FieldPath) -> ResolvedField? {
        // Most paths have one component: no array or join for them.
        let dotted = path.components.count == 1 ? path.components[0].text : path.components.map(\.text).joined(separator: ".")
        if let i = Catalog.index(named: dotted) {
            guard Catalog.eventBits[i] & event.bit != 0 else {
                let spec = Catalog.fields[i]
                let which = EventType.allCases.filter { spec.events.contains($0) }.map(\.rawValue).joined(separator: " and ")
                error(.fieldNotInEvent, "'\(spec.name)' is not a field of \(event.rawValue): only \(which) have it", path.span)
                return nil
            }
            return ResolvedField(ref: .catalog(Catalog.fields[i].name), type: Catalog.fields[i].type, specIndex: i)
        }
        let names = path.components.map(\.text)
        guard let first = names.first else { return nil }
        if first.lowercased() == "metadata" {
            guard event != .clicks else {
                error(.fieldNotInEvent, "'metadata' is not a field of clicks: only leads and sales have metadata", path.span)
                return nil
            }
            guard names.count > 1 else {
                error(.incompleteField, "'metadata' needs a key, such as metadata.plan or metadata['plan tier']", path.span)
                return nil
            }
            return ResolvedField(ref: .metadata(Array(names.dropFirst())), type: .json, specIndex: nil)
        }
        if names.count > 1, let events = Catalog.jsonRoots[first.lowercased()] {
            guard events.contains(event) else {
                error(.fieldNotInEvent, "'\(first.lowercased())' is not part of \(event.rawValue) events", path.span)
                return nil
            }
            let root = first.lowercased()
            if let keys = Catalog.eventKeys[root], !keys.contains(names[1]) {
                let near = DidYouMean.candidates(for: dotted, in: keys.map { root + "." + $0 })
                error(.unknownField, "unknown field '\(dotted)': Dub's \(event.singular) events have no '\(names[1])' in '\(root)'",
                      path.span, hints: [DidYouMean.hint(near) ?? "the fields of '\(root)' are \(keys.prefix(8).joined(separator: ", "))\(keys.count > 8 ? ", ..." : "")"])
                return nil
            }
            return ResolvedField(ref: .json([root] + names.dropFirst()), type: .json, specIndex: nil)
        }
        let candidates = Catalog.fields(for: event).flatMap { [$0.name] + $0.aliases } + (event == .clicks ? [] : ["metadata"])
        let near = DidYouMean.candidates(for: dotted, in: candidates)
        var hints = [DidYouMean.hint(near)].compactMap { $0 }
        if TimeBucket(rawValue: dotted.lowercased()) != nil || dotted.lowercased() == "link" {
            hints = ["'\(dotted)' is a group key: SELECT \(dotted), count() FROM \(event.rawValue) GROUP BY \(dotted)"]
        }
        let root = dotted.lowercased()
        if let keys = Catalog.eventKeys[root], Catalog.jsonRoots[root]?.contains(event) == true {
            // `customer`, `sale`: objects of the event, not fields (`customer` is not `customerId`).
            let examples = ["customer": "customer.name, customer.email or customerId", "sale": "sale.amount or sale.currency",
                            "click": "click.url or click.ua", "link": "shortLink or linkId"][root] ?? keys.prefix(2).map { root + "." + $0 }.joined(separator: " or ")
            hints = ["'\(root)' is an object of the event: name one of its fields, such as \(examples)"]
                + (root == "link" ? hints : [])
        }
        error(.unknownField, "unknown field '\(dotted)'", path.span, hints: hints)
        return nil
    }

    // MARK: - Conditions

    /// Binds a WHERE condition, noting in ``Binder/whereSummary`` which fields its predicates
    /// compare, so that the checks on the whole condition need not walk it again.
    mutating func bindWhere(_ c: Condition) -> BoundCondition? {
        summary = ConditionSummary()
        let bound = bindCondition(c)
        whereSummary = summary
        summary = nil
        return bound
    }

    mutating func bindCondition(_ c: Condition) -> BoundCondition? {
        switch c {
        case .or(let parts, _):
            return bindAll(parts).map { .or($0) }
        case .and(let parts, _):
            return bindAll(parts).map { .and($0) }
        case .not(let inner, _):
            guard let bound = bindCondition(inner) else { return nil }
            // `NOT f = v` is `f != v` (DESIGN.md §1.4): bound as that predicate, without a box for
            // the NOT. Once per predicate: `NOT NOT f = v` keeps its outer NOT, as written.
            if case .predicate(var p) = bound, !p.foldedNot, p.op == .in || p.op == .notIn {
                p.op = p.op == .in ? .notIn : .in
                p.foldedNot = true
                return .predicate(p)
            }
            return .not(bound)
        case .predicate(let p):
            return bindPredicate(p).map { .predicate($0) }
        }
    }

    /// Every operand bound (all of them, for their diagnostics), or `nil` when one fails.
    mutating func bindAll(_ parts: [Condition]) -> [BoundCondition]? {
        var bound: [BoundCondition] = []
        bound.reserveCapacity(parts.count)
        var failed = false
        for part in parts {
            if let b = bindCondition(part) { bound.append(b) } else { failed = true }
        }
        return failed ? nil : bound
    }

    mutating func bindPredicate(_ p: DubQLSyntax.Predicate) -> BoundPredicate? {
        if let call = p.call {
            error(.misplacedAggregate, "an aggregate such as '\(Printer.print(call))' cannot filter events: WHERE decides per event",
                  call.span, hints: ["filter groups with HAVING: ... GROUP BY country HAVING \(Printer.print(call)) > 5"])
            return nil
        }
        guard let field = bindField(p.field) else { return nil }
        summary?.add(field.specIndex)
        if let i = field.specIndex, Catalog.fields[i].pushdown == .qr {
            warning(.deprecatedField, "'qr' is deprecated: Dub now records what made the click in 'trigger'", p.field.span,
                    hints: ["write trigger = qr"])
        }
        switch p.kind {
        case .bare:
            guard field.type == .boolean || field.type == .json else {
                // `WHERE timestamp BETWEEN a AND b`: the time range is a clause of its own.
                let hint = field.type == .timestamp
                    ? "a time range is a clause of its own, after WHERE: write BETWEEN start AND end (or SINCE 7d) without '\(p.field.dotted)'"
                    : "write \(p.field.dotted) = <value>"
                error(.incompleteField, "'\(p.field.dotted)' is not a boolean field: compare it with a value",
                      p.span, hints: [hint])
                return nil
            }
            return BoundPredicate(field: field.ref, op: .in, value: .bool(true), span: p.span)
        case .comparison(let op, let value):
            let bop: BoundOperator
            switch op {
            case .equal: bop = .in
            case .notEqual: bop = .notIn
            case .less: bop = .less
            case .lessEqual: bop = .lessEqual
            case .greater: bop = .greater
            case .greaterEqual: bop = .greaterEqual
            }
            if bop != .in, bop != .notIn, !field.type.isOrdered {
                error(.orderingOnUnorderedField, "'\(op.rawValue)' needs ordered values, but '\(p.field.dotted)' is \(field.type.displayName)",
                      p.span, hints: ["compare it with = or !=, or use IN (...)"])
                return nil
            }
            guard let v = bindValue(value, for: field, path: p.field) else { return nil }
            return BoundPredicate(field: field.ref, op: bop, value: v, span: p.span)
        case .inList(let negated, let values):
            // One value (`country IN (US)`): nothing to de-duplicate, no set.
            if values.count == 1 {
                guard let v = bindValue(values[0], for: field, path: p.field) else { return nil }
                return BoundPredicate(field: field.ref, op: negated ? .notIn : .in, value: v, span: p.span)
            }
            // The distinct values in order; a `SeenSet` so that a list of a million values is linear.
            var seen = SeenSet<ScalarValue>()
            seen.reserveCapacity(values.count)
            var ok = true
            for value in values {
                guard let v = bindValue(value, for: field, path: p.field) else { ok = false; continue }
                seen.insert(v)
            }
            let bound = seen.elements
            guard ok, !bound.isEmpty else { return nil }
            return BoundPredicate(field: field.ref, op: negated ? .notIn : .in, values: bound, span: p.span)
        }
    }

    // MARK: - Values

    /// The literal as written, as text (numbers and dates keep their spelling).
    static func text(of value: Value) -> String? {
        switch value.kind {
        case .text(let s): s
        case .number(let n): n
        case .date(let d): d.description
        case .boolean, .money: nil
        }
    }

    /// An amount in dollars as written (`49.9`, `-3`, `100.005`) as the exact number of cents
    /// (`4990`, `-300`, `10000.5`): the decimal point moves two digits, no binary rounding.
    static func cents(ofDollars text: String) -> Double? {
        var t = Substring(text)
        let negative = t.hasPrefix("-")
        if negative { t = t.dropFirst() }
        let parts = t.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCII), whole.allSatisfy(\.isNumber) else { return nil }
        var fraction = parts.count > 1 ? String(parts[1]) : ""
        guard fraction.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        while fraction.count < 2 { fraction += "0" }
        let shifted = whole + fraction.prefix(2) + (fraction.count > 2 ? "." + fraction.dropFirst(2) : "")
        return Double((negative ? "-" : "") + shifted)
    }

    /// A money literal where no amount of money is compared: an error whose hint drops the unit.
    mutating func moneyMisplaced(_ value: Value, amount: String, fieldText: String) {
        error(.typeMismatch, "'\(fieldText)' is not an amount of money: '\(Printer.print(value))' compares only with \(Catalog.moneyField) and its sums",
              value.span, hints: ["write \(amount)"])
    }

    /// `path` names the field in messages (its dotted text is only made for an error).
    mutating func bindValue(_ value: Value, for field: ResolvedField, path: FieldPath) -> ScalarValue? {
        let span = value.span
        switch field.type {
        case .boolean:
            if case .boolean(let b) = value.kind { return .bool(b) }
            if case .text(let s) = value.kind, ["true", "false"].contains(s.lowercased()) { return .bool(s.lowercased() == "true") }
            error(.typeMismatch, "'\(path.dotted)' is boolean: expected TRUE or FALSE, found \(Printer.print(value))", span)
            return nil
        case .number:
            if field.ref == .catalog(Catalog.moneyField) {
                // Amounts are written in dollars (`100`, `$100`, `100 usd`) and compared in the data's cents.
                switch value.kind {
                case .number(let n), .money(let n, _):
                    if let c = Binder.cents(ofDollars: n) { return .number(c, text: n) }
                default: break
                }
                error(.typeMismatch, "'\(path.dotted)' is an amount in US dollars: expected a number such as 49.90 or $49.90, found \(Printer.print(value))", span)
                return nil
            }
            if case .money(let n, _) = value.kind {
                moneyMisplaced(value, amount: n, fieldText: path.dotted)
                return nil
            }
            if case .number(let n) = value.kind, let d = Double(n) { return .number(d, text: n) }
            error(.typeMismatch, "'\(path.dotted)' is a number: expected a number, found \(Printer.print(value))", span)
            return nil
        case .timestamp:
            if case .date(let d) = value.kind, let ms = millis(of: d, asEnd: false) { return .timestamp(ms) }
            if case .text(let s) = value.kind, let ms = ISOInstant.parse(s) { return .timestamp(ms) }
            error(.typeMismatch, "'\(path.dotted)' is an instant: expected a date such as 2024-01-01 or 2024-01-01T10:00:00Z, found \(Printer.print(value))",
                  span, hints: ["use SINCE/UNTIL/BETWEEN for time ranges"])
            return nil
        case .json:
            switch value.kind {
            case .text(let s): return .string(s)
            case .number(let n): return Double(n).map { .number($0, text: n) }
            case .boolean(let b): return .bool(b)
            case .date(let d): return .string(d.description)
            case .money(let n, _):
                moneyMisplaced(value, amount: n, fieldText: path.dotted)
                return nil
            }
        case .text, .country, .region, .continent, .trigger, .saleType:
            guard let raw = Binder.text(of: value) else {
                error(.typeMismatch, "'\(path.dotted)' is \(field.type.displayName): expected a value, found \(Printer.print(value))", span)
                return nil
            }
            return checkText(raw, field: field, span: span).map { .string($0) }
        }
    }

    /// Checks a text value against the field's value set and normalizes it as the API does.
    mutating func checkText(_ raw: String, field: ResolvedField, span: Span) -> String? {
        guard let specIndex = field.specIndex else { return raw }
        switch field.type {
        case .country:
            guard Catalog.isCountryCode(raw) || raw == Catalog.unknownValue else {
                error(.invalidValue, "'\(raw)' is not an ISO 3166-1 alpha-2 country code", span,
                      hints: [DidYouMean.hint(Suggestions.countryCodes(for: raw))].compactMap { $0 })
                return nil
            }
        case .region:
            let parts = raw.split(separator: "-", omittingEmptySubsequences: false)
            let subOK = parts.count == 2 && (1...3).contains(parts[1].count)
                && parts[1].allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
            guard subOK, Catalog.countryCodes.contains(String(parts[0])) else {
                let hint = parts.count == 1 && raw.count <= 3
                    ? "regions are written with their country code, e.g. 'US-\(raw.uppercased())'"
                    : "write an ISO 3166-2 code such as 'US-CA' or 'DE-BY'"
                error(.invalidValue, "'\(raw)' is not an ISO 3166-2 region code", span, hints: [hint])
                return nil
            }
        case .continent, .trigger, .saleType:
            let values = Catalog.fields[specIndex].enumeratedValues ?? []
            guard values.contains(raw) else {
                let spec = Catalog.fields[specIndex]
                var near = values.filter { $0.lowercased() == raw.lowercased() }
                if field.type == .continent {
                    near += Catalog.continentNames.filter { $0.value.lowercased() == raw.lowercased() }.map(\.key)
                }
                if near.isEmpty { near = DidYouMean.candidates(for: raw, in: values) }
                error(.invalidValue, "'\(raw)' is not a valid \(spec.name): expected one of \(values.joined(separator: ", "))", span,
                      hints: [DidYouMean.hint(near)].compactMap { $0 })
                return nil
            }
        default:
            // One case rule for every field with a known set of values: values match exactly, so a
            // known value in the wrong case is an error (unless Dub capitalizes the field's values).
            // Properties read in place: a copy of the whole FieldSpec would retain a dozen references.
            if Catalog.fields[specIndex].normalization == .none, let values = Catalog.fields[specIndex].enumeratedValues,
               !values.contains(raw), let meant = values.first(where: { $0.lowercased() == raw.lowercased() }) {
                error(.invalidValue, "'\(raw)' is not a \(Catalog.fields[specIndex].name) value: values match exactly, case included", span,
                      hints: ["did you mean '\(meant)'?"])
                return nil
            }
        }
        let normalized = Catalog.fields[specIndex].normalization.apply(raw)
        if normalized != raw, let known = Catalog.fields[specIndex].enumeratedValues, !known.contains(normalized),
           let meant = known.first(where: { $0.lowercased() == raw.lowercased() }) {
            let spec = Catalog.fields[specIndex]
            warning(.suspiciousNormalization,
                    "'\(raw)' is compared as '\(normalized)' (Dub capitalizes each word of \(spec.name) values), which no recorded \(spec.name) looks like",
                    span, hints: ["did you mean '\(meant)'?"])
        }
        return normalized
    }
}
