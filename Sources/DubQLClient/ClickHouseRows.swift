// ClickHouse's TabSeparated answer to a ClickHousePlan, turned back into Dub's event JSON (the
// shape `GET /events` returns), one NDJSON line per row, so that every output format, the
// evaluator and the differential tests read ClickHouse rows as they read exported events.

import DubQL
import DubQLEngine
import Foundation

// MARK: - Decoder

/// Splits a streamed TabSeparated body into rows and writes each as an event's JSON.
public struct ClickHouseEventDecoder: Sendable {
    public let output: [ClickHouseOutputColumn]
    /// True when each row ends with the sale's type (``DubQL/ClickHousePlan/hasSaleTypes``).
    public let hasSaleTypes: Bool
    private var pending: [UInt8] = []
    /// Rows decoded so far.
    public private(set) var rows = 0
    /// The sale types of the rows of the last ``feed(_:)``, in order (when ``hasSaleTypes``).
    public private(set) var saleTypes: [String] = []

    public init(output: [ClickHouseOutputColumn], hasSaleTypes: Bool = false) {
        self.output = output
        self.hasSaleTypes = hasSaleTypes
    }

    /// The events of the complete lines in `chunk` (and what was pending), as NDJSON.
    public mutating func feed(_ chunk: Data) throws(ClickHouseError) -> [UInt8] {
        pending.append(contentsOf: chunk)
        saleTypes.removeAll(keepingCapacity: true)
        guard let lastNewline = pending.lastIndex(of: 0x0A) else { return [] }
        var out: [UInt8] = []
        out.reserveCapacity(pending.count * 2)
        var start = 0
        while start <= lastNewline {
            let end = pending[start...lastNewline].firstIndex(of: 0x0A) ?? lastNewline
            try writeEvent(pending[start..<end], to: &out)
            start = end + 1
        }
        pending.removeSubrange(0...lastNewline)
        return out
    }

    /// Checks that nothing is left over at the end of the body.
    public func finish() throws(ClickHouseError) {
        if !pending.isEmpty {
            try Self.checkException(pending[...])
            throw .unavailable("the answer ended in the middle of a row")
        }
    }

    /// ClickHouse reports an error that happens after the first rows inside the body.
    static func checkException(_ line: ArraySlice<UInt8>) throws(ClickHouseError) {
        let text = String(decoding: line, as: UTF8.self)
        if text.hasPrefix("Code: ") || text.contains("DB::Exception:") {
            throw ClickHouseError.from(status: 500, codeHeader: nil, body: text)
        }
    }

    private mutating func writeEvent(_ line: ArraySlice<UInt8>, to out: inout [UInt8]) throws(ClickHouseError) {
        var fields: [ArraySlice<UInt8>] = []
        fields.reserveCapacity(output.count)
        var s = line.startIndex
        for i in line.indices where line[i] == 0x09 {
            fields.append(line[s..<i])
            s = i + 1
        }
        fields.append(line[s..<line.endIndex])
        let width = output.count + (hasSaleTypes ? 1 : 0)
        guard fields.count == width else {
            try Self.checkException(line)
            throw .unavailable("a row has \(fields.count) columns, expected \(width)")
        }
        if hasSaleTypes { saleTypes.append(Self.unescape(fields[output.count])) }
        // Output columns come grouped by their first path component (`click.*`, `link.*`).
        out.append(UInt8(ascii: "{"))
        var open: String?
        var firstInObject = true
        for (column, raw) in zip(output, fields) {
            let top = column.path[0]
            if column.path.count > 1 {
                if open != top {
                    if open != nil { out.append(UInt8(ascii: "}")) }
                    if !firstInObject { out.append(UInt8(ascii: ",")) }
                    Self.appendString(top, to: &out)
                    out += Array(":{".utf8)
                    open = top
                } else {
                    out.append(UInt8(ascii: ","))
                }
                Self.appendString(column.path[1], to: &out)
            } else {
                if open != nil { out.append(UInt8(ascii: "}")); open = nil }
                if !firstInObject { out.append(UInt8(ascii: ",")) }
                Self.appendString(top, to: &out)
            }
            firstInObject = false
            out.append(UInt8(ascii: ":"))
            try Self.appendValue(raw, column.kind, to: &out)
        }
        if open != nil { out.append(UInt8(ascii: "}")) }
        out += Array("}\n".utf8)
        rows += 1
    }

    // MARK: Values

    static func appendValue(_ raw: ArraySlice<UInt8>, _ kind: ClickHouseOutputColumn.Kind, to out: inout [UInt8]) throws(ClickHouseError) {
        let isNull = raw.count == 2 && raw.first == UInt8(ascii: "\\") && raw.last == UInt8(ascii: "N")
        switch kind {
        case .text, .nullableText:
            if isNull { out += Array("null".utf8); return }
            appendString(unescape(raw), to: &out)
        case .number:
            guard !raw.isEmpty, !isNull, raw.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E || $0 == 0x65 || $0 == 0x45 || $0 == 0x2B }) else {
                out += Array("null".utf8)
                return
            }
            out += raw
        case .boolean:
            out += Array((raw.elementsEqual("true".utf8) || raw.elementsEqual("1".utf8) ? "true" : "false").utf8)
        case .json:
            let text = unescape(raw)
            out += text.isEmpty || isNull ? Array("null".utf8) : Array(text.utf8)
        case .millis:
            guard let ms = Int64(String(decoding: raw, as: UTF8.self)) else {
                throw .unavailable("expected epoch milliseconds, found '\(String(decoding: raw.prefix(40), as: UTF8.self))'")
            }
            appendString(Self.iso(ms), to: &out)
        }
    }

    /// TabSeparated escapes: `\t \n \\ \' \0 \b \f \r`.
    static func unescape(_ raw: ArraySlice<UInt8>) -> String {
        guard raw.contains(UInt8(ascii: "\\")) else { return String(decoding: raw, as: UTF8.self) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = raw.startIndex
        while i < raw.endIndex {
            let b = raw[i]
            if b == UInt8(ascii: "\\"), i + 1 < raw.endIndex {
                let n = raw[i + 1]
                switch n {
                case UInt8(ascii: "t"): bytes.append(0x09)
                case UInt8(ascii: "n"): bytes.append(0x0A)
                case UInt8(ascii: "r"): bytes.append(0x0D)
                case UInt8(ascii: "0"): bytes.append(0x00)
                case UInt8(ascii: "b"): bytes.append(0x08)
                case UInt8(ascii: "f"): bytes.append(0x0C)
                default: bytes.append(n)
                }
                i += 2
            } else {
                bytes.append(b)
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        var text = ""
        JSONText.quote(s, to: &text)
        out += Array(text.utf8)
    }

    /// `2026-08-21T10:30:00.250Z`.
    public static func iso(_ millis: Int64) -> String {
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        let ms = Int(millis - seconds * 1000)
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(ms), 3))Z"
    }
}

// MARK: - Aggregate answers

/// The TabSeparated answer of an aggregate plan: one group per row, its keys and aggregates as
/// typed values (and, for a time series, the group's first and last instant).
public enum ClickHouseAggregateDecoder {
    /// The groups of a complete body, in the answer's order, and the span of the selected events
    /// (`nil` when no event was selected).
    public static func groups(_ body: Data, columns: ClickHouseAggregateColumns) throws(ClickHouseError)
        -> (groups: [[AggregateValue]], span: (Int64, Int64)?) {
        let bytes = [UInt8](body)
        let width = columns.kinds.count + (columns.hasSpan ? 2 : 0)
        var groups: [[AggregateValue]] = []
        var first: Int64?, last: Int64?
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: 0x0A) ?? bytes.count
            let line = bytes[start..<end]
            start = end + 1
            if line.isEmpty { continue }
            var fields: [ArraySlice<UInt8>] = []
            var s = line.startIndex
            for i in line.indices where line[i] == 0x09 {
                fields.append(line[s..<i])
                s = i + 1
            }
            fields.append(line[s..<line.endIndex])
            guard fields.count == width else {
                try ClickHouseEventDecoder.checkException(line)
                throw .unavailable("a row has \(fields.count) columns, expected \(width)")
            }
            var row: [AggregateValue] = []
            row.reserveCapacity(columns.kinds.count)
            for (kind, raw) in zip(columns.kinds, fields) { row.append(try value(raw, kind)) }
            if columns.hasSpan {
                // Only a time series asks for the span, and it always groups: no row stands for no events.
                if case .instant(let f) = try value(fields[width - 2], .instant),
                   case .instant(let l) = try value(fields[width - 1], .instant) {
                    first = min(first ?? f, f)
                    last = max(last ?? l, l)
                }
            }
            groups.append(row)
        }
        return (groups, first.flatMap { f in last.map { (f, $0) } })
    }

    /// One field of the answer as a typed value.
    static func value(_ raw: ArraySlice<UInt8>, _ kind: ClickHouseValueKind) throws(ClickHouseError) -> AggregateValue {
        let isNull = raw.count == 2 && raw.first == UInt8(ascii: "\\") && raw.last == UInt8(ascii: "N")
        if isNull { return .null }
        let text = String(decoding: raw, as: UTF8.self)
        switch kind {
        case .text:
            return .text(ClickHouseEventDecoder.unescape(raw))
        case .integer:
            guard let i = Int64(text) else { throw .unavailable("expected an integer, found '\(text.prefix(40))'") }
            return .integer(i)
        case .number:
            switch text {
            case "nan", "-nan": return .null
            case "inf", "+inf": return .number(.infinity)
            case "-inf": return .number(-.infinity)
            default:
                guard let d = Double(text) else { throw .unavailable("expected a number, found '\(text.prefix(40))'") }
                return .number(d)
            }
        case .boolean:
            return .bool(text == "true" || text == "1")
        case .instant:
            guard let ms = Int64(text) else { throw .unavailable("expected epoch milliseconds, found '\(text.prefix(40))'") }
            return .instant(ms)
        case .json:
            let json = ClickHouseEventDecoder.unescape(raw)
            if json.isEmpty { return .null }
            do {
                return AggregateValue(try JSONValue.parse(Array(json.utf8)))
            } catch {
                throw .unavailable("a JSON value from ClickHouse does not parse: \(error.message)")
            }
        }
    }
}
