// Derives random sentences from an EBNF grammar: seeded, depth-bounded, with white space and
// comments between tokens.

import DubQLEngine
import DubQLSyntax

/// Expands grammar rules at random.
///
/// Below `maximumDepth` choices are uniform; past it the generator takes the alternative that
/// ends soonest, skips options and repeats nothing, so every sentence is finite. Constraints the
/// notation cannot state (a date exists; each clause at most once) are given to it explicitly.
public struct SentenceGenerator {
    public let grammar: EBNFGrammar
    /// The seeded source of every choice, so a failing sentence is replayed from its seed.
    public var random: SplitMix64
    public var maximumDepth = 13
    /// Lexical rules whose expansion must also satisfy a predicate (retried until it does).
    public var constraints: [String: @Sendable (String) -> Bool] = [:]
    /// Rules whose repetition picks each top-level alternative at most once.
    public var distinctRepetitions: Set<String> = []
    /// Characters that `? any character ... ?` stands for (a sample of all characters).
    public var anyCharacters: [Character] = Array("abcXYZ019 _-.,;=()'\"`üé日😀+:")

    /// Height of the shallowest derivation of each rule (fixed point), to end expansions quickly.
    private var minimumHeight: [String: Int] = [:]

    public init(grammar: EBNFGrammar, seed: UInt64) {
        self.grammar = grammar
        self.random = SplitMix64(state: seed)
        var heights: [String: Int] = [:]
        var changed = true
        while changed {
            changed = false
            for name in grammar.order {
                guard let rule = grammar.rules[name] else { continue }
                // A lexical rule is one token, as short as a terminal.
                let h = grammar.lexical.contains(name) ? 0 : SentenceGenerator.height(rule, heights)
                if h < (heights[name] ?? Int.max) { heights[name] = h; changed = true }
            }
        }
        minimumHeight = heights
    }

    private static func height(_ e: EBNFExpression, _ heights: [String: Int]) -> Int {
        switch e {
        case .terminal, .special: return 1
        case .reference(let r): return heights[r].map { $0 == Int.max ? Int.max : $0 + 1 } ?? Int.max
        case .sequence(let items): return items.map { height($0, heights) }.max() ?? 1
        case .alternatives(let options): return options.map { height($0, heights) }.min() ?? Int.max
        case .optional, .repetition: return 1
        case .exception(let a, _): return height(a, heights)
        }
    }

    private func height(_ e: EBNFExpression) -> Int { SentenceGenerator.height(e, minimumHeight) }

    /// A generator of DubQL scripts from `Grammar/DubQL.ebnf`, with what the notation cannot say:
    /// dates exist (`2024-02-30` is no date), and each clause comes at most once per statement.
    /// Every sentence it makes is a valid script.
    public static func dubQL(seed: UInt64) throws -> SentenceGenerator {
        var generator = SentenceGenerator(grammar: try EBNFGrammar.package(), seed: seed)
        let isDate: @Sendable (String) -> Bool = { if case .success = DateScanner.parse($0) { true } else { false } }
        generator.constraints = [
            "date": isDate, "date_time": isDate,
            "quoted_instant": { isDate(String($0.dropFirst().dropLast())) },
        ]
        generator.distinctRepetitions = ["clause"]
        return generator
    }

    // MARK: - Generating

    /// A sentence of `rule`: syntactic tokens joined by white space or comments.
    public mutating func sentence(_ rule: String) -> String {
        join(tokens(rule))
    }

    /// The syntactic tokens of a sentence of `rule`, unjoined (for tests that walk a sentence
    /// token by token, such as completion at every prefix).
    public mutating func tokens(_ rule: String) -> [String] {
        var tokens: [String] = []
        expand(.reference(rule), depth: 0, into: &tokens)
        return tokens
    }

    /// Tokens joined by random white space and comments.
    public mutating func join(_ tokens: [String]) -> String {
        var out = ""
        for (i, t) in tokens.enumerated() {
            if i > 0 { out += separator() }
            out += t
        }
        return out
    }

    private mutating func separator() -> String {
        switch Int.random(in: 0..<20, using: &random) {
        case 0: return "\n"
        case 1: return " /* " + String((0..<3).map { _ in pick(anyCharacters.filter { $0 != "*" && $0 != "/" }) }) + " */ "
        case 2: return " -- " + String((0..<3).map { _ in pick(anyCharacters) }) + "\n"
        case 3: return "\t"
        default: return " "
        }
    }

    private mutating func pick<T>(_ items: [T]) -> T {
        items[Int.random(in: 0..<items.count, using: &random)]
    }

    /// Appends the tokens of a syntactic expression.
    private mutating func expand(_ e: EBNFExpression, depth: Int, into tokens: inout [String]) {
        switch e {
        case .terminal(let t):
            tokens.append(Keyword(word: t) != nil ? randomCase(t) : t)
        case .reference(let r):
            if grammar.lexical.contains(r) {
                tokens.append(lexeme(r))
            } else if let rule = grammar.rules[r] {
                expand(rule, depth: depth + 1, into: &tokens)
            }
        case .special(let s):
            tokens.append(special(s))
        case .sequence(let items):
            for item in items { expand(item, depth: depth, into: &tokens) }
        case .alternatives(let options):
            expand(choose(options, depth: depth), depth: depth, into: &tokens)
        case .optional(let inner):
            if depth < maximumDepth, Bool.random(using: &random) { expand(inner, depth: depth, into: &tokens) }
        case .repetition(let inner):
            if case .reference(let r) = inner, distinctRepetitions.contains(r),
               case .alternatives(let options)? = grammar.rules[r] {
                let count = depth < maximumDepth ? Int.random(in: 0...options.count, using: &random) : 0
                for option in options.shuffled(using: &random).prefix(count) {
                    expand(option, depth: depth + 1, into: &tokens)
                }
                return
            }
            let count = depth < maximumDepth ? Int.random(in: 0...2, using: &random) : 0
            for _ in 0..<count { expand(inner, depth: depth, into: &tokens) }
        case .exception(let a, _):
            expand(a, depth: depth, into: &tokens)
        }
    }

    private mutating func choose(_ options: [EBNFExpression], depth: Int) -> EBNFExpression {
        if depth < maximumDepth { return pick(options) }
        let best = options.map { height($0) }.min() ?? 1
        return pick(options.filter { height($0) == best })
    }

    private mutating func randomCase(_ word: String) -> String {
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return word.lowercased()
        case 1: return word.prefix(1) + word.dropFirst().lowercased()
        default: return word
        }
    }

    // MARK: - Lexemes

    /// One token of a lexical rule, satisfying its constraint and exceptions.
    public mutating func lexeme(_ rule: String) -> String {
        guard let expression = grammar.rules[rule] else { return "" }
        for _ in 0..<10_000 {
            let text = characters(expression)
            if constraints[rule].map({ $0(text) }) ?? true { return text }
        }
        return characters(expression)
    }

    private mutating func characters(_ e: EBNFExpression) -> String {
        switch e {
        case .terminal(let t): return t
        case .reference(let r):
            guard let rule = grammar.rules[r] else { return "" }
            // A constrained part (a date inside a date-time) is retried on its own, which is far
            // cheaper than retrying the whole token.
            guard let constraint = constraints[r] else { return characters(rule) }
            for _ in 0..<10_000 {
                let text = characters(rule)
                if constraint(text) { return text }
            }
            return characters(rule)
        case .special(let s): return special(s)
        case .sequence(let items): return items.map { characters($0) }.joined()
        case .alternatives(let options): return characters(pick(options))
        case .optional(let inner): return Bool.random(using: &random) ? characters(inner) : ""
        case .repetition(let inner):
            return (0..<Int.random(in: 0...3, using: &random)).map { _ in characters(inner) }.joined()
        case .exception(let a, let b):
            let excluded = finiteLanguage(b).map { $0.lowercased() }
            for _ in 0..<1_000 {
                let text = characters(a)
                if !excluded.contains(text.lowercased()) { return text }
            }
            return characters(a)
        }
    }

    /// What `? ... ?` stands for: a named control character or a sample character.
    private mutating func special(_ s: String) -> String {
        switch s {
        case "horizontal tab": return "\t"
        case "line feed": return "\n"
        case "carriage return": return "\r"
        case "form feed": return "\u{0C}"
        default:
            var pool = anyCharacters
            if let range = s.range(of: "except ") {
                let excluded = s[range.upperBound...]
                if excluded == "line feed" {
                    pool.removeAll { $0 == "\n" }
                } else if excluded.count == 3, let quoted = excluded.dropFirst().first {
                    pool.removeAll { $0 == quoted } // `"x"` or `'x'`
                }
            }
            return String(pick(pool))
        }
    }

    /// The strings of an expression with a finite language (alternatives of terminals).
    public func finiteLanguage(_ e: EBNFExpression) -> [String] {
        switch e {
        case .terminal(let t): [t]
        case .reference(let r): grammar.rules[r].map { finiteLanguage($0) } ?? []
        case .alternatives(let options): options.flatMap { finiteLanguage($0) }
        default: []
        }
    }
}
