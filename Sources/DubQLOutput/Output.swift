// The output formats of query results: table, line, json, ndjson, csv, markdown, chart. Every format
// reads a result's schema and typed rows (`Results.swift`) through `ResultWriter`.

// MARK: - Formats

/// How result rows are written.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// Aligned columns fitted to the terminal, long cells cut with `…`, a row-count footer.
    case table
    /// One `column = value` line per cell, a blank line between rows.
    case line
    /// A JSON array shaped like the API's response (the original event JSON when nothing is projected).
    case json
    /// One JSON object per line.
    case ndjson
    /// RFC 4180: header row, CRLF line ends, quotes where needed.
    case csv
    /// A GitHub-flavoured Markdown table.
    case markdown
    /// A text chart of an aggregate with one group key and one numeric aggregate: bars, or
    /// columns over time for a time series (``Chart``).
    case chart
}
