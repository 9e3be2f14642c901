import Dispatch
import Foundation

/// Runs `count` independent pieces of work on up to `count` threads and returns their results
/// in order (the first error thrown, if any, is rethrown).
///
/// Used to split a batch across the machine's cores with one BLAS thread each, which beats
/// OpenBLAS's own threading on the small products of MLP training and PGD.
/// - Complexity: `count` calls of `body`, concurrently.
public func parallelResults<T: Sendable>(_ count: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    try parallelResults(count, threads: count, body)
}

/// Runs `count` independent pieces of work, at most `threads` at a time, and returns their
/// results in order (the first error thrown, if any, is rethrown). Work is handed out in order:
/// each thread takes the next piece when it finishes one.
/// - Complexity: `count` calls of `body`, `min(threads, count)` at a time.
public func parallelResults<T: Sendable>(_ count: Int, threads: Int, _ body: @Sendable (Int) throws -> T) throws -> [T] {
    let workers = max(1, min(threads, count))
    if workers <= 1 { return try (0..<count).map(body) }
    let box = ResultBox<T>(count)
    let next = WorkCounter()
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let i = next.take(below: count) {
            box.set(i, Result { try body(i) })
        }
    }
    return try box.values()
}

/// The next index to hand out, shared by the threads of `parallelResults`.
private final class WorkCounter: @unchecked Sendable {
    private var next = 0
    private let lock = NSLock()

    func take(below count: Int) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        guard next < count else { return nil }
        next += 1
        return next - 1
    }
}

/// Thread-safe storage for `parallelResults`.
private final class ResultBox<T: Sendable>: @unchecked Sendable {
    private var results: [Result<T, Error>?]
    private let lock = NSLock()

    init(_ count: Int) { results = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ r: Result<T, Error>) {
        lock.lock()
        results[i] = r
        lock.unlock()
    }

    func values() throws -> [T] {
        try results.map { try $0!.get() }
    }
}

/// Splits `0..<n` into `parts` contiguous ranges of nearly equal size (empty ranges dropped).
public func evenChunks(_ n: Int, parts: Int) -> [Range<Int>] {
    let p = max(1, min(parts, n))
    return (0..<p).map { i in (i * n / p)..<((i + 1) * n / p) }.filter { !$0.isEmpty }
}
