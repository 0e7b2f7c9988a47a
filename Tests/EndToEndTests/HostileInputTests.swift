// Hostile and broken input through the `dubql` binary: JSON that is valid but unusual (escaped
// keys), input that would fill memory (devices, decompression bombs, huge lines, huge lists), and
// scripts large enough to show quadratic work.

import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

@Suite struct HostileInputTests {
    /// `"c\u006funtry"` is the key `country`: the event is found by its country.
    @Test func escapedKeysNameTheirFields() throws {
        let event = #"{"event":"click","timestamp":"2026-08-18T10:00:00Z","click":{"id":"c1","timestamp":"2026-08-18T10:00:00Z","c\u006funtry":"BR","\u0063ity":"Recife"},"link":{"id":"l1","domain":"dub.sh","k\u0065y":"try"}}"#
        let r = try runDubQL(["query", "--data", "-", "--now", "2026-08-18T12:00:00Z", "--format", "csv",
                              "SELECT click.id, city, key FROM clicks WHERE country = BR SINCE all"], stdin: event + "\n")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "click.id,city,key\r\nc1,Recife,try\r\n")
    }
}
