// The reference meaning of a query on one event (DESIGN.md §1.4): what every backend must agree
// with. The local engine may compile conditions differently, but never mean something else.

import DubQLSyntax
import Foundation

// MARK: - Evaluator

/// Evaluates bound conditions on events, exactly as DESIGN.md §1.4 defines them.
///
/// - `f = v` holds when the event's value equals `v` exactly (case-sensitive). Values of `device`,
///   `browser` and `os` were normalized by the binder the way the API normalizes them.
/// - `f != v` is the negation: true for differing, empty and missing values.
/// - `url` and `refererUrl` compare without the query string; `utm_*` compare the decoded
///   parameter of `click.url`.
/// - Literals compare with JSON values of their own kind: text with strings, numbers with numbers,
///   booleans with booleans (so `metadata.seats = 5` does not match the string `"5"`).
/// - `sale.amount` is written in US dollars and stored by Dub in cents: the binder turns the
///   literal into cents exactly (`49.99` is 4999), so the event's cents compare with cents here,
///   as they do in every planner (README "Money").
/// - Order is by timestamp, then by event id, both in the query's direction.
public enum Evaluator {
    /// True when the event satisfies the condition.
    public static func matches(_ condition: BoundCondition, _ event: some EventRecord) -> Bool {
        switch condition {
        case .constant(let b):
            return b
        case .and(let parts):
            for p in parts where !matches(p, event) { return false }
            return true
        case .or(let parts):
            for p in parts where matches(p, event) { return true }
            return false
        case .not(let inner):
            return !matches(inner, event)
        case .predicate(let p):
            return matches(p, event)
        }
    }

    /// True when the event satisfies one predicate.
    public static func matches(_ predicate: BoundPredicate, _ event: some EventRecord) -> Bool {
        let value = fieldValue(predicate.field, in: event)
        switch predicate.op {
        case .in:
            return predicate.values.contains { equal(value, $0) }
        case .notIn:
            return !predicate.values.contains { equal(value, $0) }
        case .less, .lessEqual, .greater, .greaterEqual:
            guard let literal = predicate.values.first, let c = compare(value, literal) else { return false }
            switch predicate.op {
            case .less: return c < 0
            case .lessEqual: return c <= 0
            case .greater: return c > 0
            default: return c >= 0
            }
        }
    }

    /// True when the query selects the event: right type, inside the time range, condition true.
    public static func selects(_ query: BoundQuery, _ event: some EventRecord) -> Bool {
        guard event.eventType == query.event, query.time.contains(event.timestampMillis) else { return false }
        guard let c = query.condition else { return true }
        return matches(c, event)
    }

    /// The rows the query returns from `events`: selected, sorted, offset, limited.
    public static func select<E: EventRecord>(_ query: BoundQuery, from events: [E]) -> [E] {
        let kept = events.filter { selects(query, $0) }
        let sorted = sortEvents(kept, query.order)
        return Array(sorted.dropFirst(query.offset).prefix(query.limit))
    }

    /// Sorts by timestamp, ties by event id, both ascending or both descending.
    public static func sortEvents<E: EventRecord>(_ events: [E], _ order: SortDirection) -> [E] {
        events.sorted { precedes($0, $1, order) }
    }

    /// The order of ``sortEvents(_:_:)`` as a predicate (for merging).
    public static func precedes(_ a: some EventRecord, _ b: some EventRecord, _ order: SortDirection) -> Bool {
        let ta = a.timestampMillis, tb = b.timestampMillis
        if ta != tb { return order == .ascending ? ta < tb : ta > tb }
        return order == .ascending ? a.eventID < b.eventID : a.eventID > b.eventID
    }

    // MARK: - Field values

    /// The value a condition on `field` compares against, or `nil` when the event has none.
    public static func fieldValue(_ field: FieldRef, in event: some EventRecord) -> JSONValue? {
        switch field {
        case .metadata(let path):
            return event.json(at: ["metadata"] + path)
        case .json(let path):
            return event.json(at: path)
        case .catalog(let name):
            guard let spec = Catalog.field(canonical: name) else { return nil }
            return value(of: spec, in: event)
        }
    }

    /// The value of a catalog field in an event.
    public static func value(of spec: FieldSpec, in event: some EventRecord) -> JSONValue? {
        switch spec.derivation {
        case .path:
            return event.json(at: spec.jsonPath)
        case .withoutQuery:
            guard case .string(let s)? = event.json(at: spec.jsonPath) else { return nil }
            return .string(URLText.withoutQuery(s))
        case .urlParameter(let name):
            guard case .string(let s)? = event.json(at: spec.jsonPath) else { return nil }
            return URLText.queryParameter(name, in: s).map(JSONValue.string)
        case .isRoot:
            guard case .string(let key)? = event.json(at: ["link", "key"]) else { return .bool(false) }
            return .bool(key == "_root")
        case .saleType:
            return event.saleType.map(JSONValue.string)
        case .timestamp:
            return .number(Double(event.timestampMillis))
        case .unavailable:
            return nil
        }
    }

    // MARK: - Comparison

    /// Equality of an event value with a literal, by JSON kind.
    static func equal(_ value: JSONValue?, _ literal: ScalarValue) -> Bool {
        guard let value else { return false }
        switch (value, literal) {
        case (.string(let s), .string(let l)): return s == l
        case (.number(let n), .number(let l, _)): return n == l
        case (.bool(let b), .bool(let l)): return b == l
        // The deprecated top-level `qr` is 0/1; `click.qr` is a boolean.
        case (.number(let n), .bool(let l)): return (n != 0) == l
        case (.number(let n), .timestamp(let ms)): return n == Double(ms)
        case (.string(let s), .timestamp(let ms)): return ISOInstant.parse(s) == ms
        default: return false
        }
    }

    /// Ordering of an event value against a literal, or `nil` when they do not compare.
    static func compare(_ value: JSONValue?, _ literal: ScalarValue) -> Int? {
        guard let value else { return nil }
        func cmp<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a > b ? 1 : 0) }
        switch (value, literal) {
        case (.number(let n), .number(let l, _)): return cmp(n, l)
        case (.number(let n), .timestamp(let ms)): return cmp(n, Double(ms))
        case (.string(let s), .timestamp(let ms)): return ISOInstant.parse(s).map { cmp($0, ms) }
        case (.string(let s), .string(let l)): return cmp(s, l)
        default: return nil
        }
    }
}

// MARK: - URL helpers

/// The URL handling shared by the evaluator and the API model.
public enum URLText {
    /// The URL up to (not including) the first `?`, as Dub's `splitByString('?', url)[1]`.
    public static func withoutQuery(_ url: String) -> String {
        guard let q = url.firstIndex(of: "?") else { return url }
        return String(url[..<q])
    }

    /// The form-decoded value of the first query parameter called `name`, or `nil`.
    public static func queryParameter(_ name: String, in url: String) -> String? {
        guard let q = url.firstIndex(of: "?") else { return nil }
        var query = url[url.index(after: q)...]
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard formDecode(String(parts[0])) == name else { continue }
            return parts.count > 1 ? formDecode(String(parts[1])) : ""
        }
        return nil
    }

    /// `+` as space, then percent-decoding (undecodable text is kept as written).
    public static func formDecode(_ s: String) -> String {
        let spaced = s.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// JavaScript's `encodeURIComponent` followed by `%20` → `+` (Dub's `encodeURLFormComponent`).
    public static func formEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            if isUnreservedJS(byte) {
                out.append(Character(UnicodeScalar(byte)))
            } else if byte == 0x20 {
                out += "+"
            } else {
                out += "%" + hex2(byte)
            }
        }
        return out
    }

    /// True when `encodeURIComponent` leaves the text unchanged.
    public static func isFormEncodingInvariant(_ s: String) -> Bool { s.utf8.allSatisfy(isUnreservedJS) }

    static func isUnreservedJS(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "-_.!~*'()".utf8.contains(b)
        }
    }

    static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String(digits[Int(b >> 4)]) + String(digits[Int(b & 0xF)])
    }
}
