// "Did you mean" for names and values: edit distance, case-insensitive, best few candidates.

import DubQLSyntax

// MARK: - Suggestions

/// Finds the candidates nearest to a misspelt word.
public enum Suggestions {
    /// Up to `limit` candidates within a distance that grows with the word's length, nearest first.
    public static func nearest(to word: String, in candidates: some Sequence<String>, limit: Int = 3) -> [String] {
        let w = Array(word.lowercased())
        let threshold = max(1, min(3, w.count / 3))
        var scored: [(String, Int)] = []
        var seen = Set<String>()
        for c in candidates where !seen.contains(c) {
            seen.insert(c)
            let lc = c.lowercased()
            let d = lc == word.lowercased() ? 0 : distance(w, Array(lc))
            if d <= threshold { scored.append((c, d)) }
        }
        return scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(limit).map(\.0)
    }

    /// Optimal string alignment distance (Levenshtein plus adjacent transpositions).
    public static func distance(_ a: [Character], _ b: [Character]) -> Int {
        EditDistance.between(a, b)
    }

    /// `did you mean 'US'?`, `did you mean 'US', 'UA' or 'SA'?`, or `nil` for no candidates.
    public static func hint(_ candidates: [String]) -> String? {
        guard !candidates.isEmpty else { return nil }
        let q = candidates.map { "'\($0)'" }
        if q.count == 1 { return "did you mean \(q[0])?" }
        return "did you mean \(q.dropLast().joined(separator: ", ")) or \(q[q.count - 1])?"
    }

    /// Nearest country codes for a value that is not one: the alpha-3 or name it matches, the
    /// upper-cased code, then codes within one edit.
    public static func countryCodes(for value: String) -> [String] {
        let upper = value.uppercased()
        var out: [String] = []
        func add(_ s: String) { if !out.contains(s) { out.append(s) } }
        if Catalog.countryCodes.contains(upper) { add(upper) }
        for c in Catalog.countries where c.alpha3 == upper || c.name.lowercased() == value.lowercased() { add(c.alpha2) }
        if out.isEmpty {
            for c in Catalog.countries where c.name.lowercased().hasPrefix(value.lowercased()) && value.count >= 3 { add(c.alpha2) }
        }
        if upper.count <= 3 {
            for code in nearest(to: upper, in: Catalog.countries.map(\.alpha2), limit: 5) { add(code) }
        }
        return Array(out.prefix(3))
    }
}
