// Dub's official Python SDK (`pip install dub`, imported as `dub`) parses `dubql serve`'s
// `/analytics` answers: Tests/SDK/analytics_sdk.py calls `analytics.retrieve` for several groupBys
// and event types against a started server and checks every parsed value against the wire.

import DubQLTestSupport
import Foundation
import Testing

@Suite struct AnalyticsSDKTests {
    static let script = PackageFiles.url("Tests/SDK/analytics_sdk.py").path

    @Test func dubsPythonSDKParsesServesAnalyticsAnswers() throws {
        let server = try APITestData.shared.get()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", Self.script, server.url, APITestData.key]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        let errors = LockedData()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.set(err.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
        try process.run()
        let output = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        group.wait()
        let stderr = String(decoding: errors.get(), as: UTF8.self)
        #expect(process.terminationStatus == 0, "\(output)\n\(stderr.suffix(2000))")
        let lines = output.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("ok ") }.count == 19, "\(output)")
        for groupBy in ["count", "timeseries", "countries", "cities", "top_links", "triggers"] {
            #expect(lines.contains { $0.hasPrefix("ok ") && $0.contains(" \(groupBy) ") }, "\(groupBy)")
        }
        #expect(lines.contains("ok 422 UnprocessableEntity"))
    }
}
