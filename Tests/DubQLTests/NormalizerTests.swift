// The normalizer on specific shapes, shown as the canonical DubQL text of the result.

import DubQL
import DubQLSyntax
import DubQLTestSupport
import Testing

@Suite struct NormalizerTests {
    static func normalized(_ condition: String, event: String = "clicks") -> String {
        guard let c = Fixture.query("SELECT \(event) WHERE \(condition)")?.condition else { return "<does not bind>" }
        switch Normalizer.normalize(c) {
        case .constant(let b)?: return b ? "TRUE" : "FALSE"
        case let n?: return ResidualPrinter.text(n)
        case nil: return "nil"
        }
    }

    @Test(arguments: [
        ("NOT country = US", "country != US"),
        ("NOT (country = US OR browser = Chrome)", "country != US AND browser != Chrome"),
        ("NOT (country = US AND NOT browser IN (Chrome, Safari))", "country != US OR browser IN (Chrome, Safari)"),
        ("NOT NOT country = US", "country = US"),
        ("country IN (US, DE) AND country != DE", "country = US"),
        ("country IN (US, DE, FR) AND country IN (DE, FR, GB)", "country IN (DE, FR)"),
        ("country = US AND country = DE", "FALSE"),
        ("country != US AND country != DE", "country NOT IN (US, DE)"),
        ("country = US OR country = DE", "country IN (US, DE)"),
        ("country = US OR country != US", "TRUE"),
        ("country != US OR country != DE", "TRUE"),
        ("country = US OR country NOT IN (US, DE)", "country != DE"),
        ("(country = US AND browser = Chrome) OR (country = US AND device = Mobile)", "country = US AND (browser = Chrome OR device = Mobile)"),
        ("country = US OR (country = US AND browser = Chrome)", "country = US"),
        ("(country = US OR browser = Chrome) AND country = DE AND country = FR", "FALSE"),
        ("root AND NOT root", "FALSE"),
        ("NOT root", "root = FALSE"),
        ("root OR NOT root", "TRUE"),
        ("country = US AND country = US", "country = US"),
        ("NOT click.ip = x", "click.ip != x"),
    ])
    func normalizes(condition: String, expected: String) {
        #expect(Self.normalized(condition) == expected)
    }

    @Test func closedDomainsComplement() {
        #expect(Self.normalized("saleType != new", event: "sales") == "saleType = recurring")
        #expect(Self.normalized("saleType IN (new, recurring)", event: "sales") == "TRUE")
    }

    @Test func orderingKeepsItsNot() {
        // `NOT x < 5` holds for events without x, so it is not `x >= 5`.
        #expect(Self.normalized("NOT sale.amount < 5", event: "sales") == "NOT sale.amount < 5")
        #expect(Self.normalized("sale.amount >= 5 AND sale.amount >= 5", event: "sales") == "sale.amount >= 5")
    }

    @Test func nilStaysNil() {
        #expect(Normalizer.normalize(nil) == nil)
    }
}
