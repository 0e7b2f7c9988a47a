// The facade for programs embedding DubQL: text in; statements, bound queries, plans, URLs and
// diagnostics out, in one call each.

import DubQLSyntax

// MARK: - Compilation

/// One statement of a compiled script.
public struct CompiledStatement: Hashable, Sendable {
    /// The statement as parsed (with spans into ``Compilation/source``).
    public var statement: Statement
    /// The bound query; `nil` when binding reported errors.
    public var query: BoundQuery?
    /// Binder diagnostics for this statement (errors and warnings).
    public var diagnostics: [Diagnostic]
}

/// A parsed and bound script.
public struct Compilation: Sendable {
    /// The text as compiled; diagnostics point into it.
    public var source: SourceFile
    /// The statements, bound; empty when the script did not parse.
    public var statements: [CompiledStatement]
    /// The lexer's and parser's diagnostics: when they hold an error, ``statements`` is empty.
    public var syntaxDiagnostics: [Diagnostic]
    /// Every diagnostic, lexical to binding: the syntax ones, then each statement's in order.
    public var diagnostics: [Diagnostic]
    /// True when any diagnostic is an error (nothing should run).
    public var hasErrors: Bool { diagnostics.hasErrors }
}

/// Parses, binds and plans DubQL.
///
/// ```swift
/// let context = QueryContext(now: QueryContext.currentMillis())
/// let (plan, diagnostics) = Compiler.apiPlan("SELECT clicks WHERE country = US SINCE 7d", context: context)
/// let url = plan.map { Explain.urls($0, baseURL: DubAPI.defaultBaseURL) }
/// ```
public enum Compiler {
    /// Parses and binds every statement. Statements are bound only when the script parses cleanly.
    public static func compile(_ source: SourceFile, context: QueryContext) -> Compilation {
        let parsed = Parser.parse(source)
        var diagnostics = parsed.diagnostics
        var statements: [CompiledStatement] = []
        if !parsed.hasErrors {
            for s in parsed.script.statements {
                let (query, d) = Binder.bind(s, source: source, context: context)
                statements.append(CompiledStatement(statement: s, query: query, diagnostics: d))
                diagnostics += d
            }
        }
        return Compilation(source: source, statements: statements, syntaxDiagnostics: parsed.diagnostics,
                           diagnostics: diagnostics)
    }

    /// ``compile(_:context:)`` on a text named `name` (`<query>` by default).
    public static func compile(_ text: String, name: String = "<query>", context: QueryContext) -> Compilation {
        compile(SourceFile(name: name, text: text), context: context)
    }

    /// The API plan of a one-statement text, with every diagnostic (parse, bind, plan);
    /// `maxEvents` caps the events an aggregate computed from `GET /events` may fetch.
    public static func apiPlan(_ text: String, name: String = "<query>", context: QueryContext,
                               maxEvents: Int = AnalyticsPlanner.defaultMaxEvents) -> (plan: APIPlan?, diagnostics: [Diagnostic]) {
        let c = compile(text, name: name, context: context)
        guard !c.hasErrors, let query = single(c) else { return (nil, c.diagnostics + missing(c)) }
        let (plan, d) = APIPlanner.plan(query, maxEvents: maxEvents)
        return (plan, c.diagnostics + d)
    }

    /// The local plan of a one-statement text, with every diagnostic.
    public static func localPlan(_ text: String, name: String = "<query>", context: QueryContext) -> (plan: LocalPlan?, diagnostics: [Diagnostic]) {
        let c = compile(text, name: name, context: context)
        guard !c.hasErrors, let query = single(c) else { return (nil, c.diagnostics + missing(c)) }
        let (plan, d) = LocalPlanner.plan(query)
        return (plan, c.diagnostics + d)
    }

    /// The ClickHouse plan of a one-statement text, with every diagnostic.
    public static func clickHousePlan(_ text: String, name: String = "<query>", context: QueryContext,
                                      options: ClickHouseOptions = ClickHouseOptions()) -> (plan: ClickHousePlan?, diagnostics: [Diagnostic]) {
        let c = compile(text, name: name, context: context)
        guard !c.hasErrors, let query = single(c) else { return (nil, c.diagnostics + missing(c)) }
        let (plan, d) = ClickHousePlanner.plan(query, options: options)
        return (plan, c.diagnostics + d)
    }

    static func single(_ c: Compilation) -> BoundQuery? {
        c.statements.count == 1 ? c.statements[0].query : nil
    }

    static func missing(_ c: Compilation) -> [Diagnostic] {
        guard !c.hasErrors, c.statements.count != 1 else { return [] }
        let what = c.statements.isEmpty ? "no statement" : "\(c.statements.count) statements"
        return [.error(.notOneStatement, "expected exactly one statement, found \(what)", at: Span(at: c.statements.count > 1 ? c.statements[1].statement.span.start : 0))]
    }
}
