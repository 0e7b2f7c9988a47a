// What a result left out: when a listing stopped at its LIMIT (the default 100, or the cap of
// `LIMIT ALL`) and more rows match, tables say so in their footer and every other format gets the
// same words on standard error, so that machine output on stdout stays clean.

import DubQL

// MARK: - Truncation

/// How many rows a listing showed when more rows match than it returned.
public struct Truncation: Sendable, Hashable {
    /// What is known about the rows that were not returned.
    public enum More: Sendable, Hashable {
        /// Exactly this many rows match in all (local data: the engine counted them).
        case total(Int)
        /// More rows exist (the API returned rows beyond the last one shown).
        case exist
        /// The last page the API returned was full: a next page may hold more rows.
        case mayExist
    }

    /// Rows shown.
    public var shown: Int
    /// The rows skipped before them (`OFFSET`).
    public var offset: Int
    public var more: More
    /// True when the listing said `LIMIT ALL` and stopped at ``Binder/maximumLimit``.
    public var capped: Bool

    public init(shown: Int, offset: Int = 0, more: More, capped: Bool = false) {
        self.shown = shown
        self.offset = offset
        self.more = more
        self.capped = capped
    }

    /// The truncation of a listing that returned `shown` rows of `query`, or `nil` when nothing
    /// needs saying: the LIMIT was written (not the default, not `ALL`), or it did not cut.
    public static func of(_ query: BoundQuery, shown: Int, more: More?) -> Truncation? {
        guard query.aggregation == nil, query.hasDefaultLimit || query.limitIsAll, shown >= query.limit, let more else { return nil }
        if case .total(let n) = more, n <= query.offset + shown { return nil }
        return Truncation(shown: shown, offset: query.offset, more: more, capped: query.limitIsAll)
    }

    /// `100 of 5,412 rows shown; add LIMIT n or LIMIT ALL`.
    public var text: String {
        var s: String
        let rows = offset > 0 ? "rows \(grouped(offset + 1))-\(grouped(offset + shown))" : "\(grouped(shown)) \(shown == 1 ? "row" : "rows")"
        switch more {
        case .total(let n): s = offset > 0 ? "\(rows) of \(grouped(n)) shown" : "\(grouped(shown)) of \(grouped(n)) rows shown"
        case .exist: s = "\(rows) shown; more rows exist"
        case .mayExist: s = "\(rows) shown; more may exist (the last page was full)"
        }
        if capped {
            s += ": a listing returns at most \(grouped(Binder.maximumLimit)) rows; read on with OFFSET \(offset + shown)"
        } else {
            s += "; add LIMIT n or LIMIT ALL"
        }
        return s
    }

    /// `5412` as `5,412`.
    public static func grouped(_ n: Int) -> String {
        n < 0 ? "-" + grouped(-n) : Money.grouped(Substring(String(n)))
    }

    private func grouped(_ n: Int) -> String { Truncation.grouped(n) }
}
