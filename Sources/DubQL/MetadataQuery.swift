// How Dub's server reads the `query` parameter of `GET /events` (reference dub-api.md §3): its
// metadata query parser, quirks included. The planner sends a metadata condition only when this
// parser reads it back exactly; the API model (DubQLAPIModel) filters events with what it returns.

import Foundation

/// One condition of the `query` parameter after Dub's metadata query parser.
public struct APIMetadataCondition: Hashable, Sendable, Codable {
    /// The comparison of one condition.
    public enum Operator: String, Hashable, Sendable, Codable {
        case equals, notEquals, greaterThan, lessThan, greaterThanOrEqual, lessThanOrEqual
    }
    /// The top-level metadata key (the only part the pipe uses).
    public var key: String
    public var op: Operator
    /// The value after trimming, unquoting and stripping `;`, `\\`, `--`, `/*`, `*/`.
    public var value: String
}

/// Dub's reading of the `query` parameter.
public enum APIMetadataQuery {
    /// Dub's `metadata-query-parser`: conditions split on AND/OR (all AND-ed), unparseable ones
    /// dropped, only `metadata['k']` operands kept (the pipe ignores plain identifiers).
    public static func parse(_ query: String) -> [APIMetadataCondition] {
        guard !query.isEmpty else { return [] }
        var out: [APIMetadataCondition] = []
        for part in splitOnConnectives(query) {
            guard let c = parseCondition(part) else { continue }
            out.append(c)
        }
        return out
    }

    /// Splits on `\s+(AND|and|OR|or)\s+` (JavaScript `\s`: whitespace including newlines).
    static func splitOnConnectives(_ s: String) -> [String] {
        let chars = Array(s)
        let n = chars.count
        var parts: [String] = []
        var last = 0
        var i = 0
        while i < n {
            guard chars[i].isWhitespace else {
                i += 1
                continue
            }
            var j = i
            while j < n, chars[j].isWhitespace { j += 1 }
            var matched = false
            for word in ["AND", "and", "OR", "or"].map(Array.init) {
                guard j + word.count < n, Array(chars[j..<(j + word.count)]) == word,
                      chars[j + word.count].isWhitespace else { continue }
                var k = j + word.count
                while k < n, chars[k].isWhitespace { k += 1 }
                parts.append(String(chars[last..<i]))
                last = k
                i = k
                matched = true
                break
            }
            if !matched { i = j }
        }
        parts.append(String(chars[last..<n]))
        return parts
    }

    /// One condition: `^(ident | metadata['k'](['k2']…))\s*([:><=!]+)\s*(.+)$`, where `.` excludes
    /// line terminators.
    static func parseCondition(_ text: String) -> APIMetadataCondition? {
        let c = Array(text)
        guard !c.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\u{2028}" || $0 == "\u{2029}" }) else { return nil }
        func isKeyChar(_ ch: Character) -> Bool { ch.isASCII && (ch.isLetter || ch.isNumber || ch == "_" || ch == ".") }
        var i = 0
        var firstKey: String?
        if text.hasPrefix("metadata[") {
            i = 8
            while i < c.count, c[i] == "[" {
                guard i + 1 < c.count, c[i + 1] == "'" || c[i + 1] == "\"" else { break }
                var j = i + 2
                while j < c.count, isKeyChar(c[j]) { j += 1 }
                guard j > i + 2, j + 1 < c.count, c[j] == "'" || c[j] == "\"", c[j + 1] == "]" else { break }
                if firstKey == nil { firstKey = String(c[(i + 2)..<j]) }
                i = j + 2
            }
        }
        if firstKey == nil {
            // A plain identifier parses, but the pipe ignores operands that do not start with `metadata.`.
            return nil
        }
        while i < c.count, c[i].isWhitespace { i += 1 }
        let opStart = i
        while i < c.count, ":><=!".contains(c[i]) { i += 1 }
        guard i > opStart else { return nil }
        let opText = String(c[opStart..<i])
        while i < c.count, c[i].isWhitespace { i += 1 }
        guard i < c.count else { return nil }
        var value = String(c[i...]).trimmingCharacters(in: .whitespaces)
        let key = firstKey?.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let op: APIMetadataCondition.Operator
        switch opText {
        case "!=": op = .notEquals
        case ">": op = .greaterThan
        case "<": op = .lessThan
        case ">=": op = .greaterThanOrEqual
        case "<=": op = .lessThanOrEqual
        default: op = .equals
        }
        for q in ["'", "\"", "`"] where value.hasPrefix(q) { value.removeFirst(); break }
        for q in ["'", "\"", "`"] where value.hasSuffix(q) { value.removeLast(); break }
        for bad in ["--", "/*", "*/", ";", "\\"] { value = value.replacingOccurrences(of: bad, with: "") }
        return APIMetadataCondition(key: key, op: op, value: value)
    }
}
