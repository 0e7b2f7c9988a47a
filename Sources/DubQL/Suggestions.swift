// "Did you mean" for values with a meaning of their own (country codes from names and alpha-3);
// everything else is DubQLSyntax's `DidYouMean`, the one rule of every suggestion.

import DubQLSyntax

// MARK: - Suggestions

/// Suggestions that know more than spelling.
public enum Suggestions {
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
            for code in DidYouMean.candidates(for: upper, in: Catalog.countries.map(\.alpha2), limit: 5) { add(code) }
        }
        return Array(out.prefix(3))
    }
}
