// The canonical printer: AST back to DubQL text, such that parsing the output gives the same tree
// (spans aside) and printing is idempotent.

/// Writes the canonical form of DubQL: upper-case keywords, clauses in the order WHERE, GROUP BY,
/// HAVING, time, TIMEZONE, ORDER BY, LIMIT, OFFSET, PAGE, minimal parentheses, and quotes only
/// where needed.
public enum Printer {
    /// Each statement followed by `;`, one per line (no final newline).
    public static func print(_ script: Script) -> String {
        script.statements.map { print($0) + ";" }.joined(separator: "\n")
    }

    public static func print(_ statement: Statement) -> String {
        var out = TextBuffer(capacity: 128)
        if statement.isExplain { out += "EXPLAIN " }
        write(statement.select, into: &out)
        return out.string
    }

    public static func print(_ s: SelectStatement) -> String {
        // One buffer for the whole statement: the binder prints every query, so temporaries count.
        var out = TextBuffer(capacity: 128)
        write(s, into: &out)
        return out.string
    }

    private static func write(_ s: SelectStatement, into out: inout TextBuffer) {
        out += "SELECT "
        switch s.projection {
        case nil: break
        case .all: out += "* FROM "
        case .columns(let items, _):
            for (i, item) in items.enumerated() {
                if i > 0 { out += ", " }
                write(item.expression, into: &out)
                if let alias = item.alias {
                    out += " AS "
                    writeName(alias.text, into: &out)
                }
            }
            out += " FROM "
        }
        writeName(s.event.text, into: &out)
        if let w = s.whereClause {
            out += " WHERE "
            write(w.condition, into: &out)
        }
        if let g = s.groupBy {
            out += " GROUP BY "
            for (i, k) in g.keys.enumerated() {
                if i > 0 { out += ", " }
                write(k, into: &out)
            }
        }
        if let h = s.having {
            out += " HAVING "
            write(h.condition, into: &out)
        }
        if let t = s.time {
            switch t {
            case .since(let a, let b, _):
                out += " SINCE "
                write(a, into: &out)
                if let b {
                    out += " UNTIL "
                    write(b, into: &out)
                }
            case .between(let a, let b, _):
                out += " BETWEEN "
                write(a, into: &out)
                out += " AND "
                write(b, into: &out)
            }
        }
        if let tz = s.timezone { out += " TIMEZONE "; out.append(quoted(tz.name)) }
        if let o = s.orderBy {
            out += " ORDER BY "
            for (i, k) in o.keys.enumerated() {
                if i > 0 { out += ", " }
                write(k.expression, into: &out)
                if let d = k.direction { out += " "; out.append(d.rawValue) }
            }
        }
        if let l = s.limit { out += " LIMIT "; out.append(l.text) }
        if let o = s.offset { out += " OFFSET "; out.append(o.text) }
        if let p = s.page { out += " PAGE "; out.append(p.text) }
    }

    // MARK: - Conditions

    /// Binding strength: OR 1, AND 2, NOT 3, predicate 4. A child binding less than its context
    /// needs gets parentheses, and only then.
    private static func strength(_ c: Condition) -> Int {
        switch c {
        case .or: 1
        case .and: 2
        case .not: 3
        case .predicate: 4
        }
    }

    public static func print(_ c: Condition) -> String {
        var out = TextBuffer()
        write(c, into: &out)
        return out.string
    }

    private static func write(_ c: Condition, into out: inout TextBuffer) {
        switch c {
        case .or(let operands, _):
            // An `or` directly inside an `or` only occurs in trees built by hand; parenthesize it so
            // the text says what the tree says.
            for (i, o) in operands.enumerated() {
                if i > 0 { out += " OR " }
                writeOperand(o, needing: 2, into: &out)
            }
        case .and(let operands, _):
            for (i, o) in operands.enumerated() {
                if i > 0 { out += " AND " }
                writeOperand(o, needing: 3, into: &out)
            }
        case .not(let operand, _):
            out += "NOT "
            writeOperand(operand, needing: 3, into: &out)
        case .predicate(let p):
            write(p, into: &out)
        }
    }

    private static func writeOperand(_ c: Condition, needing minimum: Int, into out: inout TextBuffer) {
        if strength(c) < minimum {
            out += "("
            write(c, into: &out)
            out += ")"
        } else {
            write(c, into: &out)
        }
    }

    public static func print(_ p: Predicate) -> String {
        var out = TextBuffer()
        write(p, into: &out)
        return out.string
    }

    private static func write(_ p: Predicate, into out: inout TextBuffer) {
        write(p.subject, into: &out)
        switch p.kind {
        case .bare: return
        case .comparison(let op, let v):
            out += " "
            out.append(op.rawValue)
            out += " "
            write(v, into: &out)
        case .inList(let negated, let values):
            out += negated ? " NOT IN (" : " IN ("
            for (i, v) in values.enumerated() {
                if i > 0 { out += ", " }
                write(v, into: &out)
            }
            out += ")"
        }
    }

    // MARK: - Values, instants, names

    public static func print(_ v: Value) -> String {
        var out = TextBuffer()
        write(v, into: &out)
        return out.string
    }

    private static func write(_ v: Value, into out: inout TextBuffer) {
        switch v.kind {
        case .text(let t): if isPlainIdentifier(t) { out.append(t) } else { out.append(quoted(t)) }
        case .number(let n): out.append(n)
        case .money(let amount, let currency):
            if let currency { out.append(amount); out.append(" "); out.append(currency) } else { out.append("$"); out.append(amount) }
        case .boolean(let b): out += b ? "TRUE" : "FALSE"
        case .date(let d): out.append(d.description)
        }
    }

    public static func print(_ i: Instant) -> String {
        var out = TextBuffer()
        write(i, into: &out)
        return out.string
    }

    private static func write(_ i: Instant, into out: inout TextBuffer) {
        switch i.kind {
        case .duration(let amount, let unit):
            out.append(amount)
            out.append(unit.rawValue)
        case .preset(let p): out.append(p.rawValue)
        case .date(let d): out.append(d.description)
        }
    }

    public static func print(_ e: Expression) -> String {
        var out = TextBuffer()
        write(e, into: &out)
        return out.string
    }

    private static func write(_ e: Expression, into out: inout TextBuffer) {
        switch e {
        case .field(let f): write(f, into: &out)
        case .call(let c): write(c, into: &out)
        }
    }

    public static func print(_ c: FunctionCall) -> String {
        var out = TextBuffer()
        write(c, into: &out)
        return out.string
    }

    private static func write(_ c: FunctionCall, into out: inout TextBuffer) {
        writeName(c.name.text, into: &out)
        switch c.argument {
        case .none: out += "()"
        case .star: out += "(*)"
        case .field(let f, let distinct):
            out += distinct ? "(DISTINCT " : "("
            write(f, into: &out)
            out += ")"
        }
    }

    public static func print(_ f: FieldPath) -> String {
        var out = TextBuffer()
        write(f, into: &out)
        return out.string
    }

    private static func write(_ f: FieldPath, into out: inout TextBuffer) {
        for (i, c) in f.components.enumerated() {
            if i > 0 { out += "." }
            writeName(c.text, into: &out)
        }
    }

    private static func writeName(_ text: String, into out: inout TextBuffer) {
        if isPlainIdentifier(text) { out.append(text) } else { out.append(name(text)) }
    }

    /// A name bare when it lexes as a plain non-keyword identifier, else back-quoted.
    public static func name(_ text: String) -> String {
        isPlainIdentifier(text) ? text : "`" + text.replacingAll("`", with: "``") + "`"
    }

    /// A string literal in single quotes, with `'` doubled.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingAll("'", with: "''") + "'"
    }

    /// True when `text` lexes as one identifier that is no keyword.
    public static func isPlainIdentifier(_ text: String) -> Bool {
        if let plain = text.utf8.withContiguousStorageIfAvailable(isPlainIdentifier(bytes:)) { return plain }
        return Array(text.utf8).withUnsafeBufferPointer(isPlainIdentifier(bytes:))
    }

    /// ``isPlainIdentifier(_:)`` on UTF-8 bytes: one pass that checks the characters and packs
    /// the keyword key as the lexer does (the printer asks this of every name and value).
    static func isPlainIdentifier(bytes u: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = u.first, isIdentifierStart(first) else { return false }
        var key: UInt64 = 0, shift: UInt64 = 0
        for c in u {
            guard isIdentifierContinue(c) else { return false }
            if shift < 64 { key |= UInt64(c | 0x20) &<< shift }
            shift &+= 8
        }
        return shift > 64 || Scanner.keyword(packed: key) == nil
    }
}

/// The printer's output: UTF-8 bytes appended to one array and decoded once, which is several times
/// cheaper than growing a `String` piece by piece (the binder prints every statement it binds).
struct TextBuffer {
    private var bytes: [UInt8] = []

    init(capacity: Int = 32) { bytes.reserveCapacity(capacity) }

    /// Literal text: its bytes are copied as they are, without looking at a `String`.
    static func += (buffer: inout TextBuffer, text: StaticString) {
        text.withUTF8Buffer { buffer.bytes.append(contentsOf: $0) }
    }

    /// Text from the tree (names, values): one copy of its bytes where they are contiguous.
    mutating func append(_ text: String) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { bytes.append(contentsOf: $0) }
        if copied == nil { bytes.append(contentsOf: text.utf8) }
    }

    /// The decimal digits of `value` (a duration's amount), without a temporary `String`.
    mutating func append(_ value: Int) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for i in stride(from: count - 1, through: 0, by: -1) { bytes.append(d[i]) }
        }
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
