// The values of an IN list: one value stored inline, or an array, so that `IN (US)`, the most
// common list, allocates nothing.

extension Predicate {
    /// The values of `[NOT] IN (...)`, used like an array (`count`, `[i]`, `first`, `map`,
    /// `for in`, `append`, array literals; equal, hashed and coded as an array). A list of one
    /// value stores it inline and allocates nothing; longer lists are an array.
    public struct Values: RandomAccessCollection, MutableCollection, RangeReplaceableCollection {
        /// One element inline, or an array. (An enum rather than an optional element and an array,
        /// so that the list is no larger than an element: then `Predicate.Kind` keeps its size, and
        /// a condition stays small enough to be moved without a call to `memcpy`.)
        @usableFromInline enum Storage: Sendable {
            case empty
            case one(Value)
            /// Any number of elements (also fewer than two, after removals or a reservation).
            case many([Value])
        }
        @usableFromInline var storage: Storage

        @inlinable
        public init() { storage = .empty }
        @inlinable
        public init(_ element: Value) { storage = .one(element) }
        @inlinable
        public init(_ elements: some Sequence<Value>) {
            let all = Array(elements)
            switch all.count {
            case 0: storage = .empty
            case 1: storage = .one(all[0])
            default: storage = .many(all)
            }
        }

        @inlinable
        public var startIndex: Int { 0 }
        @inlinable
        public var endIndex: Int { count }
        @inlinable
        public var count: Int {
            switch storage {
            case .empty: 0
            case .one: 1
            case .many(let all): all.count
            }
        }
        @inlinable
        public var isEmpty: Bool { count == 0 }

        @inlinable
        public subscript(position: Int) -> Value {
            get {
                switch storage {
                case .one(let element) where position == 0: return element
                case .many(let all): return all[position]
                default: preconditionFailure("index out of range")
                }
            }
            set {
                switch storage {
                case .one where position == 0:
                    storage = .one(newValue)
                case .many(var all):
                    storage = .empty // so that `all` is not shared while it changes
                    all[position] = newValue
                    storage = .many(all)
                default: preconditionFailure("index out of range")
                }
            }
        }

        @inlinable
        public mutating func reserveCapacity(_ n: Int) {
            guard n > 1 else { return }
            switch storage {
            case .empty:
                var all: [Value] = []
                all.reserveCapacity(n)
                storage = .many(all)
            case .one(let element):
                var all: [Value] = []
                all.reserveCapacity(n)
                all.append(element)
                storage = .many(all)
            case .many(var all):
                storage = .empty
                all.reserveCapacity(n)
                storage = .many(all)
            }
        }

        @inlinable
        public mutating func append(_ element: Value) {
            switch storage {
            case .empty:
                storage = .one(element)
            case .one(let first):
                var all: [Value] = []
                all.reserveCapacity(2)
                all.append(first)
                all.append(element)
                storage = .many(all)
            case .many(var all):
                storage = .empty
                all.append(element)
                storage = .many(all)
            }
        }

        @inlinable @discardableResult
        public mutating func removeLast() -> Value {
            switch storage {
            case .one(let element):
                storage = .empty
                return element
            case .many(var all):
                precondition(!all.isEmpty, "can't remove last element from an empty collection")
                storage = .empty
                let last = all.removeLast()
                storage = .many(all)
                return last
            case .empty:
                preconditionFailure("can't remove last element from an empty collection")
            }
        }

        @inlinable
        public mutating func replaceSubrange<C: Collection<Value>>(_ subrange: Range<Int>, with newElements: C) {
            var all = Array(self)
            all.replaceSubrange(subrange, with: newElements)
            self = Predicate.Values(all)
        }
    }
}

extension Predicate.Values: ExpressibleByArrayLiteral {
    @inlinable
    public init(arrayLiteral elements: Value...) { self.init(elements) }
}

extension Predicate.Values: Equatable {
    @inlinable
    public static func == (a: Predicate.Values, b: Predicate.Values) -> Bool {
        a.count == b.count && a.elementsEqual(b)
    }
}

extension Predicate.Values: Hashable {
    /// As an array hashes: the count, then the elements.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}

extension Predicate.Values: Sendable {}

extension Predicate.Values: Codable {
    /// Decoded from an array.
    @inlinable
    public init(from decoder: any Decoder) throws {
        self.init(try [Value](from: decoder))
    }
    /// Encoded as an array.
    @inlinable
    public func encode(to encoder: any Encoder) throws {
        try Array(self).encode(to: encoder)
    }
}

extension Predicate.Values: CustomStringConvertible, CustomDebugStringConvertible {
    /// As an array prints.
    @inlinable
    public var description: String { Array(self).description }
    @inlinable
    public var debugDescription: String { Array(self).debugDescription }
}
