// Where output text goes: a file descriptor, buffered and flushed early so rows appear as they are
// found, or memory.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DubQLEngine

// MARK: - Sinks

/// Where output text goes: a file descriptor (buffered, flushed early so rows appear as found)
/// or memory.
public final class OutputSink: @unchecked Sendable {
    private let fd: Int32?
    private var buffer: [UInt8] = []
    private var lastFlush: UInt64 = 0
    private var flushedOnce = false
    /// Everything written, for memory sinks.
    public private(set) var captured: [UInt8] = []

    private let ownsDescriptor: Bool

    private init(fd: Int32?, owns: Bool = false) {
        self.fd = fd
        self.ownsDescriptor = owns
    }

    /// Standard output.
    public static func standardOutput() -> OutputSink { OutputSink(fd: 1) }
    /// A file descriptor the caller owns.
    public static func fileDescriptor(_ fd: Int32) -> OutputSink { OutputSink(fd: fd) }
    /// A file, created or truncated (the REPL's `.output FILE`); closed when the sink goes away.
    public static func file(path: String) throws(InputError) -> OutputSink {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw InputError(path: path, message: String(cString: strerror(errno)).lowercased()) }
        return OutputSink(fd: fd, owns: true)
    }

    /// Memory (tests, the REPL's capture).
    public static func memory() -> OutputSink { OutputSink(fd: nil) }

    /// The text captured by a memory sink.
    public var text: String { String(decoding: captured, as: UTF8.self) }

    /// Writes text (UTF-8).
    public func write(_ s: String) {
        var s = s
        s.withUTF8 { write(bytes: $0) }
    }

    /// Writes bytes as they are.
    public func write(bytes: UnsafeBufferPointer<UInt8>) {
        guard fd != nil else { captured.append(contentsOf: bytes); return }
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Flushes if the first row is waiting or output has waited a while (streaming).
    public func rowDone() {
        guard fd != nil, !buffer.isEmpty else { return }
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        let now = UInt64(t.tv_sec) * 1000 + UInt64(t.tv_nsec) / 1_000_000
        if !flushedOnce || now - lastFlush >= 100 {
            flush()
            lastFlush = now
            flushedOnce = true
        }
    }

    /// Writes what is buffered. A reader that went away (`| head`) is not an error.
    public func flush() {
        guard let fd, !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                guard let base = raw.baseAddress else { return }
                let n = Glibc.write(fd, base + off, raw.count - off)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE (`| head`): the reader is gone; drop the rest quietly.
                }
                off += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        flush()
        if ownsDescriptor, let fd { close(fd) }
    }
}
