// Immutable byte buffers that hold event input: memory-mapped files, decompressed gzip, stdin,
// or bytes handed over in memory. The store keeps them alive and points into them by offset.

import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func posixOpen(_ path: String) -> Int32 { open(path, O_RDONLY) }

/// Why input could not be read (as opposed to being malformed).
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }
}

/// An immutable run of bytes with a name for diagnostics. Owns its memory (mapped or allocated).
public final class InputBuffer: @unchecked Sendable {
    /// The name used in diagnostics: the path, or `<stdin>`.
    public let name: String
    public let base: UnsafePointer<UInt8>
    public let count: Int
    private let release: @Sendable (UnsafeMutableRawPointer, Int) -> Void
    private let rawBase: UnsafeMutableRawPointer
    /// True for memory-mapped files, whose pages the kernel can drop and re-read on demand.
    public private(set) var isMapped = false

    private init(name: String, raw: UnsafeMutableRawPointer, count: Int, release: @escaping @Sendable (UnsafeMutableRawPointer, Int) -> Void) {
        self.name = name
        self.rawBase = raw
        self.base = UnsafePointer(raw.assumingMemoryBound(to: UInt8.self))
        self.count = count
        self.release = release
    }

    deinit { release(rawBase, count) }

    /// Copies bytes into a new buffer (used for API pages, tests and generated demo data).
    public convenience init(name: String, bytes: [UInt8]) {
        let raw = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { src in
            if let s = src.baseAddress { raw.copyMemory(from: s, byteCount: bytes.count) }
        }
        self.init(name: name, raw: raw, count: bytes.count, release: { p, _ in p.deallocate() })
    }

    /// After loading, a mapped file's pages need not stay resident: rows only point into them, and
    /// the few that are printed are read back from the page cache.
    public func releaseResidentPages() {
        guard isMapped, count > 0 else { return }
        madvise(rawBase, count, MADV_DONTNEED)
    }

    /// Drops the resident pages of a mapped file before `offset` (a stream has read them).
    public func releaseResidentPages(upTo offset: Int) {
        guard isMapped else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let end = min(offset, count) / page * page
        if end > 0 { madvise(rawBase, end, MADV_DONTNEED) }
    }

    /// The bytes as a buffer pointer.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    // MARK: Opening

    /// Opens a path: `-` reads stdin; `.gz` files are decompressed; other files are memory-mapped.
    ///
    /// Throws ``InputError`` when the input cannot be read, and ``LoadError`` when what is read
    /// breaks `limits` (a pipe without line breaks, a decompression bomb) before it is all in memory.
    public static func open(path: String, limits: LoadLimits = LoadLimits()) throws -> InputBuffer {
        if path == "-" { return try readAll(fd: 0, name: "<stdin>", limits: limits) }
        let fd = posixOpen(path)
        guard fd >= 0 else { throw InputError(path: path, message: String(cString: strerror(errno)).lowercased()) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw InputError(path: path, message: String(cString: strerror(errno)).lowercased()) }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { throw InputError(path: path, message: "is a directory") }
        let size = Int(st.st_size)
        let buffer: InputBuffer
        if (st.st_mode & S_IFMT) != S_IFREG {
            buffer = try readAll(fd: fd, name: path, limits: limits)
        } else if size == 0 {
            buffer = InputBuffer(name: path, bytes: [])
        } else {
            guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
                throw InputError(path: path, message: "cannot map the file: \(String(cString: strerror(errno)).lowercased())")
            }
            madvise(mapped, size, MADV_SEQUENTIAL)
            buffer = InputBuffer(name: path, raw: mapped, count: size, release: { p, n in munmap(p, n) })
            buffer.isMapped = true
        }
        if isGzip(buffer) { return try gunzip(buffer, limits: limits) }
        return buffer
    }

    static func isGzip(_ b: InputBuffer) -> Bool { b.count >= 2 && b.base[0] == 0x1F && b.base[1] == 0x8B }

    /// Reads a file descriptor to its end (stdin, pipes); gzip input is decompressed.
    static func readAll(fd: Int32, name: String, limits: LoadLimits) throws -> InputBuffer {
        var capacity = 1 << 20
        var raw = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var used = 0
        var guardrail = StreamGuard(name: name, limits: limits)
        var gzip: Bool?
        var checked = 0
        while true {
            if used == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: raw, byteCount: used)
                raw.deallocate()
                raw = bigger
                capacity *= 2
            }
            let n = read(fd, raw + used, capacity - used)
            if n < 0 {
                if errno == EINTR { continue }
                raw.deallocate()
                throw InputError(path: name, message: String(cString: strerror(errno)).lowercased())
            }
            if n == 0 { break }
            used += n
            // Gzip is checked as it is decompressed; anything else as it arrives.
            let bytes = UnsafePointer(raw.assumingMemoryBound(to: UInt8.self))
            if gzip == nil, used >= 2 { gzip = bytes[0] == 0x1F && bytes[1] == 0x8B }
            if gzip == false {
                do {
                    try guardrail.feed(bytes + checked, used - checked, whole: bytes)
                } catch {
                    raw.deallocate()
                    throw error
                }
                checked = used
            }
        }
        let buffer = InputBuffer(name: name, raw: raw, count: used, release: { p, _ in p.deallocate() })
        if isGzip(buffer) { return try gunzip(buffer, limits: limits) }
        return buffer
    }

    /// Decompresses gzip (several members are concatenated, as `cat a.gz b.gz` makes them),
    /// stopping as soon as the output breaks `limits`.
    static func gunzip(_ input: InputBuffer, limits: LoadLimits) throws -> InputBuffer {
        let (ratioLimit, overflow) = input.count.multipliedReportingOverflow(by: limits.maxGzipRatio)
        let maximum = max(LoadLimits.gzipAllowance, overflow ? Int.max : ratioLimit)
        var capacity = min(max(input.count * 4, 1 << 16), maximum)
        var raw = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var used = 0
        var guardrail = StreamGuard(name: input.name, limits: limits)
        var stream = z_stream()
        var offset = 0
        while offset < input.count {
            stream = z_stream()
            guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                raw.deallocate()
                throw InputError(path: input.name, message: "cannot start gzip decompression")
            }
            stream.next_in = UnsafeMutablePointer(mutating: input.base + offset)
            stream.avail_in = UInt32(min(input.count - offset, Int(UInt32.max)))
            var status: Int32 = Z_OK
            while status != Z_STREAM_END {
                if used == capacity {
                    guard capacity < maximum else {
                        inflateEnd(&stream)
                        raw.deallocate()
                        throw guardrail.failure(code: "DQL0509", "gzip data decompresses to more than \(LoadLimits.describe(maximum)) (\(limits.maxGzipRatio) times its compressed size): refusing what looks like a decompression bomb (set DUBQL_MAX_GZIP_RATIO to raise the limit)")
                    }
                    let grown = min(capacity * 2, maximum)
                    let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
                    bigger.copyMemory(from: raw, byteCount: used)
                    raw.deallocate()
                    raw = bigger
                    capacity = grown
                }
                stream.next_out = (raw + used).assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(min(capacity - used, Int(UInt32.max)))
                let before = stream.avail_out
                status = inflate(&stream, Z_NO_FLUSH)
                let produced = Int(before - stream.avail_out)
                do {
                    try guardrail.feed(UnsafePointer((raw + used).assumingMemoryBound(to: UInt8.self)), produced,
                                       whole: raw.assumingMemoryBound(to: UInt8.self))
                } catch {
                    inflateEnd(&stream)
                    raw.deallocate()
                    throw error
                }
                used += produced
                if status == Z_BUF_ERROR && stream.avail_in == 0 { status = Z_DATA_ERROR }
                guard status == Z_OK || status == Z_STREAM_END || status == Z_BUF_ERROR else {
                    inflateEnd(&stream)
                    raw.deallocate()
                    let what = status == Z_DATA_ERROR && stream.avail_in == 0 ? "truncated gzip data" : "corrupt gzip data"
                    throw InputError(path: input.name, message: what)
                }
            }
            offset = input.count - Int(stream.avail_in)
            inflateEnd(&stream)
            // Trailing zero padding after the last member is allowed.
            while offset < input.count && input.base[offset] == 0 { offset += 1 }
        }
        return InputBuffer(name: input.name, raw: raw, count: used, release: { p, _ in p.deallocate() })
    }
}

// MARK: - Streams

/// Checks input that is read or decompressed into memory as it arrives, so that hostile input
/// fails before it fills memory: it must start like events (`[` or `{` after blanks), and, unless
/// it is a JSON array, break lines at least every ``LoadLimits/maxEventBytes``.
struct StreamGuard {
    let name: String
    let limits: LoadLimits
    /// 1-based line of the next byte, and the bytes since the last line break.
    private var line = 1
    private var run = 0
    private var started = false
    private var isArray = false
    private var offset = 0

    init(name: String, limits: LoadLimits) {
        self.name = name
        self.limits = limits
    }

    /// Checks `n` new bytes at `p` (`whole` is the start of everything read, for a BOM).
    mutating func feed(_ p: UnsafePointer<UInt8>, _ n: Int, whole: UnsafePointer<UInt8>) throws(LoadError) {
        var i = 0
        if !started {
            while i < n {
                let b = p[i]
                let at = offset + i
                // A UTF-8 byte order mark at the very start.
                if at < 3 && (b == 0xEF || b == 0xBB || b == 0xBF) && whole[0] == 0xEF { i += 1; continue }
                if b == 0x20 || b == 0x09 || b == 0x0D { i += 1; run += 1; continue }
                if b == 0x0A { i += 1; line += 1; run = 0; continue }
                guard b == UInt8(ascii: "[") || b == UInt8(ascii: "{") else {
                    let what = b >= 0x21 && b <= 0x7E ? "'\(Character(Unicode.Scalar(b)))'" : "byte 0x\(String(b, radix: 16, uppercase: true).leftPadded(2))"
                    throw LoadError(file: name, line: line, column: run + 1, code: "DQL0501",
                                    message: "expected a JSON array of events or an event object, found \(what)")
                }
                started = true
                isArray = b == UInt8(ascii: "[")
                break
            }
        }
        offset += n
        if isArray {
            try feedArray(p + i, n - i)
            return
        }
        while i < n {
            guard let q = memchr(p + i, 0x0A, n - i) else {
                run += n - i
                break
            }
            let k = UnsafeRawPointer(q).assumingMemoryBound(to: UInt8.self) - p
            run += k - i
            if run > limits.maxEventBytes { break }
            line += 1
            run = 0
            i = k + 1
        }
        if run > limits.maxEventBytes {
            throw failure(code: "DQL0509", "line \(line) is longer than \(LoadLimits.describe(limits.maxEventBytes)) without a line break: one event may take at most that (set DUBQL_MAX_EVENT_SIZE to raise it)")
        }
    }

    // The state of a JSON array: nesting, strings, and the bytes of the current element.
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var element = 0
    private var elementLine = 1
    private var elementStarted = false

    /// Bounds each element of a JSON array (the bytes since the array's `[` or the last `,`
    /// between elements) by ``LoadLimits/maxEventBytes``, as lines are bounded in NDJSON.
    private mutating func feedArray(_ p: UnsafePointer<UInt8>, _ n: Int) throws(LoadError) {
        var i = 0
        while i < n {
            let b = p[i]
            i += 1
            if b == 0x0A { line += 1; run = 0 } else { run += 1 }
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            } else {
                switch b {
                case 0x22: inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"): depth -= 1
                case UInt8(ascii: ","):
                    if depth == 1 { element = 0; elementStarted = false; continue }
                default: break
                }
            }
            if depth >= 1 && !(depth == 1 && b == UInt8(ascii: "[") && !inString) {
                if !elementStarted && b != 0x20 && b != 0x0A && b != 0x0D && b != 0x09 {
                    elementStarted = true
                    elementLine = line
                }
                element += 1
                if element > limits.maxEventBytes {
                    throw LoadError(file: name, line: elementLine, column: 1, code: "DQL0509",
                                    message: "an event of the JSON array is larger than \(LoadLimits.describe(limits.maxEventBytes)): one event may take at most that (set DUBQL_MAX_EVENT_SIZE to raise it)")
                }
            }
        }
    }

    /// An error at the current line.
    func failure(code: String, _ message: String) -> LoadError {
        LoadError(file: name, line: line, column: 1, code: code, message: message)
    }
}
