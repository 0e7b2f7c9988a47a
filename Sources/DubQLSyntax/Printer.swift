// The canonical printer: AST back to DubQL text, such that parsing the output gives the same tree
// (spans aside) and printing is idempotent.

/// Writes the canonical form of DubQL: upper-case keywords, clauses in the order WHERE, time,
/// TIMEZONE, ORDER BY, LIMIT, OFFSET, PAGE, minimal parentheses, and quotes only where needed.
public enum Printer {
    /// Each statement followed by `;`, one per line (no final newline).
    public static func print(_ script: Script) -> String {
        script.statements.map { print($0) + ";" }.joined(separator: "\n")
    }

    public static func print(_ statement: Statement) -> String {
        (statement.isExplain ? "EXPLAIN " : "") + print(statement.select)
    }

    public static func print(_ s: SelectStatement) -> String {
        var out = "SELECT "
        switch s.projection {
        case nil: break
        case .all: out += "* FROM "
        case .columns(let columns, _): out += columns.map { print($0) }.joined(separator: ", ") + " FROM "
        }
        out += name(s.event.text)
        if let w = s.whereClause { out += " WHERE " + print(w.condition) }
        if let t = s.time {
            switch t {
            case .since(let a, let b, _):
                out += " SINCE " + print(a)
                if let b { out += " UNTIL " + print(b) }
            case .between(let a, let b, _):
                out += " BETWEEN " + print(a) + " AND " + print(b)
            }
        }
        if let tz = s.timezone { out += " TIMEZONE " + quoted(tz.name) }
        if let o = s.orderBy {
            out += " ORDER BY " + print(o.field)
            if let d = o.direction { out += " " + d.rawValue }
        }
        if let l = s.limit { out += " LIMIT " + l.text }
        if let o = s.offset { out += " OFFSET " + o.text }
        if let p = s.page { out += " PAGE " + p.text }
        return out
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
        var out = ""
        write(c, into: &out)
        return out
    }

    private static func write(_ c: Condition, into out: inout String) {
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
            out += print(p)
        }
    }

    private static func writeOperand(_ c: Condition, needing minimum: Int, into out: inout String) {
        if strength(c) < minimum {
            out += "("
            write(c, into: &out)
            out += ")"
        } else {
            write(c, into: &out)
        }
    }

    public static func print(_ p: Predicate) -> String {
        let field = print(p.field)
        switch p.kind {
        case .bare: return field
        case .comparison(let op, let v): return "\(field) \(op.rawValue) \(print(v))"
        case .inList(let negated, let values):
            return "\(field) \(negated ? "NOT IN" : "IN") (\(values.map { print($0) }.joined(separator: ", ")))"
        }
    }

    // MARK: - Values, instants, names

    public static func print(_ v: Value) -> String {
        switch v.kind {
        case .text(let t): isPlainIdentifier(t) ? t : quoted(t)
        case .number(let n): n
        case .boolean(let b): b ? "TRUE" : "FALSE"
        case .date(let d): d.description
        }
    }

    public static func print(_ i: Instant) -> String {
        switch i.kind {
        case .duration(let amount, let unit): "\(amount)\(unit.rawValue)"
        case .preset(let p): p.rawValue
        case .date(let d): d.description
        }
    }

    public static func print(_ f: FieldPath) -> String {
        f.components.map { name($0.text) }.joined(separator: ".")
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
        let u = text.utf8
        guard let first = u.first, isIdentifierStart(first), u.allSatisfy(isIdentifierContinue) else { return false }
        return Scanner.keyword(of: u) == nil
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        guard contains(target) else { return self }
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
