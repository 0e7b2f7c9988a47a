// Threads for the CPU-bound part of a request (filtering and copying events), so that a slow scan
// never occupies a NIO event loop or a thread of Swift's cooperative pool: the kernel time-slices
// the workers, and a fast request is answered while slow ones run.

import Foundation

// MARK: - Pool

/// A pool of threads that grows on demand up to a maximum and keeps its idle threads.
///
/// With at most `maximum` jobs running, a job submitted while all threads are busy starts a new
/// thread rather than waiting behind the others: head-of-line blocking needs `maximum` slow
/// requests at once, each of them bounded (see ``RequestLimits``).
final class WorkerPool: @unchecked Sendable {
    /// Threads at most (and so jobs running at once).
    let maximum: Int
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var head = 0
    private var threads = 0
    private var idle = 0

    init(maximum: Int) { self.maximum = max(1, maximum) }

    /// Runs `work` on a pool thread and returns its result.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { (continuation: CheckedContinuation<T, Never>) in
            submit { continuation.resume(returning: work()) }
        }
    }

    private func submit(_ job: @escaping @Sendable () -> Void) {
        condition.lock()
        jobs.append(job)
        let pending = jobs.count - head
        if pending > idle && threads < maximum {
            threads += 1
            let thread = Thread { [self] in self.work() }
            thread.name = "dubql-serve-worker"
            thread.start()
        } else {
            condition.signal()
        }
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == jobs.count {
                idle += 1
                condition.wait()
                idle -= 1
            }
            let job = jobs[head]
            head += 1
            if head == jobs.count {
                jobs.removeAll(keepingCapacity: true)
                head = 0
            }
            condition.unlock()
            job()
        }
    }
}
