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
    ///
    /// The handler runs on its own serial queue: on the global queue it waited behind the
    /// certifiers' `concurrentPerform` workers, which hold every pool thread until their points
    /// run out (measured: a table1 run on PGD-NN kept going minutes after Ctrl-C). A serial queue
    /// gets a thread of its own (libdispatch's overcommit pool).
    func install() {
        signal(SIGINT, SIG_IGN)
        let s = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue(label: "sdpcert.interruption"))
        s.setEventHandler { [weak self] in self?.request() }
        s.resume()
        source = s
    }
}
