// The stable diagnostic codes of the binder (DQL03xx) and the planners (DQL04xx), in one table.

import DubQLSyntax

extension DiagnosticCode {
    // MARK: - Names and types (DQL03xx)

    /// An event name other than `clicks`, `leads`, `sales`.
    public static let unknownEvent: DiagnosticCode = "DQL0301"
    /// A field the catalog does not know.
    public static let unknownField: DiagnosticCode = "DQL0302"
    /// A field the event type lacks (`saleType` on clicks, `metadata` on clicks).
    public static let fieldNotInEvent: DiagnosticCode = "DQL0303"
    /// A value outside the field's value set (`country = USA`, `continent = XX`, `trigger = email`).
    public static let invalidValue: DiagnosticCode = "DQL0304"
    /// `<`, `<=`, `>`, `>=` on a field whose values have no order (text).
    public static let orderingOnUnorderedField: DiagnosticCode = "DQL0305"
    /// A literal of the wrong kind (`sale.amount = 'abc'`, `root = 'yes'`, `country = TRUE`).
    public static let typeMismatch: DiagnosticCode = "DQL0306"
    /// `key` without exactly one `domain` in the same conjunction.
    public static let keyWithoutDomain: DiagnosticCode = "DQL0307"
    /// `LIMIT` outside 1...1000000.
    public static let limitOutOfRange: DiagnosticCode = "DQL0308"
    /// `OFFSET` outside 0...10000000.
    public static let offsetOutOfRange: DiagnosticCode = "DQL0309"
    /// `PAGE` below 1, or together with `OFFSET`.
    public static let pageOutOfRange: DiagnosticCode = "DQL0310"
    /// A time zone Foundation does not know.
    public static let unknownTimeZone: DiagnosticCode = "DQL0311"
    /// A time range whose start is after its end.
    public static let startAfterEnd: DiagnosticCode = "DQL0312"
    /// An instant before 2022-09-22, the earliest Dub accepts.
    public static let instantTooEarly: DiagnosticCode = "DQL0313"
    /// `ORDER BY` something other than `timestamp`.
    public static let unsupportedOrder: DiagnosticCode = "DQL0314"
    /// `metadata` without a key, or a bare field that is not boolean.
    public static let incompleteField: DiagnosticCode = "DQL0315"
    /// A value the API's normalization turns into something that is probably not meant (`os = 'mac os'`).
    public static let suspiciousNormalization: DiagnosticCode = "DQL0316"
    /// A deprecated field (`qr`).
    public static let deprecatedField: DiagnosticCode = "DQL0317"
    /// A time clause that cannot be resolved (`UNTIL all`).
    public static let invalidTimeRange: DiagnosticCode = "DQL0318"
    /// A text given where exactly one statement is expected (`dubql explain`) holds none or several.
    public static let notOneStatement: DiagnosticCode = "DQL0319"
    /// A function the language does not know (`cnt()`), or a known one with the wrong argument (`sum(*)`).
    public static let unknownFunction: DiagnosticCode = "DQL0320"
    /// An aggregate over a field of the wrong type (`sum(country)`, `avg(timestamp)`).
    public static let aggregateTypeMismatch: DiagnosticCode = "DQL0321"
    /// A column of an aggregate query that is neither grouped nor aggregated.
    public static let notGrouped: DiagnosticCode = "DQL0322"
    /// `HAVING` that compares no aggregate, an aggregate in `WHERE`, or aggregate syntax in a listing.
    public static let misplacedAggregate: DiagnosticCode = "DQL0323"
    /// `AS` in a listing query, or the same output name twice.
    public static let aliasInListing: DiagnosticCode = "DQL0324"
    /// A group key that is not a field with a value per event (`timestamp`, `metadata`, `*`).
    public static let invalidGroupKey: DiagnosticCode = "DQL0325"
    /// An ORDER BY key of an aggregate query that names no output column, group key or aggregate.
    public static let unknownOrderKey: DiagnosticCode = "DQL0326"

    // MARK: - Meaning and planning (DQL04xx)

    /// A condition that can never be true (warning): the query returns no rows.
    public static let neverTrue: DiagnosticCode = "DQL0401"
    /// A condition that is always true (warning): it filters nothing.
    public static let alwaysTrue: DiagnosticCode = "DQL0402"
    /// A field that can neither be sent to the API nor evaluated on returned events (`tagId` in an OR).
    public static let notPlannable: DiagnosticCode = "DQL0403"
    /// A field exported events do not have (`tagId`, `groupId`, `customerId` on clicks) on the local backend.
    public static let notInExportedEvents: DiagnosticCode = "DQL0404"
    /// An aggregate query for a backend that cannot run it yet (Dub's API until the `/analytics` planner).
    public static let aggregateNotSupported: DiagnosticCode = "DQL0405"
    /// A field Dub's ClickHouse tables do not have (`customer.email`, `sale.currency`) on the ClickHouse backend.
    public static let notInClickHouseTables: DiagnosticCode = "DQL0406"
    /// A value that no loaded event has in that field (warning, local data): `city = 'san jose'`
    /// when the data holds `San Jose`; the hints name the nearest values the data holds.
    public static let valueNotInData: DiagnosticCode = "DQL0410"
}
