// Keeping the API key out of everything that is printed: masking and redaction.

// MARK: - Secrets

/// Masks and redacts the API key so that it never appears in output, logs or errors.
public enum Secrets {
    /// The key as it may be shown: its prefix up to the first `_` and a mask, `dub_…****`.
    public static func mask(_ key: String) -> String {
        if let underscore = key.firstIndex(of: "_"), key.distance(from: key.startIndex, to: underscore) <= 8 {
            return String(key[...underscore]) + "…****"
        }
        return "…****"
    }

    /// `text` with every occurrence of `key` replaced by its mask (for messages that echo what a
    /// server said, which could contain the key).
    public static func redact(_ text: String, key: String?) -> String {
        guard let key, key.count >= 4, text.contains(key) else { return text }
        return text.replacingOccurrences(of: key, with: mask(key))
    }
}

// MARK: - Query strings

/// Percent-encoding of query parameters, so that Dub's `URLSearchParams` reads back exactly the
/// value sent (`+` would be a space, so it is encoded; commas stay readable).
public enum QueryEncoding {
    private static let allowed: Set<UInt8> = {
        var set = Set<UInt8>()
        for c in UInt8(ascii: "a")...UInt8(ascii: "z") { set.insert(c) }
        for c in UInt8(ascii: "A")...UInt8(ascii: "Z") { set.insert(c) }
        for c in UInt8(ascii: "0")...UInt8(ascii: "9") { set.insert(c) }
        for c in "-._~,:'!*()".utf8 { set.insert(c) }
        return set
    }()

    /// One name or value, percent-encoded.
    public static func encode(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if allowed.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte >> 4, radix: 16, uppercase: true) + String(byte & 15, radix: 16, uppercase: true)
            }
        }
        return out
    }

    /// `name=value&...` in the given order.
    public static func query(_ params: [(name: String, value: String)]) -> String {
        params.map { encode($0.name) + "=" + encode($0.value) }.joined(separator: "&")
    }
}
