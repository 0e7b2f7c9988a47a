// Read access to one event: the meaning of a query (the evaluator), the model of the API's
// parameters and the server all read events through this protocol; the local engine's store
// provides it for its rows.

/// One Dub event, read by JSON path.
public protocol EventRecord {
    var eventType: EventType { get }
    /// The event's instant in epoch milliseconds (from `timestamp`, else `click.timestamp`).
    var timestampMillis: Int64 { get }
    /// `click.id` for clicks, `eventId` for leads and sales.
    var eventID: String { get }
    /// The JSON value at a path of object keys (`["click", "country"]`), `nil` when absent.
    func json(at path: [String]) -> JSONValue?
    /// For sales, `new` when this is the first sale of its (link, customer) pair, else `recurring`;
    /// `nil` for other events.
    var saleType: String? { get }
}
