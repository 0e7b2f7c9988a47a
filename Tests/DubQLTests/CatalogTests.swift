// The catalog: lookups by name and alias, consistency of the table, and the README's field table
// (which must be exactly `Catalog.markdownTable()`; re-record with DUBQL_RECORD=1).

import DubQL
import DubQLTestSupport
import Foundation
import Testing

@Suite struct CatalogTests {
    @Test(arguments: [
        ("country", "country"), ("Country", "country"), ("CLICK.COUNTRY", "country"), ("link.key", "key"),
        ("slug", "key"), ("link.id", "linkId"), ("customer.id", "customerId"), ("saleAmount", "sale.amount"),
        ("utm_source", "utm_source"), ("link.domain", "domain"),
    ])
    func lookupIsCaseInsensitiveWithAliases(name: String, canonical: String) {
        #expect(Catalog.field(named: name)?.name == canonical)
    }

    /// Names are found by the identity of the catalog's own strings first (what the binder puts
    /// in a FieldRef), then by their bytes: both ways must give the same field, whatever storage
    /// the name is in and however it is spelled.
    @Test func lookupsAgreeWhateverStorageTheNameIsIn() {
        for (i, f) in Catalog.fields.enumerated() {
            // The same text in new storage (long names are then not the catalog's string).
            let copy = String(decoding: Array(f.name.utf8), as: UTF8.self)
            #expect(Catalog.position(ofCanonical: f.name) == i)
            #expect(Catalog.position(ofCanonical: copy) == i)
            #expect(Catalog.field(canonical: copy)?.name == f.name)
            for name in [f.name] + f.aliases {
                let fresh = String(decoding: Array(name.utf8), as: UTF8.self)
                #expect(Catalog.field(named: name)?.name == f.name)
                #expect(Catalog.field(named: fresh)?.name == f.name)
                #expect(Catalog.field(named: name.uppercased())?.name == f.name)
            }
        }
        #expect(Catalog.position(ofCanonical: "Country") == Int.max)
        #expect(Catalog.position(ofCanonical: "countryx") == Int.max)
        #expect(Catalog.field(named: "customer.emailx") == nil)
    }

    @Test func unknownNamesAreNil() {
        #expect(Catalog.field(named: "contry") == nil)
        #expect(Catalog.field(named: "metadata") == nil)
    }

    @Test func namesAndAliasesAreUnique() {
        let all = Catalog.allNames.map { $0.lowercased() }
        #expect(Set(all).count == all.count)
    }

    @Test func pushableFieldsHaveAParameterAndLocalFieldsAPath() {
        for f in Catalog.fields {
            if f.pushdown != .none { #expect(f.apiParameter != nil, "\(f.name)") }
            if !f.localEvents.isEmpty && f.derivation == .path { #expect(!f.jsonPath.isEmpty, "\(f.name)") }
            #expect(f.localEvents.isSubset(of: f.events), "\(f.name)")
        }
    }

    @Test func everySeedParameterOfEventsIsInTheCatalog() {
        let params = Set(Catalog.fields.compactMap(\.apiParameter))
        for p in ["domain", "key", "linkId", "externalId", "tenantId", "tagId", "folderId", "groupId", "partnerId",
                  "customerId", "country", "city", "region", "continent", "device", "browser", "os", "trigger", "referer",
                  "refererUrl", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "url", "root",
                  "saleType", "qr"] {
            #expect(params.contains(p), "\(p)")
        }
    }

    /// Every parameter of `/events` in Dub's newest source (reference dub-analytics.md §4) is either
    /// a catalog field's or one the planner writes itself (time, paging, order, `query`), or a
    /// deprecated one DubQL does not send (`programId` is unchecked, `tagIds` ignored, `order`).
    @Test func everyParameterOfTheNewestSourceIsKnown() {
        let params = Set(Catalog.fields.compactMap(\.apiParameter))
        let written = ["event", "interval", "start", "end", "timezone", "page", "limit", "sortBy", "sortOrder", "query"]
        let deprecated = ["programId", "tagIds", "order"]
        for p in ["domain", "key", "linkId", "externalId", "tenantId", "tagId", "folderId", "partnerTagId", "groupId",
                  "partnerId", "customerId", "country", "city", "region", "continent", "device", "browser", "os", "trigger",
                  "qr", "referer", "refererUrl", "url", "utm_source", "utm_medium", "utm_campaign", "utm_term",
                  "utm_content", "root", "saleType"] + written + deprecated {
            #expect(params.contains(p) || written.contains(p) || deprecated.contains(p), "\(p)")
        }
        #expect(params.contains("partnerTagId"))
        #expect(Catalog.apiIntervals == ["24h", "7d", "30d", "90d", "1y", "mtd", "qtd", "ytd", "all"])
        #expect(Catalog.paymentProcessors.contains("apple") && Catalog.field(named: "click.ua") != nil)
    }

    @Test func countryTableIsISO() {
        #expect(Catalog.countries.count >= 249)
        #expect(Catalog.countryCodes.contains("US") && Catalog.countryCodes.contains("DE"))
        #expect(Catalog.countries.allSatisfy { $0.alpha2.count == 2 && $0.alpha3.count == 3 })
        #expect(Catalog.field(named: "country")?.enumeratedValues?.contains("Unknown") == true)
    }

    @Test func enumeratedFieldsExposeTheirValues() {
        #expect(Catalog.field(named: "continent")?.enumeratedValues == ["AF", "AN", "AS", "EU", "NA", "OC", "SA"])
        #expect(Catalog.field(named: "trigger")?.enumeratedValues == ["qr", "link", "pageview", "deeplink"])
        #expect(Catalog.field(named: "saleType")?.enumeratedValues == ["new", "recurring"])
        #expect(Catalog.field(named: "device")?.enumeratedValues?.contains("Desktop") == true)
    }

    // MARK: - README

    static let readme = PackageFiles.readme
    static let begin = "<!-- fields-table:begin (generated from Catalog.markdownTable(); DUBQL_RECORD=1 swift test --filter CatalogTests) -->\n"
    static let end = "\n<!-- fields-table:end -->"

    @Test func readmeFieldTableMatchesTheCatalog() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        guard let b = text.range(of: Self.begin), let e = text.range(of: Self.end, range: b.upperBound..<text.endIndex) else {
            Issue.record("README.md lacks the field table markers")
            return
        }
        let table = String(text[b.upperBound..<e.lowerBound])
        let expected = Catalog.markdownTable()
        if ProcessInfo.processInfo.environment["DUBQL_RECORD"] == "1", table != expected {
            try (String(text[..<b.upperBound]) + expected + String(text[e.lowerBound...])).write(to: Self.readme, atomically: false, encoding: .utf8)
            return
        }
        #expect(table == expected)
    }
}
