// The one request builder: the encoding Dub's URLSearchParams reads back exactly, `page` and
// `limit` in their place on every page, and the one rule for the API's base URL.

import DubQL
import DubQLTestSupport
import Testing

@Suite struct RequestBuilderTests {
    @Test(arguments: [
        ("US,DE", "US,DE"), ("a+b", "a%2Bb"), ("Mac OS", "Mac%20OS"), ("2026-08-20T12:00:00Z", "2026-08-20T12:00:00Z"),
        ("metadata['plan']:'pro'", "metadata%5B%27plan%27%5D:%27pro%27"), ("a&b=c", "a%26b%3Dc"), ("100%", "100%25"),
        ("Europe/Berlin", "Europe%2FBerlin"), ("Zürich", "Z%C3%BCrich"), ("-._~", "-._~"), ("(direct)", "%28direct%29"),
    ])
    func percentEncoding(_ value: String, _ encoded: String) {
        #expect(DubAPI.percentEncode(value) == encoded)
        // What URLSearchParams (form decoding: `+` is a space) reads back is the value sent.
        #expect(URLText.queryParameter("v", in: "https://h/?v=" + encoded) == value)
    }

    static let queries = [
        "SELECT sales WHERE country IN (US) AND NOT browser = Chrome SINCE 30d",
        "SELECT clicks WHERE country IN (US, DE) SINCE 30d LIMIT 10 PAGE 3",
        "SELECT clicks SINCE 7d ORDER BY timestamp ASC LIMIT 5 OFFSET 10",
        "SELECT clicks WHERE city = 'Paris, TX' SINCE 30d ORDER BY timestamp ASC",
        "SELECT clicks WHERE country = US OR browser = Chrome SINCE 30d LIMIT 4",
        "SELECT clicks SINCE all LIMIT 100 OFFSET 2000",
    ]

    /// The first page the client asks for is the request as the plan (and EXPLAIN) shows it.
    @Test(arguments: queries)
    func theFirstPageIsThePlansRequest(_ text: String) throws {
        let plan = try #require(Fixture.apiPlan(text))
        for r in plan.requests {
            #expect(r.parameters(page: plan.paging.startPage, limit: plan.paging.limit) == r.params)
        }
        #expect(Explain.urls(plan, baseURL: "http://h/") == plan.requests.map { "http://h/events?" + DubAPI.query($0.params) })
    }

    @Test func laterPagesPutPageBeforeLimitAndSortOrder() {
        let r = APIRequest(params: [APIParameter("event", "clicks"), APIParameter("interval", "7d"),
                                    APIParameter("limit", "5"), APIParameter("sortOrder", "asc")])
        #expect(r.url(baseURL: "http://h//", page: 3, limit: 5) == "http://h/events?event=clicks&interval=7d&page=3&limit=5&sortOrder=asc")
        #expect(r.url(baseURL: "http://h", page: 1, limit: 100) == "http://h/events?event=clicks&interval=7d&sortOrder=asc")
        #expect(r.url(baseURL: "http://h/base/", page: 2, limit: 1000) == "http://h/base/events?event=clicks&interval=7d&page=2&limit=1000&sortOrder=asc")
    }

    @Test(arguments: [
        (String?.none, [String: String](), "https://api.dub.co"), ("", [:], "https://api.dub.co"),
        ("http://a", ["DUB_API_URL": "http://b"], "http://a"), (nil, ["DUB_API_URL": "http://b"], "http://b"),
        ("", ["DUB_API_URL": "http://b"], "http://b"), (nil, ["DUB_API_URL": ""], "https://api.dub.co"),
    ])
    func baseURLPrecedence(_ option: String?, _ environment: [String: String], _ expected: String) {
        #expect(DubAPI.baseURL(option: option, environment: environment) == expected)
    }
}
