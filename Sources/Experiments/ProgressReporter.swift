import Foundation
import Training

/// Progress of a long run on standard error: a line rewritten in place on a terminal, plain
/// lines every `interval` seconds otherwise (done / total, rate, ETA and a detail such as the
/// fraction certified so far).
final class ProgressReporter: @unchecked Sendable {
    let total: Int
    let label: String
    let interval: Double
    private let start = Date()
    private var last = Date.distantPast
    private let terminal = isatty(2) != 0
    private let lock = NSLock()

    init(total: Int, label: String, interval: Double? = nil) {
        self.total = total
        self.label = label
        self.interval = interval ?? (isatty(2) != 0 ? 0.5 : 30)
    }

    /// Reports `done` of `total`; always prints the final state.
    func update(done: Int, detail: String = "") {
        lock.lock()
        defer { lock.unlock() }
        let now = Date()
        guard done >= total || now.timeIntervalSince(last) >= interval else { return }
        last = now
        let elapsed = now.timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : .nan
        let text = String(
            format: "%@: %d/%d  %.1f/s  ETA %@  %@", label, done, total, rate, formatDuration(eta), detail)
        if terminal {
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text + (done >= total ? "\n" : "")).utf8))
        } else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
        }
    }
}
