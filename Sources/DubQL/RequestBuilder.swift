// How a plan's requests are written on the wire: where Dub's API is (one rule for `--api-url`,
// `DUB_API_URL` and the default), the query encoding Dub reads back exactly, and the URL of each
// page. EXPLAIN shows these URLs and the client sends them, so the two cannot differ.

// MARK: - Dub's API

/// Where Dub's API is and how query strings to it are encoded.
public enum DubAPI {
    /// Dub's API, when neither `--api-url` nor `DUB_API_URL` says otherwise.
    public static let defaultBaseURL = "https://api.dub.co"

    /// The base URL every command uses: `option` (`--api-url`) when given and not empty, else
    /// `DUB_API_URL` when set and not empty, else ``defaultBaseURL``.
    public static func baseURL(option: String?, environment: [String: String]) -> String {
        if let option, !option.isEmpty { return option }
        if let variable = environment["DUB_API_URL"], !variable.isEmpty { return variable }
        return defaultBaseURL
    }

    /// `name=value&...` in the given order, each part percent-encoded.
    public static func query(_ params: [APIParameter]) -> String {
        var out = ""
        for (i, p) in params.enumerated() {
            if i > 0 { out += "&" }
            out += percentEncode(p.name) + "=" + percentEncode(p.value)
        }
        return out
    }

    /// Percent-encodes UTF-8 bytes except `A-Z a-z 0-9 - . _ ~` and the `,` and `:` a query string
    /// allows, so that Dub's `URLSearchParams` reads back exactly the value sent: `+` (which it
    /// would read as a space), `&`, `=`, `%`, quotes and spaces are encoded; commas, the separator
    /// of Dub's lists, stay readable.
    public static func percentEncode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: ","), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + URLText.hex2(b)
            }
        }
        return out
    }
}

// MARK: - Requests

extension APIRequest {
    /// `page` and `limit` as the API takes them, each left out when it is Dub's default (page 1,
    /// 100 events), which is how plans write their first page.
    public static func pagingParameters(page: Int, limit: Int) -> [APIParameter] {
        var out: [APIParameter] = []
        appendPagingParameters(page: page, limit: limit, to: &out)
        return out
    }

    /// ``pagingParameters(page:limit:)`` appended to `out`, without an array of their own.
    static func appendPagingParameters(page: Int, limit: Int, to out: inout [APIParameter]) {
        if page != 1 { out.append(APIParameter("page", String(page))) }
        if limit != APIPlanner.defaultPageSize { out.append(APIParameter("limit", String(limit))) }
    }

    /// The parameters of one page of this request: the request's own, with `page` and `limit` for
    /// that page where the planner puts them (after the time range, before `sortOrder`). For the
    /// page the plan starts at, they are the request's parameters unchanged.
    public func parameters(page: Int, limit: Int) -> [APIParameter] {
        var out = params.filter { $0.name != "page" && $0.name != "limit" }
        let at = out.firstIndex { $0.name == "sortOrder" } ?? out.endIndex
        out.insert(contentsOf: Self.pagingParameters(page: page, limit: limit), at: at)
        return out
    }

    /// The full URL of one page: the base URL (trailing `/` dropped), the path, the encoded query.
    public func url(baseURL: String, page: Int, limit: Int) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        let query = DubAPI.query(parameters(page: page, limit: limit))
        return base + path + (query.isEmpty ? "" : "?" + query)
    }
}

extension Paging {
    /// The first `page` the client asks for (1 or more).
    public var startPage: Int { max(1, firstPage) }

    /// The `limit` of every page the client asks for: the page size, within Dub's 1...1000.
    public var limit: Int { min(APIPlanner.maximumPageSize, max(1, pageSize)) }
}

extension APIPlan {
    /// The URL of each request's first page, exactly as the client sends it.
    public func firstPageURLs(baseURL: String) -> [String] {
        requests.map { $0.url(baseURL: baseURL, page: paging.startPage, limit: paging.limit) }
    }
}
