// Immutable byte buffers that hold event input: memory-mapped files, decompressed gzip, stdin,
// or bytes handed over in memory. The store keeps them alive and points into them by offset.

import CZlib
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

private func posixOpen(_ path: String) -> Int32 { open(path, O_RDONLY) }
private func posixRead(_ fd: Int32, _ p: UnsafeMutableRawPointer, _ n: Int) -> Int { read(fd, p, n) }

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
    /// For a chunk of a stream (``InputChunks``): the line breaks before it, and the bytes of its
    /// first line before it, so that diagnostics give the stream's line and column.
    public internal(set) var linesBefore = 0
    public internal(set) var columnsBefore = 0

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
        let end = min(offset, count) / Self.pageSize * Self.pageSize
        // A scan reads on from the last call, whose pages are gone already; one that starts
        // again from the beginning (a second pass over the buffer) has faulted them back in.
        if end < released { released = 0 }
        if end > released { madvise(rawBase + released, end - released, MADV_DONTNEED) }
        released = end
    }

    private static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
    /// Where ``releaseResidentPages(upTo:)`` got to.
    private var released = 0

    /// The bytes as a buffer pointer.
    public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    // MARK: Opening

    /// Opens a path: `-` reads stdin; `.gz` files are decompressed; other files are memory-mapped.
    ///
    /// Throws ``InputError`` when the input cannot be read, and ``LoadError`` when what is read
    /// breaks `limits` (a pipe without line breaks, a decompression bomb) before it is all in memory.
    public static func open(path: String, limits: LoadLimits = LoadLimits()) throws -> InputBuffer {
        switch try openInput(path: path, limits: limits) {
        case .buffer(let buffer): return buffer
        case .stream(let source): return try source.readAll()
        }
    }

    /// An opened input: a file mapped whole, or a stream to read (stdin, pipes, devices, gzip).
    enum Opened {
        case buffer(InputBuffer)
        case stream(ByteSource)
    }

    /// Opens a path without reading a stream yet: plain regular files are mapped; stdin, pipes,
    /// devices and gzip (by its magic bytes, whatever the name) are streams read in pieces.
    static func openInput(path: String, limits: LoadLimits) throws -> Opened {
        if path == "-" { return .stream(ByteSource(fd: 0, ownsDescriptor: false, name: "<stdin>", limits: limits, compressedSize: nil)) }
        let fd = posixOpen(path)
        guard fd >= 0 else { throw InputError(path: path, message: String(cString: strerror(errno)).lowercased()) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let message = String(cString: strerror(errno)).lowercased()
            close(fd)
            throw InputError(path: path, message: message)
        }
        guard (st.st_mode & S_IFMT) != S_IFDIR else { close(fd); throw InputError(path: path, message: "is a directory") }
        let size = Int(st.st_size)
        if (st.st_mode & S_IFMT) != S_IFREG {
            return .stream(ByteSource(fd: fd, ownsDescriptor: true, name: path, limits: limits, compressedSize: nil))
        }
        if size == 0 { close(fd); return .buffer(InputBuffer(name: path, bytes: [])) }
        var magic: (UInt8, UInt8) = (0, 0)
        if size >= 2, pread(fd, &magic, 2, 0) == 2, magic == (0x1F, 0x8B) {
            return .stream(ByteSource(fd: fd, ownsDescriptor: true, name: path, limits: limits, compressedSize: size))
        }
        defer { close(fd) }
        guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), mapped != MAP_FAILED else {
            throw InputError(path: path, message: "cannot map the file: \(String(cString: strerror(errno)).lowercased())")
        }
        madvise(mapped, size, MADV_SEQUENTIAL)
        let buffer = InputBuffer(name: path, raw: mapped, count: size, release: { p, n in munmap(p, n) })
        buffer.isMapped = true
        return .buffer(buffer)
    }

    /// A buffer that owns `malloc`ed memory.
    fileprivate static func allocated(name: String, _ raw: UnsafeMutableRawPointer, count: Int) -> InputBuffer {
        InputBuffer(name: name, raw: raw, count: count, release: { p, _ in free(p) })
    }
}

// MARK: - Reading in pieces

/// A stream of input bytes read in pieces from a file descriptor: as they are, or through the
/// gzip decompressor (several members are concatenated, as `cat a.gz b.gz` makes them; zero
/// padding after the last is allowed). Nothing is read twice and the compressed bytes are never
/// held whole: at most one read buffer of them.
///
/// Every piece goes through a ``StreamGuard`` as it is produced, and gzip output is bounded by
/// ``LoadLimits/maxGzipRatio`` times the compressed size (the file's size, or for a pipe what has
/// been read of it so far), so hostile input fails before it fills memory or runs for long.
final class ByteSource {
    let name: String
    let limits: LoadLimits
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// The compressed size when known (a regular file).
    private let compressedSize: Int?
    private var guardrail: StreamGuard
    /// Bytes read from the descriptor and not yet used, in `input[inputStart..<inputEnd]`.
    private let input: UnsafeMutablePointer<UInt8>
    private static let inputCapacity = 256 << 10
    private var inputStart = 0
    private var inputEnd = 0
    private var readTotal = 0
    private var atEOF = false
    private var isGzip: Bool?
    /// zlib's state points back at its stream, which therefore never moves.
    private let z = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
    private var inflating = false
    /// Bytes produced so far (decompressed for gzip).
    private(set) var produced = 0

    init(fd: Int32, ownsDescriptor: Bool, name: String, limits: LoadLimits, compressedSize: Int?) {
        self.fd = fd
        self.ownsDescriptor = ownsDescriptor
        self.name = name
        self.limits = limits
        self.compressedSize = compressedSize
        guardrail = StreamGuard(name: name, limits: limits)
        input = .allocate(capacity: Self.inputCapacity)
        z.initialize(to: z_stream())
    }

    deinit {
        if inflating { inflateEnd(z) }
        z.deallocate()
        input.deallocate()
        if ownsDescriptor { close(fd) }
    }

    /// Reads up to `capacity` (> 0) bytes of input into `p`; 0 at the end.
    func read(into p: UnsafeMutablePointer<UInt8>, capacity: Int) throws -> Int {
        if isGzip == nil {
            while inputEnd < 2 && !atEOF { try fill(keeping: true) }
            isGzip = inputEnd >= 2 && input[0] == 0x1F && input[1] == 0x8B
        }
        let n = isGzip == true ? try inflateSome(p, capacity) : try readPlain(p, capacity)
        if n > 0 {
            try guardrail.feed(UnsafePointer(p), n)
            produced += n
        }
        return n
    }

    /// Everything left, in one buffer (grown in place by `realloc`, so never copied whole).
    func readAll() throws -> InputBuffer {
        var capacity = max(min((compressedSize ?? 0) * 4, 1 << 30), 1 << 20)
        guard var raw = malloc(capacity) else { throw InputError(path: name, message: "out of memory") }
        var used = 0
        do {
            while true {
                if used == capacity {
                    guard let bigger = realloc(raw, capacity * 2) else { throw InputError(path: name, message: "out of memory") }
                    raw = bigger
                    capacity *= 2
                }
                let n = try read(into: (raw + used).assumingMemoryBound(to: UInt8.self), capacity: capacity - used)
                if n == 0 { break }
                used += n
            }
        } catch {
            free(raw)
            throw error
        }
        return InputBuffer.allocated(name: name, raw, count: used)
    }

    /// Reads the descriptor into the input buffer (after what it holds with `keeping`).
    private func fill(keeping: Bool = false) throws {
        if !keeping || inputStart == inputEnd { inputStart = 0; inputEnd = 0 }
        while true {
            let n = posixRead(fd, input + inputEnd, Self.inputCapacity - inputEnd)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, message: String(cString: strerror(errno)).lowercased())
            }
            if n == 0 { atEOF = true }
            inputEnd += n
            readTotal += n
            return
        }
    }

    private func readPlain(_ p: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws -> Int {
        if inputStart < inputEnd {
            let n = min(capacity, inputEnd - inputStart)
            p.update(from: input + inputStart, count: n)
            inputStart += n
            return n
        }
        while !atEOF {
            let n = posixRead(fd, p, capacity)
            if n < 0 {
                if errno == EINTR { continue }
                throw InputError(path: name, message: String(cString: strerror(errno)).lowercased())
            }
            if n == 0 { atEOF = true }
            readTotal += n
            return n
        }
        return 0
    }

    private func inflateSome(_ p: UnsafeMutablePointer<UInt8>, _ capacity: Int) throws -> Int {
        while true {
            if !inflating {
                // Between members: zero padding, then the end or another member.
                while true {
                    while inputStart < inputEnd && input[inputStart] == 0 { inputStart += 1 }
                    if inputStart < inputEnd { break }
                    if atEOF { return 0 }
                    try fill()
                }
                z.pointee = z_stream()
                guard inflateInit2_(z, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                    throw InputError(path: name, message: "cannot start gzip decompression")
                }
                inflating = true
            }
            if inputStart == inputEnd && !atEOF { try fill() }
            let room = min(capacity, Int(UInt32.max))
            z.pointee.next_in = input + inputStart
            z.pointee.avail_in = UInt32(inputEnd - inputStart)
            z.pointee.next_out = p
            z.pointee.avail_out = UInt32(room)
            let status = inflate(z, Z_NO_FLUSH)
            let made = room - Int(z.pointee.avail_out)
            let consumed = (inputEnd - inputStart) - Int(z.pointee.avail_in)
            inputStart += consumed
            let drained = inputStart == inputEnd && atEOF
            switch status {
            case Z_STREAM_END:
                inflateEnd(z)
                inflating = false
            case Z_OK, Z_BUF_ERROR:
                if made == 0 && drained { throw InputError(path: name, message: "truncated gzip data") }
                if made == 0 && consumed == 0 && inputStart < inputEnd { throw InputError(path: name, message: "corrupt gzip data") }
            default:
                throw InputError(path: name, message: status == Z_DATA_ERROR && drained ? "truncated gzip data" : "corrupt gzip data")
            }
            if made > 0 {
                let (ratioLimit, overflow) = (compressedSize ?? readTotal).multipliedReportingOverflow(by: limits.maxGzipRatio)
                let maximum = max(LoadLimits.gzipAllowance, overflow ? Int.max : ratioLimit)
                if produced + made > maximum {
                    throw guardrail.failure(code: "DQL0509", "gzip data decompresses to more than \(LoadLimits.describe(maximum)) (\(limits.maxGzipRatio) times its compressed size): refusing what looks like a decompression bomb (set DUBQL_MAX_GZIP_RATIO to raise the limit)")
                }
                return made
            }
        }
    }
}

// MARK: - Chunks of whole lines

/// A stream (pipe, gzip) read in bounded chunks of whole lines, for one-shot queries that need
/// not hold their input: each chunk is a buffer that ends after a line break (the last may end
/// without one), and the partial line at the end of what was read is carried into the next.
/// A chunk grows past ``target`` only to hold one long line, which the ``StreamGuard`` bounds
/// by ``LoadLimits/maxEventBytes``. A JSON array is cut between its elements instead
/// (``elements(startingAt:of:)``, ``nextElements()``).
///
/// Chunks count the lines and bytes before them, so diagnostics name the line of the stream.
final class InputChunks {
    let source: ByteSource
    var name: String { source.name }
    /// The size of the next chunk (when ``fixed`` is not set).
    var target: Int
    /// A chunk size that overrides ``target`` (tests force tiny chunks with it).
    let fixed: Int?
    private var carry: UnsafeMutableRawPointer?
    private var carryCount = 0
    private var carryCapacity = 0
    private var linesBefore = 0
    private var columnsBefore = 0
    private var ended = false
    /// Where a JSON array's elements are (``nextElements()``).
    private var splitter: ArraySplitter?

    /// The chunk size tests may force: `DUBQL_STREAM_CHUNK_BYTES` (bytes, at least 1). Not for users.
    static var testChunkBytes: Int? {
        guard let text = getenv("DUBQL_STREAM_CHUNK_BYTES").map({ String(cString: $0) }), let n = Int(text), n >= 1 else { return nil }
        return n
    }

    init(_ source: ByteSource, target: Int = 1 << 20, fixed: Int? = nil) {
        self.source = source
        self.target = target
        self.fixed = fixed
    }

    deinit { free(carry) }

    /// The next chunk of whole lines, or `nil` at the end of the input.
    func next() throws -> InputBuffer? {
        try nextChunk { bytes, searched, used, ended in
            var k = used
            while k > searched && bytes[k - 1] != 0x0A { k -= 1 }
            if k > searched { return k }
            return ended ? used : nil
        }
    }

    /// Reads a chunk: the carried bytes, then more until `cut` (given the bytes, where the last
    /// call left off, what is read and whether that is all) says where the chunk ends, growing
    /// the chunk until it does. What follows the cut is carried.
    private func nextChunk(_ cut: (UnsafePointer<UInt8>, Int, Int, Bool) throws -> Int?) throws -> InputBuffer? {
        if ended && carryCount == 0 { return nil }
        let size = max(fixed ?? target, 1)
        var capacity = max(size, carryCount + 1)
        guard var raw = malloc(capacity) else { throw InputError(path: name, message: "out of memory") }
        var used = 0
        if carryCount > 0, let carry { raw.copyMemory(from: carry, byteCount: carryCount); used = carryCount }
        carryCount = 0
        var searched = 0
        var end = 0
        do {
            while true {
                while used < capacity && !ended {
                    let n = try source.read(into: (raw + used).assumingMemoryBound(to: UInt8.self), capacity: capacity - used)
                    if n == 0 { ended = true } else { used += n }
                }
                if let k = try cut(raw.assumingMemoryBound(to: UInt8.self), searched, used, ended) { end = k; break }
                searched = used
                guard let bigger = realloc(raw, capacity * 2) else { throw InputError(path: name, message: "out of memory") }
                raw = bigger
                capacity *= 2
            }
        } catch {
            free(raw)
            throw error
        }
        if used == 0 { free(raw); return nil }
        let rest = used - end
        if rest > 0 {
            if carryCapacity < rest {
                free(carry)
                carry = malloc(rest)
                carryCapacity = rest
            }
            carry?.copyMemory(from: raw + end, byteCount: rest)
            carryCount = rest
        }
        let chunk = InputBuffer.allocated(name: name, raw, count: end)
        chunk.linesBefore = linesBefore
        chunk.columnsBefore = columnsBefore
        // Where the next chunk starts.
        let bytes = chunk.base
        var lastBreak = -1
        var p = 0
        while p < end, let q = memchr(bytes + p, 0x0A, end - p) {
            let at = UnsafeRawPointer(q).assumingMemoryBound(to: UInt8.self) - bytes
            linesBefore += 1
            lastBreak = at
            p = at + 1
        }
        columnsBefore = lastBreak >= 0 ? end - lastBreak - 1 : columnsBefore + end
        return chunk
    }

    /// `first` (this stream's first chunk) and everything after it in one buffer: for input that
    /// cannot be cut at line breaks (pretty-printed objects, blanks only).
    func rest(after first: InputBuffer) throws -> InputBuffer {
        var capacity = max(2 * (first.count + carryCount), 1 << 20)
        guard var raw = malloc(capacity) else { throw InputError(path: name, message: "out of memory") }
        raw.copyMemory(from: first.base, byteCount: first.count)
        var used = first.count
        if carryCount > 0, let carry { (raw + used).copyMemory(from: carry, byteCount: carryCount); used += carryCount }
        carryCount = 0
        do {
            while !ended {
                if used == capacity {
                    guard let bigger = realloc(raw, capacity * 2) else { throw InputError(path: name, message: "out of memory") }
                    raw = bigger
                    capacity *= 2
                }
                let n = try source.read(into: (raw + used).assumingMemoryBound(to: UInt8.self), capacity: capacity - used)
                if n == 0 { ended = true } else { used += n }
            }
        } catch {
            free(raw)
            throw error
        }
        let buffer = InputBuffer.allocated(name: name, raw, count: used)
        buffer.linesBefore = first.linesBefore
        buffer.columnsBefore = first.columnsBefore
        return buffer
    }

    /// Puts `first` (this stream's first chunk, from the start of the stream) back, to be read
    /// again as a JSON array whose `[` is at `bracket`: then ``nextElements()`` cuts chunks
    /// between its elements.
    func elements(startingAt bracket: Int, of first: InputBuffer) {
        let total = first.count + carryCount
        let joined = malloc(max(total, 1))!
        joined.copyMemory(from: first.base, byteCount: first.count)
        if carryCount > 0, let carry { (joined + first.count).copyMemory(from: carry, byteCount: carryCount) }
        free(carry)
        carry = joined
        carryCount = total
        carryCapacity = max(total, 1)
        linesBefore = first.linesBefore
        columnsBefore = first.columnsBefore
        splitter = ArraySplitter(skip: bracket)
    }

    /// The next chunk of a JSON array's elements: the chunk, the ranges of the whole elements in
    /// it, and the array's first structural error when the chunk holds it (then it is the last
    /// chunk). `nil` at the end of the input. At the end of a truncated array, the partial last
    /// element is given as an element, for the parser to report.
    func nextElements() throws -> (chunk: InputBuffer, elements: [Range<Int>], failure: ArraySplitter.Failure?)? {
        guard var splitter else { return nil }
        var ranges: [Range<Int>] = []
        var failure: ArraySplitter.Failure?
        var lastCut = 0
        guard let chunk = try nextChunk({ bytes, searched, used, ended in
            failure = splitter.scan(bytes, searched, used, &ranges)
            if failure != nil {
                // No chunk after this one: the error ends the input.
                self.ended = true
                return used
            }
            if let last = ranges.last { lastCut = last.upperBound }
            if ended {
                switch splitter.phase {
                case .closed: break
                case .inside(let start): ranges.append(start..<used)
                case .first, .element, .start: failure = .init(offset: used, expected: "an event object")
                case .after: failure = .init(offset: used, expected: "',' or ']' after an event")
                }
                return used
            }
            return ranges.isEmpty ? nil : lastCut
        }) else { return nil }
        // The next chunk starts after the last whole element (what was scanned after it is carried).
        splitter.restart()
        self.splitter = failure == nil ? splitter : nil
        return (chunk, ranges, failure)
    }
}

/// Finds the elements of a JSON array in its bytes as they arrive: strings (with escapes) and
/// nesting are tracked so that a `,` or `]` inside an element does not end it; between elements
/// it checks what the loader checks (`{` starts each element, `,` or `]` follows it, nothing
/// but blanks after the `]`) and reports the first violation where the loader would.
struct ArraySplitter {
    enum Phase {
        /// Before the `[` (blanks and a byte order mark).
        case start
        /// After the `[`: an element or `]`.
        case first
        /// After a `,`: an element.
        case element
        /// Inside the element starting at the offset.
        case inside(Int)
        /// After an element: `,` or `]`.
        case after
        /// After the `]`: blanks only.
        case closed
    }

    /// A structural error: the loader's `expected ...` at `offset`.
    struct Failure: Equatable {
        var offset: Int
        var expected: String
    }

    private(set) var phase: Phase = .start
    private var skip: Int
    private var depth = 0
    private var inString = false
    private var escaped = false

    init(skip: Int) { self.skip = skip }

    /// For the next chunk, which starts right after the last whole element.
    mutating func restart() {
        phase = .after
        skip = 0
    }

    /// Scans `p[from..<to]` (`from` is where the last call stopped), appending the ranges of
    /// the elements it completes.
    mutating func scan(_ p: UnsafePointer<UInt8>, _ from: Int, _ to: Int, _ ranges: inout [Range<Int>]) -> Failure? {
        var i = max(from, skip)
        while i < to {
            let b = p[i]
            switch phase {
            case .inside(let start):
                if inString {
                    if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                } else if b == 0x22 {
                    inString = true
                } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                    depth += 1
                } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                    depth -= 1
                    if depth == 0 {
                        ranges.append(start..<(i + 1))
                        phase = .after
                    }
                }
            default:
                if b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { i += 1; continue }
                switch phase {
                case .start:
                    // The caller found the `[` (after a byte order mark and blanks).
                    phase = .first
                case .first where b == UInt8(ascii: "]"):
                    phase = .closed
                case .first, .element:
                    guard b == UInt8(ascii: "{") else { return Failure(offset: i, expected: "an event object") }
                    phase = .inside(i)
                    depth = 1
                    inString = false
                    escaped = false
                case .after:
                    if b == UInt8(ascii: ",") { phase = .element } else if b == UInt8(ascii: "]") { phase = .closed } else {
                        return Failure(offset: i, expected: "',' or ']' after an event")
                    }
                case .closed:
                    return Failure(offset: i, expected: "end of input after the array of events")
                case .inside:
                    break
                }
            }
            i += 1
        }
        skip = 0
        return nil
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

    /// The first byte of the input (a UTF-8 byte order mark starts with 0xEF).
    private var firstByte: UInt8?

    /// Checks `n` new bytes at `p`, which follow those fed before.
    mutating func feed(_ p: UnsafePointer<UInt8>, _ n: Int) throws(LoadError) {
        var i = 0
        if firstByte == nil, n > 0 { firstByte = p[0] }
        if !started {
            while i < n {
                let b = p[i]
                let at = offset + i
                // A UTF-8 byte order mark at the very start.
                if at < 3 && (b == 0xEF || b == 0xBB || b == 0xBF) && firstByte == 0xEF { i += 1; continue }
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
