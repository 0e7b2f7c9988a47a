// The REPL's dot-commands (`.mode json`, `.open events.ndjson`) as data: one table of specs that
// drives parsing, `.help`, "did you mean" and Tab completion, plus a pure parser from a line.

import DubQL
import DubQLOutput
import DubQLSyntax

// MARK: - Dot-commands

/// One parsed dot-command. A `nil` argument means "show the current setting".
public enum DotCommand: Hashable, Sendable {
    /// `.help [CMD]`
    case help(topic: String?)
    /// `.quit` and `.exit`
    case quit
    /// `.open FILE... | api | demo` (no argument shows the current data source)
    case open(OpenTarget?)
    /// `.read FILE`
    case read(path: String)
    /// `.mode [MODE]` (the mode name as written, in lower case; the REPL checks it)
    case mode(String?)
    /// `.explain [on|off]`
    case explain(Bool?)
    /// `.timer [on|off]`
    case timer(Bool?)
    /// `.output [--append] [FILE|stdout|'|'COMMAND]`
    case output(OutputDestination?)
    /// `.once [--append] FILE|'|'COMMAND`: the next statement's result only
    case once(OutputDestination)
    /// `.fields [EVENT]`
    case fields(EventType?)
    /// `.timezone [TZ]` (the REPL checks that the zone exists)
    case timezone(String?)
    /// `.history`
    case history
    /// `.expanded [auto|on|off]`: tables, or records of one field per line
    case expanded(TableRenderer.Expanded?)
    /// `.pager [on|off]`: long results through `$PAGER` on a terminal
    case pager(Bool?)
    /// `.since [DURATION|PRESET|DATE|off]`: the time range of statements without one (the REPL
    /// checks the text, as written after `SINCE`)
    case since(String?)
    /// `.limit [N|all|off]`: the LIMIT of statements without one
    case limit(SessionLimit?)
}

/// What `.limit` sets.
public enum SessionLimit: Hashable, Sendable {
    /// `LIMIT n` for statements without a LIMIT.
    case rows(Int)
    /// No limit: every row (a listing stops at DubQL's ceiling, ``DubQL/Binder/maximumLimit`` events).
    case all
    /// Back to the built-in default (100 events; all groups).
    case off
}

/// What `.open` switches the data source to.
public enum OpenTarget: Hashable, Sendable {
    /// One or more event files (JSON array or NDJSON, optionally `.gz`).
    case files([String])
    /// Dub's API (`DUB_API_KEY`).
    case api
    /// The built-in demo dataset.
    case demo
    /// Dub's tables in ClickHouse: `clickhouse://user:password@host:8123?database=dub`, or `nil` for
    /// `DUBQL_CLICKHOUSE_URL`.
    case clickhouse(String?)
}

/// Where `.output` and `.once` send results.
public enum OutputDestination: Hashable, Sendable {
    case stdout
    /// A file, truncated when opened (as sqlite3 does); `~` is the home directory.
    case file(String)
    /// A file, appended to (`.output --append FILE`).
    case append(String)
    /// The standard input of a shell command (`.output |sort`), run with `/bin/sh -c`.
    case pipe(String)
}

/// What kind of argument a dot-command takes, for completion.
public enum DotCommandArgument: Hashable, Sendable {
    case none
    /// A dot-command name (`.help mode`).
    case command
    /// A file path.
    case path
    /// A file path, or `api` / `demo`.
    case openTarget
    /// An output mode name.
    case mode
    /// `on` or `off`.
    case onOff
    /// A file path or `stdout`.
    case outputTarget
    /// An event name.
    case event
    /// An IANA time zone.
    case timeZone
    /// One of these words (or a value typed freely, such as `.since 7d` or `.limit 500`).
    case choices([String])
}

/// The description of one dot-command: name, usage, a one-line summary and its argument.
public struct DotCommandSpec: Hashable, Sendable {
    /// The name without the dot (`mode`).
    public let name: String
    /// Other names for the same command (`exit` for `quit`).
    public let aliases: [String]
    /// How to call it (`.mode [MODE]`).
    public let usage: String
    /// One line saying what it does.
    public let summary: String
    public let argument: DotCommandArgument

    /// Every dot-command, in the order `.help` lists them.
    public static let all: [DotCommandSpec] = [
        DotCommandSpec(name: "help", aliases: [], usage: ".help [CMD]",
                       summary: "Show the dot-commands, or the help of one.", argument: .command),
        DotCommandSpec(name: "quit", aliases: ["exit"], usage: ".quit",
                       summary: "Leave the REPL (also .exit and Ctrl-D).", argument: .none),
        DotCommandSpec(name: "open", aliases: [], usage: ".open FILE...|api|demo|clickhouse://...",
                       summary: "Query event files, Dub's API (DUB_API_KEY), the demo data, or Dub's tables in ClickHouse.", argument: .openTarget),
        DotCommandSpec(name: "read", aliases: [], usage: ".read FILE",
                       summary: "Run the statements and dot-commands of a script file.", argument: .path),
        DotCommandSpec(name: "mode", aliases: [], usage: ".mode [MODE]",
                       summary: "Output format: table line json ndjson csv markdown chart, or the dry runs plan url curl.",
                       argument: .mode),
        DotCommandSpec(name: "explain", aliases: [], usage: ".explain [on|off]",
                       summary: "Print the plan before each result.", argument: .onOff),
        DotCommandSpec(name: "timer", aliases: [], usage: ".timer [on|off]",
                       summary: "Print how long each statement took.", argument: .onOff),
        DotCommandSpec(name: "output", aliases: [], usage: ".output [--append] [FILE|stdout|'|'CMD]",
                       summary: "Write results to a file (emptied first; --append adds), a command (|sort), or back to stdout.",
                       argument: .outputTarget),
        DotCommandSpec(name: "once", aliases: [], usage: ".once [--append] FILE|'|'CMD",
                       summary: "Write the next result only to a file or a command.", argument: .outputTarget),
        DotCommandSpec(name: "fields", aliases: [], usage: ".fields [EVENT]",
                       summary: "List the fields of the catalog (of one event type).", argument: .event),
        DotCommandSpec(name: "timezone", aliases: [], usage: ".timezone [TZ]",
                       summary: "Time zone for day boundaries (IANA name, e.g. Europe/Zurich).", argument: .timeZone),
        DotCommandSpec(name: "history", aliases: [], usage: ".history",
                       summary: "List the statements typed so far.", argument: .none),
    ] + DotCommandSpec.displayAndDefaults

    /// `.expanded`, `.pager`, `.since` and `.limit`: how results are shown, and the defaults of
    /// statements that lack a clause.
    static let displayAndDefaults: [DotCommandSpec] = [
        DotCommandSpec(name: "expanded", aliases: [], usage: ".expanded [auto|on|off]",
                       summary: "Tables (off), records of one field per line (on), or records when a row cannot fit (auto).",
                       argument: .choices(TableRenderer.Expanded.allCases.map(\.rawValue))),
        DotCommandSpec(name: "pager", aliases: [], usage: ".pager [on|off]",
                       summary: "Show results longer than the terminal through $PAGER (default less -SFRX).", argument: .onOff),
        DotCommandSpec(name: "since", aliases: [], usage: ".since [DURATION|PRESET|DATE|off]",
                       summary: "The time range of statements without SINCE or BETWEEN (7d, 30d, mtd, 2026-01-01); off: 24h.",
                       argument: .choices(Catalog.timePresets.filter { $0 != "all_unfiltered" } + ["off"])),
        DotCommandSpec(name: "limit", aliases: [], usage: ".limit [N|all|off]",
                       summary: "The LIMIT of statements without one; all: every row; off: 100 events, all groups.",
                       argument: .choices(["all", "off"])),
    ]

    /// The spec named `name` (or one of its aliases), case-insensitively, without the dot.
    public static func named(_ name: some StringProtocol) -> DotCommandSpec? {
        let lower = name.lowercased()
        return all.first { $0.name == lower || $0.aliases.contains(lower) }
    }

    /// Every name and alias, without the dot.
    public static var allNames: [String] { all.flatMap { [$0.name] + $0.aliases } }
}

/// Output modes of `.mode`: the formats of `dubql query` and the dry runs.
public enum DotCommandModes {
    /// The result formats (rows, or a chart of them): every ``OutputFormat``.
    public static let formats = OutputFormat.allCases.map(\.rawValue)
    /// The dry runs: what would be sent to Dub's API, without sending it.
    public static let dryRuns = ["plan", "url", "curl"]
    public static var all: [String] { formats + dryRuns }
}

// MARK: - Errors

/// Why a dot-command line could not be parsed: a message and an optional hint ("did you mean ...").
public struct DotCommandError: Error, Hashable, Sendable, CustomStringConvertible {
    public var message: String
    public var hint: String?
    public init(_ message: String, hint: String? = nil) {
        self.message = message
        self.hint = hint
    }
    public var description: String {
        hint.map { "\(message) (\($0))" } ?? message
    }
}

// MARK: - Parsing

extension DotCommand {
    /// Parses a line that starts with `.` (leading blanks allowed). Arguments are separated by
    /// blanks and may be quoted with `'` or `"` (`.open 'my events.ndjson'`).
    public static func parse(_ line: String) -> Result<DotCommand, DotCommandError> {
        if let backslash = psqlCommand(line) { return .failure(backslash) }
        // `.output |sort -k2`: the command is the rest of the line, quotes and all.
        if let (name, pipe) = pipeCommand(line), let spec = DotCommandSpec.named(name), spec.name == "output" || spec.name == "once" {
            guard !pipe.isEmpty else {
                return .failure(DotCommandError("expected a command after '|'", hint: "usage: \(spec.usage)"))
            }
            return .success(spec.name == "once" ? .once(.pipe(pipe)) : .output(.pipe(pipe)))
        }
        let words: [String]
        switch DotCommandWords.split(line) {
        case .success(let w): words = w
        case .failure(let e): return .failure(e)
        }
        guard let first = words.first, first.hasPrefix(".") else {
            return .failure(DotCommandError("a dot-command starts with '.'", hint: "try .help"))
        }
        let name = String(first.dropFirst())
        guard !name.isEmpty else {
            return .failure(DotCommandError("expected a command name after '.'", hint: "try .help"))
        }
        guard let spec = DotCommandSpec.named(name) else {
            let hint = DidYouMean.best(for: name, in: DotCommandSpec.allNames).map { "did you mean '.\($0)'?" }
            return .failure(DotCommandError("unknown command '.\(name)'", hint: hint ?? "try .help"))
        }
        let args = Array(words.dropFirst())
        return parse(spec: spec, args: args)
    }

    /// psql's `\d`, `\x` ...: the dot-command to use instead.
    private static func psqlCommand(_ line: String) -> DotCommandError? {
        let word = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).first.map(String.init) ?? ""
        guard word.hasPrefix("\\") else { return nil }
        let equivalents: [String: String] = [
            "\\d": ".fields [EVENT] lists the fields (psql's \\d)",
            "\\x": ".expanded on shows one field per line, .expanded auto only when a row cannot fit, .mode line as key = value (psql's \\x)",
            "\\q": ".quit leaves (psql's \\q)",
            "\\o": ".output FILE sends results to a file (psql's \\o)",
            "\\i": ".read FILE runs a script (psql's \\i)",
            "\\?": ".help lists the commands (psql's \\?)",
            "\\h": ".help lists the commands (psql's \\h)",
            "\\timing": ".timer on shows the time of each statement (psql's \\timing)",
            "\\pset": ".pager on|off and .expanded auto|on|off set how results show (psql's \\pset)",
        ]
        let hint = equivalents[word] ?? equivalents[String(word.prefix(2))] ?? "DubQL's shell commands start with '.': .help lists them"
        return DotCommandError("unknown command '\(word)': DubQL's shell commands start with '.'", hint: hint)
    }

    /// The command of `.output |COMMAND` (the rest of the line after `|`, as written), or `nil`
    /// when the argument does not start with `|`.
    private static func pipeCommand(_ line: String) -> (name: String, command: String)? {
        func blank(_ c: Character) -> Bool { c == " " || c == "\t" || c == "\r" }
        var rest = Substring(line).drop(while: blank)
        guard rest.first == "." else { return nil }
        let name = rest.dropFirst().prefix { !blank($0) && $0 != "|" }
        rest = rest.dropFirst(name.count + 1).drop(while: blank)
        guard rest.first == "|" else { return nil }
        var command = rest.dropFirst().drop(while: blank)
        while let last = command.last, blank(last) { command.removeLast() }
        return (String(name), String(command))
    }

    private static func parse(spec: DotCommandSpec, args: [String]) -> Result<DotCommand, DotCommandError> {
        func atMostOne() -> DotCommandError? {
            args.count > 1 ? DotCommandError("too many arguments to .\(spec.name)", hint: "usage: \(spec.usage)") : nil
        }
        switch spec.name {
        case "help":
            if let e = atMostOne() { return .failure(e) }
            guard let topic = args.first else { return .success(.help(topic: nil)) }
            let bare = topic.hasPrefix(".") ? String(topic.dropFirst()) : topic
            guard let found = DotCommandSpec.named(bare) else {
                let hint = DidYouMean.best(for: bare, in: DotCommandSpec.allNames).map { "did you mean '.\($0)'?" }
                return .failure(DotCommandError("unknown command '.\(bare)'", hint: hint))
            }
            return .success(.help(topic: found.name))
        case "quit", "history":
            guard args.isEmpty else {
                return .failure(DotCommandError(".\(spec.name) takes no arguments", hint: "usage: \(spec.usage)"))
            }
            return .success(spec.name == "quit" ? .quit : .history)
        case "open":
            guard !args.isEmpty else { return .success(.open(nil)) }
            if args.count == 1 {
                switch args[0].lowercased() {
                case "api": return .success(.open(.api))
                case "demo": return .success(.open(.demo))
                case "clickhouse": return .success(.open(.clickhouse(nil)))
                case let a where a.hasPrefix("clickhouse://") || a.hasPrefix("clickhouses://"):
                    return .success(.open(.clickhouse(args[0])))
                default: break
                }
            }
            return .success(.open(.files(args)))
        case "read":
            guard let path = args.first else {
                return .failure(DotCommandError("expected a file name after .read", hint: "usage: \(spec.usage)"))
            }
            if let e = atMostOne() { return .failure(e) }
            return .success(.read(path: path))
        case "mode":
            if let e = atMostOne() { return .failure(e) }
            guard let mode = args.first?.lowercased() else { return .success(.mode(nil)) }
            guard DotCommandModes.all.contains(mode) else {
                let hint = DidYouMean.hint(DidYouMean.candidates(for: mode, in: DotCommandModes.all, limit: 1))
                return .failure(DotCommandError("unknown mode '\(args[0])'; modes: \(DotCommandModes.all.joined(separator: " "))",
                                                hint: hint))
            }
            return .success(.mode(mode))
        case "explain", "timer":
            if let e = atMostOne() { return .failure(e) }
            var flag: Bool?
            if let word = args.first {
                switch word.lowercased() {
                case "on", "true", "yes", "1": flag = true
                case "off", "false", "no", "0": flag = false
                default:
                    return .failure(DotCommandError("expected 'on' or 'off', found '\(word)'", hint: "usage: \(spec.usage)"))
                }
            }
            return .success(spec.name == "explain" ? .explain(flag) : .timer(flag))
        case "output", "once":
            let append = args.first == "--append" || args.first == "-a"
            let rest = append ? Array(args.dropFirst()) : args
            if rest.count > 1 { return .failure(DotCommandError("too many arguments to .\(spec.name)", hint: "usage: \(spec.usage)")) }
            guard let target = rest.first else {
                if append || spec.name == "once" {
                    return .failure(DotCommandError("expected a file name after .\(spec.name)\(append ? " --append" : "")",
                                                    hint: "usage: \(spec.usage)"))
                }
                return .success(.output(nil))
            }
            let destination: OutputDestination
            if target.lowercased() == "stdout" || target == "-" {
                destination = .stdout
            } else {
                destination = append ? .append(target) : .file(target)
            }
            if spec.name == "once" {
                guard destination != .stdout else {
                    return .failure(DotCommandError(".once needs a file or a |command", hint: "usage: \(spec.usage)"))
                }
                return .success(.once(destination))
            }
            return .success(.output(destination))
        case "fields":
            if let e = atMostOne() { return .failure(e) }
            guard let word = args.first else { return .success(.fields(nil)) }
            let lower = word.lowercased()
            if let event = EventType(rawValue: lower) ?? EventType(singular: lower) { return .success(.fields(event)) }
            let hint = DidYouMean.hint(DidYouMean.candidates(for: lower, in: EventType.allCases.map(\.rawValue), limit: 1))
            return .failure(DotCommandError("unknown event '\(word)'; events: clicks leads sales", hint: hint))
        case "timezone":
            if let e = atMostOne() { return .failure(e) }
            return .success(.timezone(args.first))
        case "expanded", "pager", "since", "limit":
            return parseDisplayOrDefault(spec: spec, args: args)
        default:
            return .failure(DotCommandError("unknown command '.\(spec.name)'", hint: "try .help"))
        }
    }
}

extension DotCommand {
    /// `.expanded`, `.pager`, `.since`, `.limit`.
    fileprivate static func parseDisplayOrDefault(spec: DotCommandSpec, args: [String]) -> Result<DotCommand, DotCommandError> {
        let usage = "usage: \(spec.usage)"
        if spec.name != "since", args.count > 1 {
            return .failure(DotCommandError("too many arguments to .\(spec.name)", hint: usage))
        }
        let word = args.first?.lowercased()
        switch spec.name {
        case "expanded":
            guard let word else { return .success(.expanded(nil)) }
            guard let value = TableRenderer.Expanded(rawValue: word) else {
                return .failure(DotCommandError("expected auto, on or off, found '\(args[0])'", hint: usage))
            }
            return .success(.expanded(value))
        case "pager":
            guard let word else { return .success(.pager(nil)) }
            switch word {
            case "on", "true", "yes", "1": return .success(.pager(true))
            case "off", "false", "no", "0": return .success(.pager(false))
            default: return .failure(DotCommandError("expected 'on' or 'off', found '\(args[0])'", hint: usage))
            }
        case "since":
            // Everything after `.since` is what would follow SINCE (`.since 2026-01-01 UNTIL 2026-02-01`).
            return .success(.since(args.isEmpty ? nil : args.joined(separator: " ")))
        default:
            guard let word else { return .success(.limit(nil)) }
            if word == "all" { return .success(.limit(.all)) }
            if word == "off" { return .success(.limit(.off)) }
            guard let n = Int(word), n >= 1, n <= Binder.maximumLimit else {
                return .failure(DotCommandError("expected a number from 1 to \(Binder.maximumLimit), 'all' or 'off', found '\(args[0])'",
                                                hint: usage))
            }
            return .success(.limit(.rows(n)))
        }
    }
}

// MARK: - Words

/// Splits a dot-command line into blank-separated words, honouring `'...'` and `"..."` quotes.
enum DotCommandWords {
    static func split(_ line: String) -> Result<[String], DotCommandError> {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for ch in line {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
                continue
            }
            if ch == "'" || ch == "\"" {
                quote = ch
                inWord = true
            } else if ch.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else {
                current.append(ch)
                inWord = true
            }
        }
        if quote != nil { return .failure(DotCommandError("unterminated quote in dot-command")) }
        if inWord { words.append(current) }
        return .success(words)
    }
}

// MARK: - Diagnostic code

extension DiagnosticCode {
    /// A REPL or script dot-command that does not parse (`.mdoe json`, `.explain maybe`).
    public static let invalidDotCommand: DiagnosticCode = "DQL0701"
}
