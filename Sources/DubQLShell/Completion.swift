// Tab completion as a pure function of the text before the cursor: which keywords, events,
// fields, operators, values, presets, time zones, dot-commands or paths may stand at the cursor.

import DubQL
import DubQLSyntax
import Foundation

// MARK: - Result and environment

/// What may replace the word under the cursor.
public struct CompletionResult: Hashable, Sendable {
    /// Byte offset in the text where the word being completed starts.
    public var wordStart: Int
    /// The word being completed, as typed (possibly empty).
    public var word: String
    /// Replacements for the whole word, in a useful order (grammar order, then catalog order).
    public var candidates: [String]

    public init(wordStart: Int, word: String, candidates: [String]) {
        self.wordStart = wordStart
        self.word = word
        self.candidates = candidates
    }
}

/// An entry of a directory, for file-name completion.
public struct DirectoryEntry: Hashable, Sendable {
    public var name: String
    public var isDirectory: Bool
    public init(name: String, isDirectory: Bool) {
        self.name = name
        self.isDirectory = isDirectory
    }
}

/// What completion needs from outside the text: output modes, time zones and the file system.
/// Tests pass their own; the REPL uses ``standard``.
public struct CompletionEnvironment: Sendable {
    /// Mode names `.mode` accepts.
    public var modes: [String]
    /// IANA time zone identifiers.
    public var timeZones: [String]
    /// The entries of a directory (`""` is the current directory), or `nil` when it cannot be read.
    public var listDirectory: @Sendable (String) -> [DirectoryEntry]?
    /// The home directory, for `~/` in paths.
    public var homeDirectory: String

    public init(modes: [String] = DotCommandModes.all, timeZones: [String],
                listDirectory: @escaping @Sendable (String) -> [DirectoryEntry]?, homeDirectory: String) {
        self.modes = modes
        self.timeZones = timeZones
        self.listDirectory = listDirectory
        self.homeDirectory = homeDirectory
    }

    /// Foundation's time zones and the real file system.
    public static let standard = CompletionEnvironment(
        timeZones: TimeZone.knownTimeZoneIdentifiers,
        listDirectory: { path in
            let fm = FileManager.default
            let directory = path.isEmpty ? "." : path
            guard let names = try? fm.contentsOfDirectory(atPath: directory) else { return nil }
            return names.map { name in
                var isDirectory: ObjCBool = false
                _ = fm.fileExists(atPath: (directory as NSString).appendingPathComponent(name), isDirectory: &isDirectory)
                return DirectoryEntry(name: name, isDirectory: isDirectory.boolValue)
            }
        },
        homeDirectory: NSHomeDirectory())
}

// MARK: - Entry point

/// Context-aware completion for the REPL (DESIGN.md §5).
public enum Completion {
    /// The characters that end a word. The line editor must split words the same way, because it
    /// replaces its own notion of the word with the candidates.
    public static let wordBreakCharacters: Set<Character> = [" ", "\t", "\n", "(", ")", ",", "=", "<", ">", "!", ";"]

    /// The same characters as a string, for the line editor.
    public static let wordBreakString = " \t\n(),=<>!;"

    /// The completions at the end of `textBeforeCursor`, which holds the statement typed so far
    /// (earlier lines included) up to the cursor.
    public static func complete(_ textBeforeCursor: String,
                                environment: CompletionEnvironment = .standard) -> CompletionResult {
        let text = textBeforeCursor
        var wordStartIndex = text.endIndex
        while wordStartIndex > text.startIndex {
            let previous = text.index(before: wordStartIndex)
            if wordBreakCharacters.contains(text[previous]) { break }
            wordStartIndex = previous
        }
        let word = String(text[wordStartIndex...])
        let before = String(text[..<wordStartIndex])
        let wordStart = before.utf8.count

        let candidates: [String]
        if let dotLine = dotCommandLine(text) {
            candidates = completeDotCommand(dotLine, word: word, environment: environment)
        } else {
            candidates = completeStatement(before: before, word: word, environment: environment)
        }
        var seen = Set<String>()
        let unique = candidates.filter { seen.insert($0).inserted }
        return CompletionResult(wordStart: wordStart, word: word, candidates: unique)
    }

    // MARK: - Statements

    static func completeStatement(before: String, word: String, environment: CompletionEnvironment) -> [String] {
        if isInsideComment(before + word) { return [] }
        let source = SourceFile(name: "<completion>", text: before)
        var tokens = Lexer.tokenize(source).tokens
        if tokens.last?.kind == .endOfInput { tokens.removeLast() }
        if let lastSemicolon = tokens.lastIndex(where: { $0.kind == .semicolon }) {
            tokens.removeSubrange(...lastSemicolon)
        }
        // An unterminated string before the word (`city = 'San Jo`) leaves nothing sensible to offer.
        if tokens.last?.kind == .error { return [] }
        let state = CompletionGrammar.state(after: tokens)
        return candidates(for: state, word: word, environment: environment)
    }

    /// True when the end of `text` lies in a `--` or `/* */` comment (outside strings).
    static func isInsideComment(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var i = 0
        var inLine = false, inBlock = false
        var quote: UInt8?
        while i < bytes.count {
            let b = bytes[i]
            if inLine {
                if b == 0x0A { inLine = false }
            } else if inBlock {
                if b == UInt8(ascii: "*"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "/") { inBlock = false; i += 1 }
            } else if let q = quote {
                if b == q { quote = nil }
            } else if b == UInt8(ascii: "'") || b == UInt8(ascii: "\"") || b == UInt8(ascii: "`") {
                quote = b
            } else if b == UInt8(ascii: "-"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "-") {
                inLine = true
            } else if b == UInt8(ascii: "/"), i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "*") {
                inBlock = true
                i += 1
            }
            i += 1
        }
        return inLine || inBlock
    }

    static func candidates(for state: CompletionGrammar.State, word: String,
                           environment: CompletionEnvironment) -> [String] {
        var out: [String] = []
        for expectation in state.expectations {
            switch expectation {
            case .keywords(let words):
                out += keywords(words, word: word)
            case .events:
                out += names(EventType.allCases.map(\.rawValue), word: word)
            case .fields(let event):
                out += fields(event: event, word: word)
            case .operators(let field):
                out += operators(field: field, word: word)
            case .values(let field):
                out += values(field: field, word: word)
            case .presets:
                out += Catalog.timePresets.filter { $0.hasPrefix(word.lowercased()) }
            case .timeZones:
                out += quotedValues(environment.timeZones, word: word)
            case .orderField:
                out += names(["timestamp"], word: word)
            case .star:
                if word.isEmpty { out.append("*") }
            }
        }
        return out
    }

    // MARK: - Candidate lists

    /// Keywords that start with `word`, in the case the user types: lower case when the word is
    /// lower case, otherwise upper case.
    static func keywords(_ words: [String], word: String) -> [String] {
        let lowered = word.lowercased()
        let lower = !word.isEmpty && word == lowered && word.contains(where: \.isLetter)
        return words.filter { $0.lowercased().hasPrefix(lowered) }.map { lower ? $0.lowercased() : $0 }
    }

    /// Names (events, fields) that start with `word`: upper case when the user types in upper
    /// case, otherwise as the catalog spells them.
    static func names(_ list: [String], word: String) -> [String] {
        let lowered = word.lowercased()
        let upper = !word.isEmpty && word == word.uppercased() && word.contains(where: \.isLetter)
        return list.filter { $0.lowercased().hasPrefix(lowered) }.map { upper ? $0.uppercased() : $0 }
    }

    static func fields(event: EventType?, word: String) -> [String] {
        let specs = event.map { Catalog.fields(for: $0) } ?? Catalog.fields
        var list = specs.map(\.name) + specs.flatMap(\.aliases)
        if event == nil || event == .leads || event == .sales { list.append("metadata.") }
        return names(list, word: word)
    }

    static func operators(field: FieldSpec?, word: String) -> [String] {
        var ops: [String] = []
        if word.isEmpty {
            ops = ["=", "!="]
            if field?.type.isOrdered ?? true { ops += ["<", "<=", ">", ">="] }
        }
        return ops + keywords(["IN", "NOT IN"], word: word)
    }

    /// The enumerated values of a field that start with `word` (compared without quotes and case).
    static func values(field: FieldSpec?, word: String) -> [String] {
        guard let field else { return [] }
        if field.type == .boolean { return keywords(["TRUE", "FALSE"], word: word) }
        guard let list = field.enumeratedValues else { return [] }
        return values(list, word: word)
    }

    /// Values starting with `word`, quoted when they are not bare words (or when the user opened a quote).
    static func values(_ list: [String], word: String) -> [String] {
        if let quote = word.first, quote == "'" || quote == "\"" {
            return quotedValues(list, word: word)
        }
        let lowered = word.lowercased()
        return list.filter { $0.lowercased().hasPrefix(lowered) }.map { isBareWord($0) ? $0 : quoted($0) }
    }

    /// Values written as quoted strings (time zones), matched against the word with its quote removed.
    static func quotedValues(_ list: [String], word: String) -> [String] {
        var inner = Substring(word)
        var quote: Character = "'"
        if let first = inner.first, first == "'" || first == "\"" {
            quote = first
            inner = inner.dropFirst()
        }
        let lowered = inner.lowercased()
        return list.filter { $0.lowercased().hasPrefix(lowered) }.map { quoted($0, quote: quote) }
    }

    static func quoted(_ value: String, quote: Character = "'") -> String {
        let q = String(quote)
        return q + value.replacingOccurrences(of: q, with: q + q) + q
    }

    /// True when `value` lexes as one identifier that is not a keyword (`US`, `Chrome`), so it may be written bare.
    static func isBareWord(_ value: String) -> Bool {
        guard let first = value.unicodeScalars.first, first.isASCII,
              first.properties.isAlphabetic || first == "_" else { return false }
        guard value.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || $0 == "_"
            || ("0"..."9").contains($0)) }) else { return false }
        return Keyword(word: value) == nil
    }

    // MARK: - Dot-commands

    /// The dot-command line when `text` is one (its first non-blank character is `.`).
    static func dotCommandLine(_ text: String) -> Substring? {
        let trimmed = text.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.first == ".", !trimmed.contains("\n") else { return nil }
        return trimmed
    }

    static func completeDotCommand(_ line: Substring, word: String, environment: CompletionEnvironment) -> [String] {
        let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        let completingName = words.count <= 1 && !(line.last.map { $0 == " " || $0 == "\t" } ?? false)
        if completingName {
            let typed = word.hasPrefix(".") ? String(word.dropFirst()) : word
            return DotCommandSpec.allNames.filter { $0.hasPrefix(typed.lowercased()) }.map { "." + $0 }
        }
        guard let first = words.first, let spec = DotCommandSpec.named(first.dropFirst()) else { return [] }
        // Arguments after the first: only `.open` takes several (files).
        let argumentIndex = words.count - (word.isEmpty ? 0 : 1)
        if argumentIndex > 1 && spec.argument != .openTarget { return [] }
        let lowered = word.lowercased()
        func fixed(_ list: [String]) -> [String] { list.filter { $0.hasPrefix(lowered) } }
        switch spec.argument {
        case .none: return []
        case .command: return fixed(DotCommandSpec.all.map(\.name))
        case .path: return CompletionPaths.complete(word, environment: environment)
        case .openTarget:
            return (argumentIndex == 1 ? fixed(["api", "demo"]) : []) + CompletionPaths.complete(word, environment: environment)
        case .mode: return fixed(environment.modes)
        case .onOff: return fixed(["on", "off"])
        case .outputTarget: return fixed(["stdout"]) + CompletionPaths.complete(word, environment: environment)
        case .event: return fixed(EventType.allCases.map(\.rawValue))
        case .timeZone: return environment.timeZones.filter { $0.lowercased().hasPrefix(lowered) }
        case .choices(let words): return fixed(words)
        }
    }
}

// MARK: - Paths

/// File-name completion for `.open`, `.read` and `.output`.
enum CompletionPaths {
    /// Paths that extend `word`: directories end with `/`, hidden files only when asked for.
    static func complete(_ word: String, environment: CompletionEnvironment) -> [String] {
        var typedDirectory = ""
        var prefix = word
        if let slash = word.lastIndex(of: "/") {
            typedDirectory = String(word[...slash])
            prefix = String(word[word.index(after: slash)...])
        }
        var directory = typedDirectory
        if directory.hasPrefix("~/") {
            directory = environment.homeDirectory + "/" + directory.dropFirst(2)
        }
        if word == "~" { return ["~/"] }
        guard let entries = environment.listDirectory(directory) else { return [] }
        return entries
            .filter { $0.name.hasPrefix(prefix) && (prefix.hasPrefix(".") || !$0.name.hasPrefix(".")) }
            .sorted { $0.name < $1.name }
            .map { typedDirectory + $0.name + ($0.isDirectory ? "/" : "") }
    }
}
