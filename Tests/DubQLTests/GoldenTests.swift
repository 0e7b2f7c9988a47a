// The golden corpus: every `.dql` query in `Golden/` with its expected diagnostics, `explain
// --format json` output and plan tree in the `.expected` file beside it.
// Re-record with `DUBQL_RECORD=1 swift test --filter GoldenTests`.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Foundation
import Testing

enum Golden {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Golden")

    static var cases: [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return files.filter { $0.hasSuffix(".dql") }.map { String($0.dropLast(4)) }.sorted()
    }

    /// Header comments: `-- now: 2026-08-20T12:00:00Z`, `-- timezone: Europe/Berlin`, `-- backend: local`.
    static func header(_ text: String, _ key: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("-- \(key): ") {
            return String(line.dropFirst(key.count + 5)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// What the `.expected` file holds for a query.
    static func render(_ text: String, name: String) -> String {
        let now = header(text, "now").flatMap(QueryContext.parseInstant) ?? Fixture.now
        let context = QueryContext(now: now, timeZone: header(text, "timezone"))
        let source = SourceFile(name: name + ".dql", text: text)
        var out = ""
        if header(text, "backend") == "local" {
            let (plan, diagnostics) = Compiler.localPlan(text, name: source.name, context: context)
            out += "== diagnostics\n" + DiagnosticRenderer.render(diagnostics, in: source, color: false)
            if let plan, !diagnostics.hasErrors { out += "== json\n" + Explain.json(plan) + "\n== text\n" + Explain.text(plan) }
            return out
        }
        let (plan, diagnostics) = Compiler.apiPlan(text, name: source.name, context: context)
        out += "== diagnostics\n" + DiagnosticRenderer.render(diagnostics, in: source, color: false)
        if let plan, !diagnostics.hasErrors {
            out += "== json\n" + Explain.json(plan) + "\n== text\n" + Explain.text(plan)
        }
        return out
    }
}

@Suite struct GoldenTests {
    @Test func corpusIsNotEmpty() {
        #expect(Golden.cases.count >= 60)
    }

    /// Every `/events` parameter of the seed list is sent by some golden query (`sortBy` is never
    /// sent: `timestamp` is its only value and the default; `qr` is checked locally, see the README).
    @Test func corpusSendsEverySeedParameter() throws {
        var sent = Set<String>()
        for name in Golden.cases {
            let text = try String(contentsOf: Golden.directory.appendingPathComponent(name + ".expected"), encoding: .utf8)
            for line in text.split(separator: "\n") where line.hasPrefix("`--FETCH") || line.contains("|--FETCH") || line.contains("`--FETCH") {
                guard let q = line.split(separator: "?", maxSplits: 1).last else { continue }
                for pair in q.split(separator: "&") { sent.insert(String(pair.split(separator: "=").first ?? "")) }
            }
        }
        let seed = ["event", "page", "limit", "sortOrder", "domain", "key", "linkId", "externalId", "interval", "start", "end",
                    "timezone", "tenantId", "tagId", "folderId", "groupId", "partnerId", "customerId", "country", "city", "region",
                    "continent", "device", "browser", "os", "trigger", "referer", "refererUrl", "utm_source", "utm_medium",
                    "utm_campaign", "utm_term", "utm_content", "url", "root", "saleType", "query", "partnerTagId"]
        #expect(seed.filter { !sent.contains($0) } == [])
    }

    @Test(arguments: Golden.cases)
    func golden(_ name: String) throws {
        let dql = Golden.directory.appendingPathComponent(name + ".dql")
        let expectedURL = Golden.directory.appendingPathComponent(name + ".expected")
        let text = try String(contentsOf: dql, encoding: .utf8)
        let actual = Golden.render(text, name: name)
        if ProcessInfo.processInfo.environment["DUBQL_RECORD"] == "1" {
            try actual.write(to: expectedURL, atomically: true, encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: expectedURL, encoding: .utf8)
        #expect(actual == expected, "golden \(name) differs; re-record with DUBQL_RECORD=1 if the change is intended")
    }
}
