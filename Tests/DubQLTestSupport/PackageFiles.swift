// Where the package's own files are (the grammar, the README) for tests that read them, and fresh
// temporary directories for tests that write files.

import Foundation

/// Files of the package checkout, found from this source file's path, so they are found whatever
/// the working directory of the test process and wherever SwiftPM puts the test binaries.
public enum PackageFiles {
    /// The directory holding `Package.swift`: the nearest one above this source file.
    public static let root: URL = {
        var dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while dir.path != "/" {
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent("Package.swift").path) { return dir }
            dir = dir.deletingLastPathComponent()
        }
        // Not in a checkout (the sources were moved without Package.swift): two levels up is where
        // it would be, and reading a file there fails with a clear "no such file".
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }()

    /// A path relative to the package root (`"README.md"`, `"Grammar/DubQL.ebnf"`).
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    /// The normative grammar, `Grammar/DubQL.ebnf`.
    public static var grammar: URL { url("Grammar/DubQL.ebnf") }

    /// The README, whose generated sections some tests keep up to date.
    public static var readme: URL { url("README.md") }
}

/// A new, empty directory under the system's temporary directory, named `<prefix>-<uuid>`; the
/// caller removes it if it wants to.
public func makeTemporaryDirectory(prefix: String = "dubql-test") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
