// Keeping the API key out of everything that is printed: masking and redaction.

import Foundation

// MARK: - Secrets

/// Masks and redacts the API key so that it never appears in output, logs or errors.
///
/// Redaction finds the key in every encoding a server may echo it in (raw, percent-encoded once
/// or twice, JSON `\uXXXX` escapes, HTML character references, mixed within one echo), and any
/// run of at least ``minimumRun`` characters of it (a key the server cut short, or its tail
/// without the `dub_` prefix). Callers redact first and cut afterwards (``snippet(_:key:limit:)``),
/// so that a cut can never leave a piece of the key that redaction no longer recognises.
public enum Secrets {
    /// The shortest run of the key's characters that is redacted on its own (8, or the whole key
    /// when it is shorter).
    public static let minimumRun = 8

    /// The key as it may be shown: its prefix up to the first `_` and a mask, `dub_…****`.
    public static func mask(_ key: String) -> String {
        if let underscore = key.firstIndex(of: "_"), key.distance(from: key.startIndex, to: underscore) <= 8 {
            return String(key[...underscore]) + "…****"
        }
        return "…****"
    }

    /// `text` with every occurrence of `key`, in any encoding, and every run of at least
    /// ``minimumRun`` of its characters replaced by its mask (for messages that echo what a server
    /// said, which could contain the key).
    public static func redact(_ text: String, key: String?) -> String {
        guard let key, key.unicodeScalars.count >= 4 else { return text }
        let matcher = KeyMatcher(key: key)
        let bytes = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count)
        let replacement = Array(mask(key).utf8)
        var changed = false
        var p = 0
        while p < bytes.count {
            if matcher.mayStart(bytes[p]), let end = matcher.longestRun(in: bytes, at: p) {
                out.append(contentsOf: replacement)
                p = end
                changed = true
            } else {
                out.append(bytes[p])
                p += 1
            }
        }
        return changed ? String(decoding: out, as: UTF8.self) : text
    }

    /// `url` as it may be shown: user info (`user:password@`) replaced by `…****@`, and the key
    /// redacted anywhere else in it.
    public static func displayURL(_ url: String, key: String?) -> String {
        var text = url
        if let scheme = text.range(of: "://") {
            let authorityEnd = text[scheme.upperBound...].firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? text.endIndex
            if let at = text[scheme.upperBound..<authorityEnd].lastIndex(of: "@") {
                text.replaceSubrange(scheme.upperBound..<at, with: "…****")
            }
        }
        return redact(text, key: key)
    }

    /// The start of `body` for a message, on one line: redacted first, then cut to `limit` bytes
    /// (on a character boundary) with `…` when something was left out.
    public static func snippet(_ body: Data, key: String?, limit: Int = 160) -> String {
        // Redact a window much longer than the cut, so that an echo of the key (in any encoding)
        // that starts before the cut is redacted whole.
        let window = body.prefix(64 * 1024)
        var text = redact(String(decoding: window, as: UTF8.self), key: key)
            .replacingOccurrences(of: "\n", with: " ").replacingOccurrences(of: "\r", with: "")
            .trimmingCharacters(in: .whitespaces)
        var cut = body.count > window.count
        if text.utf8.count > limit {
            var end = text.utf8.index(text.utf8.startIndex, offsetBy: limit)
            while end > text.startIndex && end.samePosition(in: text.unicodeScalars) == nil { end = text.utf8.index(before: end) }
            text = String(text[..<end])
            cut = true
        }
        return cut ? text + "…" : text
    }
}

// MARK: - Matching the key in any encoding

/// Finds runs of the key's characters in UTF-8 text, each character in any of the encodings a
/// server may use for it.
struct KeyMatcher {
    private let scalars: [Unicode.Scalar]
    /// The bytes a match can begin with: a character's own first byte, or an escape's.
    private var starts = Set<UInt8>()
    private let minimum: Int

    init(key: String) {
        scalars = Array(key.unicodeScalars)
        minimum = min(Secrets.minimumRun, scalars.count)
        for scalar in scalars { starts.insert(Array(String(scalar).utf8)[0]) }
        for byte in "%\\&+".utf8 { starts.insert(byte) }
    }

    func mayStart(_ byte: UInt8) -> Bool { starts.contains(byte) }

    /// The end of the longest run of key characters (at least ``minimum`` of them) starting at `p`.
    func longestRun(in text: [UInt8], at p: Int) -> Int? {
        var best: (count: Int, end: Int)?
        for first in scalars.indices where scalars.count - first >= minimum {
            var position = p
            var count = 0
            while first + count < scalars.count, let next = match(scalars[first + count], in: text, at: position) {
                position = next
                count += 1
            }
            if count >= minimum, count > (best?.count ?? 0) { best = (count, position) }
            if count == scalars.count { break }
        }
        return best?.end
    }

    /// The end of one encoding of `scalar` at `p`, or nil.
    private func match(_ scalar: Unicode.Scalar, in text: [UInt8], at p: Int) -> Int? {
        guard p < text.count else { return nil }
        let utf8 = Array(String(scalar).utf8)
        if text.count - p >= utf8.count, Array(text[p..<p + utf8.count]) == utf8 { return p + utf8.count }
        switch text[p] {
        case UInt8(ascii: "%"):
            // Percent-encoded, once (`%5F`) or twice (`%255F`), byte by byte, hex in either case.
            var position = p
            for byte in utf8 {
                guard let next = percentByte(byte, in: text, at: position) else { return nil }
                position = next
            }
            return position
        case UInt8(ascii: "\\"):
            // JSON: `\u005F` (surrogate pairs beyond the BMP), or `\/` `\"` `\\`.
            if "/\"\\".unicodeScalars.contains(scalar), p + 1 < text.count, text[p + 1] == utf8[0] { return p + 2 }
            var position = p
            for unit in String(scalar).utf16 {
                guard position + 6 <= text.count, text[position] == UInt8(ascii: "\\"), text[position + 1] == UInt8(ascii: "u"),
                      let value = Self.hex(text[(position + 2)..<(position + 6)]), value == Int(unit) else { return nil }
                position += 6
            }
            return position
        case UInt8(ascii: "&"):
            // HTML character references: `&#95;`, `&#x5F;`.
            guard p + 3 < text.count, text[p + 1] == UInt8(ascii: "#") else { return nil }
            let isHex = text[p + 2] == UInt8(ascii: "x") || text[p + 2] == UInt8(ascii: "X")
            var end = p + (isHex ? 3 : 2)
            let digitsStart = end
            while end < text.count, end - digitsStart < 10, text[end] != UInt8(ascii: ";") { end += 1 }
            guard end < text.count, text[end] == UInt8(ascii: ";"), end > digitsStart else { return nil }
            let digits = text[digitsStart..<end]
            let value = isHex ? Self.hex(digits) : Int(String(decoding: digits, as: UTF8.self))
            return value == Int(scalar.value) ? end + 1 : nil
        case UInt8(ascii: "+"):
            return scalar == " " ? p + 1 : nil
        default:
            return nil
        }
    }

    private func percentByte(_ byte: UInt8, in text: [UInt8], at p: Int) -> Int? {
        guard p + 3 <= text.count, text[p] == UInt8(ascii: "%") else { return nil }
        if let value = Self.hex(text[(p + 1)..<(p + 3)]), value == Int(byte) { return p + 3 }
        // `%25` is an encoded `%`: `%255F` is `_` encoded twice.
        if p + 5 <= text.count, Self.hex(text[(p + 1)..<(p + 3)]) == 0x25,
           let value = Self.hex(text[(p + 3)..<(p + 5)]), value == Int(byte) { return p + 5 }
        return nil
    }

    private static func hex(_ digits: ArraySlice<UInt8>) -> Int? {
        guard !digits.isEmpty else { return nil }
        var value = 0
        for d in digits {
            switch d {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value * 16 + Int(d - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): value = value * 16 + Int(d - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): value = value * 16 + Int(d - UInt8(ascii: "A") + 10)
            default: return nil
            }
        }
        return value
    }
}
