// Issue 14 item 8's guard: random keys echoed in random encodings and positions, cut anywhere,
// never show (whole, or a run of 8 of their characters) in a message the client makes.

import Foundation
import Testing
import DubQLClient

@Suite struct RedactionPropertyTests {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    static func encode(_ key: String, _ how: Int, using rng: inout SystemRandomNumberGenerator) -> String {
        key.unicodeScalars.map { c -> String in
            let mode = how == 5 ? Int.random(in: 0..<5, using: &rng) : how
            switch mode {
            case 0: return String(c)
            case 1: return String(format: Bool.random(using: &rng) ? "%%%02X" : "%%%02x", c.value)
            case 2: return String(format: "%%25%02X", c.value)
            case 3: return String(format: "\\u%04x", c.value)
            default: return "&#\(c.value);"
            }
        }.joined()
    }

    /// Decodings a reader could apply to a message: as is, percent-decoded (twice), JSON-unescaped.
    static func readings(_ text: String) -> [String] {
        var out = [text]
        var t = text
        for _ in 0..<2 { t = t.removingPercentEncoding ?? t; out.append(t) }
        if let data = ("\"" + text.replacingOccurrences(of: "\"", with: "\\\"") + "\"").data(using: .utf8),
           let s = try? JSONDecoder().decode(String.self, from: data) { out.append(s) }
        return out
    }

    @Test func randomEchoesNeverShow() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            let key = "dub_" + String((0..<Int.random(in: 12...40, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! })
            var body = String(repeating: "x", count: Int.random(in: 0...200, using: &rng))
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                var echo = key
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: echo = String(key.prefix(Int.random(in: 8...key.count, using: &rng)))
                case 1: echo = String(key.dropFirst(Int.random(in: 0...(key.count - 8), using: &rng)))
                default: break
                }
                body += Self.encode(echo, Int.random(in: 0...5, using: &rng), using: &rng) + String(repeating: " ", count: Int.random(in: 0...20, using: &rng))
            }
            let limit = Int.random(in: 20...300, using: &rng)
            let messages = [Secrets.snippet(Data(body.utf8), key: key, limit: limit), Secrets.redact(body, key: key),
                            Secrets.displayURL("http://u:\(key)@h/\(body)", key: key)]
            for message in messages {
                for reading in Self.readings(message) {
                    let chars = Array(key)
                    for start in 0...(chars.count - 8) {
                        let run = String(chars[start..<start + 8])
                        #expect(!reading.contains(run), "key \(key) body \(body) → \(message)")
                    }
                }
            }
        }
    }
}
