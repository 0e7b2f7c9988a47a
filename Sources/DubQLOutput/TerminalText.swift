// Text that is safe to show on a terminal: control characters from the data (an escape sequence
// in a `utm_source` that anyone who clicks a link controls) are shown, never obeyed.

/// Escapes control characters for display on a terminal.
///
/// Control characters are C0 (U+0000–U+001F), DEL (U+007F) and C1 (U+0080–U+009F, which some
/// terminals obey as 8-bit escape sequences). In text they become `\n`, `\r`, `\t`, `\x1b` (other
/// C0 and DEL, two lower-case hex digits) and `\u{9b}` (C1); in JSON, `\u007f` and `\u009b` (JSON
/// already escapes C0), so the JSON means the same. Everything else, backslashes included, is
/// left as it is.
public enum TerminalText {
    /// `text` with its control characters escaped; `text` itself when it has none.
    public static func escape(_ text: String) -> String {
        guard hasControl(text.utf8) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for u in text.unicodeScalars {
            switch u.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00..<0x20, 0x7F: out += "\\x" + hex2(u.value)
            case 0x80..<0xA0: out += "\\u{" + hex2(u.value) + "}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// JSON text (or an event's original bytes) with DEL and C1 characters, which JSON allows raw
    /// inside strings, written as `\u007f`-style escapes; the bytes themselves when there are none.
    /// C0 characters cannot occur raw in valid JSON except as whitespace between tokens, which
    /// stays (an event may be pretty-printed).
    public static func escapeJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        guard hasControl(bytes, c0: false) else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + 16)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x7F {
                out += Array("\\u00\(hex2(UInt32(b)))".utf8)
                i += 1
            } else if b == 0xC2, i + 1 < bytes.count, (0x80..<0xA0).contains(bytes[i + 1]) {
                out += Array("\\u00\(hex2(UInt32(bytes[i + 1])))".utf8)
                i += 2
            } else {
                out.append(b)
                i += 1
            }
        }
        return out
    }

    /// True when UTF-8 `bytes` hold a DEL or C1 character (C1 is `C2 80`–`C2 9F`), or with `c0`, a
    /// C0 one.
    static func hasControl(_ bytes: some Sequence<UInt8>, c0: Bool = true) -> Bool {
        var afterC2 = false
        for b in bytes {
            if (c0 && b < 0x20) || b == 0x7F || (afterC2 && b >= 0x80 && b < 0xA0) { return true }
            afterC2 = b == 0xC2
        }
        return false
    }

    private static func hex2(_ v: UInt32) -> String {
        let digits = Array("0123456789abcdef")
        return String(digits[Int(v >> 4) & 0xF]) + String(digits[Int(v) & 0xF])
    }
}
