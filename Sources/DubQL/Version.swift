// The version of DubQL: what `dubql --version` prints, the REPL banner shows and the API client
// sends in its User-Agent.

/// The version of the DubQL libraries and command line.
public enum DubQLVersion {
    public static let string = "0.1.0"
}
