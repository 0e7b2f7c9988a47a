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
