// The package's one seeded generator is SplitMix64 to the bit, so a seed (of `dubql generate`, of a
// property test) names the same case on every machine and in every test target.

import DubQLEngine
import DubQLTestSupport
import Testing

@Suite("Seeded random numbers")
struct RandomTests {
    /// The reference outputs of SplitMix64 from state 0 (Vigna's `splitmix64.c`).
    @Test func splitMix64MatchesTheReference() {
        var r = SplitMix64(seed: 0)
        #expect([r.next(), r.next(), r.next(), r.next()]
                 == [0xE220_A839_7B1D_CDAF, 0x6E78_9E6A_A1B9_65F4, 0x06C4_5D18_8009_454F, 0xF88B_B8A8_724C_81EC])
    }

    @Test func helpersStayInRange() {
        var r = SplitMix64(seed: 42)
        for _ in 0..<1_000 {
            #expect((3...5).contains(r.int(in: 3...5)))
            #expect((0..<7).contains(r.below(7)))
            #expect(["a", "b"].contains(r.pick(["a", "b"])))
        }
        #expect(r.pickIfAny([Int]()) == nil)
        #expect(!r.chance(0) && r.chance(100) && !r.chance(probability: 0) && r.chance(probability: 1))
    }

    @Test func theSameSeedGivesTheSameFile() {
        let options = GeneratorOptions(event: .clicks, count: 50, seed: 9, days: 3, end: 1_787_061_792_000)
        #expect(Generator(options).bytes() == Generator(options).bytes())
    }
}
