// End-to-end tests of `dubql generate`: determinism, the API's JSON shape, --output.

import Foundation
import Testing
import DubQLTestSupport

@Suite("dubql generate")
struct GenerateTests {
    @Test func sameOptionsSameBytes() throws {
        let args = ["generate", "--event", "leads", "--count", "300", "--seed", "5", "--end", "2026-08-18"]
        let a = try runDubQL(args), b = try runDubQL(args)
        #expect(a.status == 0)
        #expect(a.stdout == b.stdout)
        let other = try runDubQL(["generate", "--event", "leads", "--count", "300", "--seed", "6", "--end", "2026-08-18"])
        #expect(other.stdout != a.stdout)
    }

    @Test(arguments: ["clicks", "leads", "sales"])
    func eventsHaveTheAPIShape(_ event: String) throws {
        let r = try runDubQL(["generate", "--event", event, "--count", "50", "--end", "2026-08-18T00:00:00Z"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 50)
        var last = Date.distantFuture
        for line in lines {
            let e = try #require(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(e["event"] as? String == String(event.dropLast()))
            let click = try #require(e["click"] as? [String: Any])
            let link = try #require(e["link"] as? [String: Any])
            for key in ["id", "timestamp", "url", "country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer", "refererUrl", "qr", "ip"] {
                #expect(click[key] != nil, "click.\(key)")
            }
            #expect((click["region"] as? String)?.hasPrefix((click["country"] as? String ?? "") + "-") == true)
            for key in ["id", "domain", "key", "url", "shortLink", "tenantId", "folderId", "partnerId", "tags", "workspaceId"] {
                #expect(link[key] != nil, "link.\(key)")
            }
            for key in ["click_id", "link_id", "domain", "key", "url", "country", "qr"] { #expect(e[key] != nil, "\(key)") }
            if event != "clicks" {
                #expect(e["eventId"] is String && e["customer"] is [String: Any])
            }
            if event == "sales" {
                let sale = try #require(e["sale"] as? [String: Any])
                let amount = try #require(sale["amount"] as? Int)
                #expect(amount > 0 && e["saleAmount"] as? Int == amount)
            }
            let ts = try #require(ISO8601DateFormatter.withFractions.date(from: click["timestamp"] as? String ?? ""))
            if event == "clicks" {
                #expect(ts <= last)
                last = ts
            }
        }
    }

    @Test func outputFileAndItLoads() throws {
        let dir = try makeTemporaryDirectory()
        let file = dir.appendingPathComponent("c.ndjson").path
        let r = try runDubQL(["generate", "--event", "clicks", "--count", "1000", "--output", file])
        #expect(r.status == 0 && r.stdout.isEmpty)
        let q = try runDubQL(["query", "SELECT clicks SINCE 30d LIMIT 2000", "--data", file, "--format", "ndjson"])
        #expect(q.stdout.split(separator: "\n").count == 1000)
    }

    @Test func badOptionsAreUsageErrors() throws {
        let r = try runDubQL(["generate", "--event", "views", "--count", "1"])
        #expect(r.status == 64)
        let e = try runDubQL(["generate", "--event", "clicks", "--count", "1", "--end", "soon"])
        #expect(e.status == 64)
    }
}
