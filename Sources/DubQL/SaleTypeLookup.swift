// How a client learns the `saleType` of the sales an API plan fetches. Dub's answer does not say
// whether a sale is new (the first of its link and customer) or recurring, and a page cannot tell:
// the first sale it holds of a pair may follow older ones. So a plan whose rows show `saleType`
// comes with one more request per request: the same parameters plus `saleType=new`. A fetched
// sale is new when that request returns it too, recurring otherwise.

extension APIPlan {
    /// True when the plan's rows show `saleType`: sales with the default columns (which include
    /// it) or with `saleType` projected. Output of whole events (json, ndjson) does not show it.
    public var showsSaleType: Bool {
        event == .sales && (columns.isEmpty || columns.contains { $0.field == .catalog("saleType") })
    }

    /// The page size of the sale-type requests: one more than the rows an exact plan reads, so that
    /// one page usually holds every new sale up to the last row and one beyond it; 1000 (Dub's
    /// maximum) when a residual makes that number unknown.
    public var saleTypePageSize: Int {
        guard residual == nil else { return APIPlanner.maximumPageSize }
        let (read, overflow) = ((paging.firstPage - 1) * paging.pageSize).addingReportingOverflow(paging.skipRows + paging.takeRows + 1)
        return overflow ? APIPlanner.maximumPageSize : min(APIPlanner.maximumPageSize, max(1, read))
    }

    /// The request whose answer holds exactly the new sales among those of `request`: the same
    /// parameters plus `saleType=new`, in pages of ``saleTypePageSize`` from page 1 (read only as
    /// far as the fetched rows reach); `nil` when `request` already sends `saleType`, which then
    /// is the type of every sale it returns.
    public func saleTypeRequest(for request: APIRequest) -> APIRequest? {
        guard request["saleType"] == nil else { return nil }
        var params = request.params.filter { $0.name != "page" && $0.name != "limit" }
        // Where the planner puts `saleType`: after the parameters the catalog lists before it.
        let rank = Catalog.position(ofParameter: "saleType")
        let at = params.indices.dropFirst().first { Catalog.position(ofParameter: params[$0].name) > rank } ?? params.endIndex
        params.insert(APIParameter("saleType", "new"), at: at)
        let limit = APIParameter("limit", String(saleTypePageSize))
        if let order = params.firstIndex(where: { $0.name == "sortOrder" }) {
            params.insert(limit, at: order)
        } else {
            params.append(limit)
        }
        return APIRequest(method: request.method, path: request.path, params: params)
    }
}
