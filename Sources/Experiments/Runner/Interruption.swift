import Dispatch
import Foundation

/// Ctrl-C handling for long runs: the first SIGINT sets a flag that the runner checks between
/// points (finished points are already in the store, points in flight finish and are saved);
/// a second SIGINT exits at once.
final class Interruption: @unchecked Sendable {
    private let lock = NSLock()
    private var flag = false
    private var source: DispatchSourceSignal?

    /// Whether a stop was asked for.
    var requested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return flag
    }

    /// Asks the run to stop (what the first Ctrl-C does; tests call it directly).
    func request() {
        lock.lock()
        let again = flag
        flag = true
        lock.unlock()
        if again { exit(130) }
        FileHandle.standardError.write(Data("\nstopping after the points in flight (Ctrl-C again to quit at once)\n".utf8))
    }

    /// Starts listening for SIGINT.
    func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        s.setEventHandler { [weak self] in self?.request() }
        s.resume()
        source = s
    }
}
