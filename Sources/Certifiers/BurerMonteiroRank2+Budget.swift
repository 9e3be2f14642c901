import Foundation

/// The time budget of one BM2 solve: its deadline, less a reserve for the final certificate.
///
/// A reduction's solve ends with one dual certificate (λ_min(S) and the duality gap; on the
/// one-layer CNN with the rigorous dense check, several seconds), and each feasible outer
/// iteration computes one, with multiplier repair steps. The budget times every certificate and
/// stops the inner solves early enough for the slowest one seen so far, so a solve with a time
/// limit ends at the limit rather than one certificate (and its repair steps) past it.
final class SolveBudget {
    /// When the solve must end (`nil`: never).
    let deadline: Date?
    /// The longest certificate so far, in seconds.
    private(set) var certificateSeconds = 0.0

    init(deadline: Date?) {
        self.deadline = deadline
    }

    /// The deadline of the inner solves: one certificate before the solve's deadline.
    var innerDeadline: Date? { deadline?.addingTimeInterval(-certificateSeconds) }

    /// Whether `count` certificates as slow as the slowest so far fit before the deadline.
    func allows(certificates count: Int) -> Bool {
        guard let deadline else { return true }
        return Date().addingTimeInterval(Double(count) * certificateSeconds) < deadline
    }

    /// Runs one certificate, recording its time.
    func certificate<T>(_ body: () throws -> T) rethrows -> T {
        let start = Date()
        defer { certificateSeconds = max(certificateSeconds, Date().timeIntervalSince(start)) }
        return try body()
    }
}
