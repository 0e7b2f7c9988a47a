// Completion against the grammar: completion is a hand-written walker (CompletionGrammar.swift),
// so this property keeps it in step with Grammar/DubQL.ebnf. For every prefix of sentences
// generated from the grammar, the word that comes next in the sentence must be among the
// completions offered there.

import Testing
import DubQL
import DubQLSyntax
import DubQLTestSupport
@testable import DubQLShell

// MARK: - Words and positions

/// What kind of word a position of a sentence holds, as far as completion is concerned.
private enum Position: Equatable {
    /// A keyword (`WHERE`, `ORDER`, `BY`, `NOT`): offered itself (as the first word of a
    /// candidate such as `ORDER BY` or `NOT IN`), in any case.
    case keyword
    /// An event after `SELECT` or `FROM`: the event names are offered, and the word itself when it is one.
    case event
    /// A field (a whole path, `click.country`, typed as one word): field names are offered, and
    /// the word itself when it is a catalog field of the statement's event.
    case field
    /// A comparison: offered as written (`<>` as its spelling `!=`).
    case comparison
    /// `*` after `SELECT`.
    case star
    /// Not checked. Values (free text, numbers, dates, durations, presets, time zones, `TRUE` and
    /// `FALSE`, the integers of LIMIT, OFFSET and PAGE) are the user's own words; punctuation
    /// (`(` `)` `,` `;`) breaks words, so it is typed rather than completed.
    case exempt
}

/// A word as the user types it: a token, or a field path glued together (`metadata['plan tier']`).
private struct Word {
    var text: String
    var offset = 0
    var position = Position.exempt
}

/// The sentence's tokens as words: a field path is one word, as a person types it.
private func words(_ tokens: [String]) -> [Word] {
    var glued: [String] = []
    var afterJoiner = false
    for token in tokens {
        if afterJoiner || [".", "[", "]"].contains(token), let last = glued.popLast() {
            glued.append(last + token)
        } else {
            glued.append(token)
        }
        afterJoiner = token == "." || token == "["
    }
    return glued.map { Word(text: $0) }
}

/// Blanks, line breaks and now and then a comment, to put between words.
private func separators(_ count: Int, random: inout SplitMix64) -> [String] {
    (0..<count).map { _ in
        switch Int.random(in: 0..<12, using: &random) {
        case 0: "\n"
        case 1: " /* a, b */ "
        case 2: " -- WHERE\n"
        default: " "
        }
    }
}

/// The words joined by the separators, with each word's offset set.
private func render(_ words: inout [Word], _ separators: [String]) -> String {
    var text = ""
    for i in words.indices {
        if i > 0 { text += separators[i - 1] }
        words[i].offset = text.utf8.count
        text += words[i].text
    }
    return text
}

/// What the parse of a sentence says of a field: the event of its statement (when it is one of
/// DubQL's), and whether it is the field of ORDER BY.
private struct FieldUse {
    var event: EventType?
    var inOrderBy: Bool
}

/// Where events and fields start in a parsed script.
private func uses(in script: Script) -> (events: Set<Int>, fields: [Int: FieldUse]) {
    var events = Set<Int>()
    var fields: [Int: FieldUse] = [:]
    for statement in script.statements {
        let select = statement.select
        let event = EventType(rawValue: select.event.text.lowercased())
        func visit(_ condition: Condition) {
            switch condition {
            case .or(let items, _), .and(let items, _): items.forEach(visit)
            case .not(let inner, _): visit(inner)
            case .predicate(let p):
                // A call's name is no field: putting a dotted catalog name there would not parse.
                if p.call == nil { fields[p.field.span.start] = FieldUse(event: event, inOrderBy: false) }
            }
        }
        events.insert(select.event.span.start)
        if case .columns(let columns, _)? = select.projection {
            for column in columns {
                if case .field(let field) = column.expression { fields[field.span.start] = FieldUse(event: nil, inOrderBy: false) }
            }
        }
        for key in select.orderBy?.keys ?? [] {
            if case .field(let field) = key.expression { fields[field.span.start] = FieldUse(event: event, inOrderBy: true) }
        }
        if let condition = select.whereClause?.condition { visit(condition) }
    }
    return (events, fields)
}

private let comparisons: Set<String> = ["=", "!=", "<>", "<", "<=", ">", ">="]
private let catalogNames = Catalog.fields.flatMap { [$0.name] + $0.aliases }

// MARK: - The property

@Suite struct CompletionGrammarPropertyTests {
    static let sentences: UInt64 = 800

    /// Sentences come from `Grammar/DubQL.ebnf`; in half of the places where they name an event
    /// or a field, a real one (`sales`, `click.country`) replaces the random name, so that the
    /// completions that depend on the event and the field are checked too.
    ///
    /// Where completion knows more than the grammar, it offers only what binds, and the property
    /// yields to it: after a field whose type has no order, no `<`, `<=`, `>`, `>=`; after a field
    /// that is not boolean, an operator rather than AND, OR or a clause; and ORDER BY offers only
    /// `timestamp`.
    @Test func theNextWordOfEveryGeneratedSentenceIsOffered() throws {
        var failures: [String: String] = [:]
        var checked = 0
        for seed in 0..<Self.sentences {
            var generator = try SentenceGenerator.dubQL(seed: seed)
            var random = SplitMix64(state: seed)
            var sentence = words(generator.tokens("script"))
            let gaps = separators(max(0, sentence.count - 1), random: &random)
            var text = render(&sentence, gaps)
            let first = uses(in: Parser.parse(SourceFile(name: "<generated>", text: text)).script)
            for i in sentence.indices where Bool.random(using: &random) {
                if first.events.contains(sentence[i].offset) {
                    sentence[i].text = EventType.allCases.randomElement(using: &random)?.rawValue ?? "clicks"
                } else if first.fields[sentence[i].offset] != nil {
                    sentence[i].text = catalogNames.randomElement(using: &random) ?? "country"
                }
            }
            text = render(&sentence, gaps)
            let parsed = Parser.parse(SourceFile(name: "<generated>", text: text))
            try #require(!parsed.hasErrors, "seed \(seed): the generated sentence does not parse: \(text)")
            let (events, fields) = uses(in: parsed.script)

            var previous: Word?
            for var word in sentence {
                defer { previous = word }
                if events.contains(word.offset) {
                    word.position = .event
                } else if fields[word.offset] != nil {
                    word.position = .field
                } else if let keyword = Keyword(word: word.text), keyword != .true, keyword != .false {
                    word.position = .keyword
                } else if comparisons.contains(word.text) {
                    word.position = .comparison
                } else if word.text == "*" {
                    word.position = .star
                }
                if word.position == .exempt || boundsItMore(after: previous, word) { continue }
                let prefix = String(decoding: Array(text.utf8)[..<word.offset], as: UTF8.self)
                let candidates = Completion.complete(prefix, environment: completionTestEnvironment).candidates
                checked += 1
                if !offers(candidates, word, use: fields[word.offset]) {
                    // One report per kind of miss; the statement so far on one line.
                    let statement = prefix.split(separator: ";", omittingEmptySubsequences: false).last ?? ""
                    let shown = statement.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                    let before = shown.split(separator: " ").last.map { Keyword(word: String($0)) != nil ? $0.uppercased() : "_" } ?? ""
                    let key = "\(word.position) \(word.position == .keyword ? word.text.uppercased() : "") after \(before)"
                    failures[key] = failures[key]
                        ?? "seed \(seed): \(word.position) '\(word.text)' not offered after \"\(shown)\"; offered \(candidates.prefix(8))"
                }
            }
        }
        for (_, failure) in failures.sorted(by: { $0.key < $1.key }).prefix(40) { Issue.record(Comment(rawValue: failure)) }
        #expect(checked > 20_000, "too few positions checked: \(checked)")
    }
}

/// True where completion offers only what binds, and the grammar allows more (see the test).
private func boundsItMore(after previous: Word?, _ word: Word) -> Bool {
    guard let previous, previous.position == .field, let spec = Catalog.field(named: previous.text) else { return false }
    switch word.position {
    case .comparison: return ["<", "<=", ">", ">="].contains(word.text) && !spec.type.isOrdered
    case .keyword: return spec.type != .boolean && !["in", "not"].contains(word.text.lowercased())
    default: return false
    }
}

/// Whether `candidates`, offered before `word`, include it.
private func offers(_ candidates: [String], _ word: Word, use: FieldUse?) -> Bool {
    let lowered = candidates.map { $0.lowercased() }
    let text = word.text.lowercased()
    switch word.position {
    case .keyword:
        return lowered.contains { $0.split(separator: " ").first.map(String.init) == text }
    case .event:
        return lowered.contains("clicks") && (EventType(rawValue: text) == nil || lowered.contains(text))
    case .field:
        guard lowered.contains("timestamp") else { return false }
        // A catalog field of the statement's event (any event for columns) is offered by name;
        // ORDER BY offers only `timestamp`, the one field it takes.
        guard let use, !use.inOrderBy, catalogNames.contains(where: { $0.lowercased() == text }),
              let spec = Catalog.field(named: word.text) else { return true }
        if let event = use.event, !Catalog.fields(for: event).contains(where: { $0.name == spec.name }) { return true }
        return lowered.contains(text)
    case .comparison:
        return candidates.contains(word.text == "<>" ? "!=" : word.text)
    case .star:
        return candidates.contains("*")
    case .exempt:
        return true
    }
}
