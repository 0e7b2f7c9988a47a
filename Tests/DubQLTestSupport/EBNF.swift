// A reader for the notation of Grammar/DubQL.ebnf (see Grammar/README.md), so tests can check the
// parser (and completion) against the grammar file itself.

import Foundation

/// One EBNF expression.
public indirect enum EBNFExpression: Hashable, Sendable {
    case terminal(String)
    case reference(String)
    /// `? text ?`
    case special(String)
    case sequence([EBNFExpression])
    case alternatives([EBNFExpression])
    case optional(EBNFExpression)
    case repetition(EBNFExpression)
    /// `a - b`: what `a` derives, except what `b` derives.
    case exception(EBNFExpression, EBNFExpression)

    /// Every terminal in the expression.
    public var terminals: [String] {
        switch self {
        case .terminal(let t): [t]
        case .reference, .special: []
        case .sequence(let e), .alternatives(let e): e.flatMap(\.terminals)
        case .optional(let e), .repetition(let e): e.terminals
        case .exception(let a, let b): a.terminals + b.terminals
        }
    }

    /// Every rule name the expression refers to.
    public var references: [String] {
        switch self {
        case .reference(let r): [r]
        case .terminal, .special: []
        case .sequence(let e), .alternatives(let e): e.flatMap(\.references)
        case .optional(let e), .repetition(let e): e.references
        case .exception(let a, let b): a.references + b.references
        }
    }
}

/// A grammar read from a file: rules in order, and which of them are lexical.
public struct EBNFGrammar: Sendable {
    public var rules: [String: EBNFExpression] = [:]
    public var order: [String] = []
    /// Rules defined after the `(* == Lexical grammar == *)` marker: their parts are not separated.
    public var lexical: Set<String> = []

    public static let lexicalMarker = "== Lexical grammar =="

    public struct ReadError: Error, CustomStringConvertible {
        public var message: String
        public var offset: Int
        public var description: String { "EBNF at offset \(offset): \(message)" }
    }

    /// The package's grammar, `Grammar/DubQL.ebnf`, read afresh.
    public static func package() throws -> EBNFGrammar {
        try EBNFGrammar(text: String(contentsOf: PackageFiles.grammar, encoding: .utf8))
    }

    // MARK: - Reading

    public init(text: String) throws {
        var reader = Reader(chars: Array(text.unicodeScalars))
        var inLexical = false
        while true {
            let comments = try reader.skipSpaceAndComments()
            if comments.contains(where: { $0.contains(EBNFGrammar.lexicalMarker) }) { inLexical = true }
            if reader.atEnd { break }
            let name = try reader.identifier()
            try reader.expect("=")
            let expression = try reader.alternatives()
            try reader.expect(";")
            guard rules[name] == nil else { throw ReadError(message: "rule \(name) defined twice", offset: reader.i) }
            rules[name] = expression
            order.append(name)
            if inLexical { lexical.insert(name) }
        }
    }

    private struct Reader {
        var chars: [Unicode.Scalar]
        var i = 0
        var atEnd: Bool { i >= chars.count }

        /// Skips white space and `(* *)` comments, returning the comments' texts.
        mutating func skipSpaceAndComments() throws -> [String] {
            var comments: [String] = []
            while i < chars.count {
                if chars[i].properties.isWhitespace { i += 1; continue }
                if chars[i] == "(", i + 1 < chars.count, chars[i + 1] == "*" {
                    let start = i
                    i += 2
                    while i + 1 < chars.count, !(chars[i] == "*" && chars[i + 1] == ")") { i += 1 }
                    guard i + 1 < chars.count else { throw ReadError(message: "unterminated comment", offset: start) }
                    comments.append(String(String.UnicodeScalarView(chars[(start + 2)..<i])))
                    i += 2
                    continue
                }
                break
            }
            return comments
        }

        mutating func identifier() throws -> String {
            _ = try skipSpaceAndComments()
            let start = i
            while i < chars.count, chars[i].properties.isAlphabetic || chars[i] == "_" || ("0"..."9").contains(chars[i]) { i += 1 }
            guard i > start else { throw ReadError(message: "expected a rule name", offset: i) }
            return String(String.UnicodeScalarView(chars[start..<i]))
        }

        mutating func expect(_ c: Unicode.Scalar) throws {
            _ = try skipSpaceAndComments()
            guard i < chars.count, chars[i] == c else { throw ReadError(message: "expected '\(c)'", offset: i) }
            i += 1
        }

        mutating func peek() throws -> Unicode.Scalar? {
            _ = try skipSpaceAndComments()
            return i < chars.count ? chars[i] : nil
        }

        /// `alternatives = sequence { "|" sequence }`
        mutating func alternatives() throws -> EBNFExpression {
            var options = [try sequence()]
            while try peek() == "|" {
                i += 1
                options.append(try sequence())
            }
            return options.count == 1 ? options[0] : .alternatives(options)
        }

        /// `sequence = term { term }` (juxtaposition; a `,` between terms is allowed too)
        mutating func sequence() throws -> EBNFExpression {
            var items: [EBNFExpression] = []
            while let c = try peek(), !"|;)]}".unicodeScalars.contains(c) {
                if c == "," { i += 1; continue }
                items.append(try term())
            }
            guard !items.isEmpty else { throw ReadError(message: "empty sequence", offset: i) }
            return items.count == 1 ? items[0] : .sequence(items)
        }

        /// `term = primary [ "-" primary ]`
        mutating func term() throws -> EBNFExpression {
            let base = try primary()
            if try peek() == "-" {
                i += 1
                return .exception(base, try primary())
            }
            return base
        }

        mutating func primary() throws -> EBNFExpression {
            guard let c = try peek() else { throw ReadError(message: "unexpected end", offset: i) }
            switch c {
            case "\"", "'", "?":
                let start = i
                i += 1
                while i < chars.count, chars[i] != c { i += 1 }
                guard i < chars.count else { throw ReadError(message: "unterminated \(c)", offset: start) }
                let text = String(String.UnicodeScalarView(chars[(start + 1)..<i]))
                i += 1
                return c == "?" ? .special(text.trimmingCharacters(in: .whitespaces)) : .terminal(text)
            case "[", "{", "(":
                i += 1
                let inner = try alternatives()
                try expect(c == "[" ? "]" : c == "{" ? "}" : ")")
                return c == "[" ? .optional(inner) : c == "{" ? .repetition(inner) : inner
            default:
                return .reference(try identifier())
            }
        }
    }
}
