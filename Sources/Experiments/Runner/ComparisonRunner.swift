import Attacks
import Certifiers
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// Runs the methods of a comparison on one network's points, reading finished points from the
/// result store and committing each new point as it finishes.
///
/// Points PGD already breaks (or misclassified clean points) cannot be certified by any sound
/// method, so the expensive certifiers (sdp, grad) skip them and record why; cheap ones still
/// compute their bounds.
struct ComparisonRunner {
    let store: ResultStore
    let config: ComparisonConfig
    /// Points run at once (each certifier call is single-threaded).
    var workers: Int
    var interruption: Interruption?
    /// Lines of progress go to standard error through this (nil: quiet).
    var showProgress = true

    /// A network of the comparison.
    struct Subject {
        var name: String
        var network: ReLUNetwork<Double>
        var hash: String
    }

    /// The options string of a method (part of the store key).
    func options(_ method: ComparisonMethod) -> String {
        switch method {
        case .pgd:
            let a = config.attack
            let step = a.stepSize ?? config.eps / 4
            return "steps=\(a.steps),step=\(step),restarts=\(a.restarts),seed=\(a.seed)"
        case .sdp:
            let s = config.sdp
            return sdpBaseOptions + (s.extensionIterations > 0 ? ",extend=\(s.extensionIterations)@\(s.extendBelow)" : "")
        case .lp: return "time=\(config.lpTimeLimit.map { "\($0)" } ?? "none")"
        case .grad: return "solver=mixing,rank=16,sweeps=300"
        case .sdpAblation: return "solver=ipm,iterations=\(CSDPCertifier().maxIterations),boxes=input,fail-fast"
        case .interval: return ""
        }
    }

    /// SDP-cert's options without the extension phase.
    var sdpBaseOptions: String {
        let s = config.sdp
        // Rows made before the polish method was an option were all polished by L-BFGS: that
        // method keeps their key.
        let method = s.polish == .lbfgs ? "" : ",polish-method=\(s.polish.rawValue),bundle=\(s.bundleEvaluations)x\(SDPCertifier().bundleSweeps),extended=lbfgs+bundle"
        return "solver=mixing,iterations=\(s.iterations),lr=\(s.learningRate),rank=\(s.rank),polish=\(s.polishIterations)\(method),time=\(s.timeLimit.map { "\($0)" } ?? "none")\(s.failFast ? ",fail-fast" : "")"
    }

    func key(_ subject: Subject, _ method: ComparisonMethod) -> ResultKey {
        ResultKey(networkHash: subject.hash, method: method.rawValue, options: options(method), eps: config.eps, split: config.split.rawValue)
    }

    /// Runs `method` on `indices` (those not in the store yet); returns the rows of all of them
    /// that are in the store afterwards (fewer than asked when interrupted).
    func run(_ method: ComparisonMethod, on subject: Subject, images: ImageSet, indices: [Int]) throws -> [Int: ResultRow] {
        let k = key(subject, method)
        var rows = try store.rows(k)
        var missing = indices.filter { rows[$0] == nil }
        if method == .sdp, config.sdp.extensionIterations > 0, !missing.isEmpty {
            missing = try reuseWithoutExtension(k, subject: subject, missing: missing)
        }
        if missing.isEmpty { return try store.rows(k) }
        if method == .pgd {
            try attack(subject, images: images, indices: missing)
        } else {
            let attacks = try store.rows(key(subject, .pgd))
            try certify(method, subject, images: images, indices: missing, attacks: attacks)
        }
        rows = try store.rows(k)
        return rows
    }

    /// SDP-cert's extension only adds iterations (it can certify more, never less): a point that
    /// a run without it certified (a sound bound, whatever run made it) or skipped (PGD breaks
    /// it) needs no new run. Such rows are copied to the extended options, the copy marked in
    /// `status`; the seconds stay those of the shorter run. Returns the points still to compute.
    private func reuseWithoutExtension(_ k: ResultKey, subject: Subject, missing: [Int]) throws -> [Int] {
        var base = k
        base.options = sdpBaseOptions
        let previous = try store.rows(base)
        var left: [Int] = []
        for index in missing {
            guard var row = previous[index], row.certified || row.status.hasPrefix("skipped") else {
                left.append(index)
                continue
            }
            row.options = k.options
            if !row.status.hasPrefix("skipped") { row.status += " (reused: certified before the extension)" }
            try store.insert(row)
        }
        return left
    }

    private func attack(_ subject: Subject, images: ImageSet, indices: [Int]) throws {
        let a = config.attack
        var options = PGDOptions(epsilon: config.eps, steps: a.steps, stepSize: a.stepSize, restarts: a.restarts, seed: a.seed)
        options.workers = workers
        let progress = showProgress ? ProgressReporter(total: indices.count, label: "\(subject.name) pgd") : nil
        let batch = 100
        var done = 0, attacked = 0
        for first in stride(from: 0, to: indices.count, by: batch) {
            if interruption?.requested == true { return }
            let chunk = Array(indices[first..<min(first + batch, indices.count)])
            let x: Matrix<Double> = try images.inputs(chunk)
            let labels = chunk.map { images.labels[$0] }
            let start = Date()
            let clean = try subject.network.scores(x)
            let result = try pgdAttack(network: subject.network, inputs: x, labels: labels, options: options)
            let seconds = Date().timeIntervalSince(start) / Double(chunk.count)
            for (t, index) in chunk.enumerated() {
                let predicted = argmax(Array(clean.row(t)))
                let robust = predicted == labels[t] && result.margins[t] > 0
                if !robust { attacked += 1 }
                try store.insert(ResultRow(
                    networkHash: subject.hash, network: subject.name, method: "pgd", options: self.options(.pgd),
                    eps: config.eps, split: config.split.rawValue, point: index, label: labels[t], predicted: predicted,
                    certified: robust, value: result.margins[t], details: "{}", seconds: seconds,
                    status: robust ? "robust" : (predicted == labels[t] ? "attacked" : "misclassified")))
            }
            done += chunk.count
            progress?.update(done: done, detail: "PGD error so far \(percent(attacked, done))")
        }
    }

    private func certify(
        _ method: ComparisonMethod, _ subject: Subject, images: ImageSet, indices: [Int], attacks: [Int: ResultRow]
    ) throws {
        let expensive = method == .sdp || method == .grad || method == .sdpAblation
        let opts = options(method)
        var toRun: [Int] = []
        for index in indices {
            if expensive, let a = attacks[index], !a.certified {
                try store.insert(ResultRow(
                    networkHash: subject.hash, network: subject.name, method: method.rawValue, options: opts,
                    eps: config.eps, split: config.split.rawValue, point: index, label: a.label, predicted: a.predicted,
                    certified: false, value: .nan, details: "{}", seconds: 0,
                    status: "skipped (pgd: \(a.status))"))
            } else {
                toRun.append(index)
            }
        }
        if toRun.isEmpty { return }
        let progress = showProgress ? ProgressReporter(total: toRun.count, label: "\(subject.name) \(method.rawValue)") : nil
        let state = RunState()
        let certifier = makeCertifier(method)
        let network = subject.network
        let store = self.store, interruption = self.interruption, config = self.config
        let failure = FirstError()
        let pending = toRun, workers = self.workers
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var position = worker
            while position < pending.count {
                if interruption?.requested == true || failure.error != nil { return }
                let index = pending[position]
                position += workers
                do {
                    let x: Matrix<Double> = try images.inputs([index])
                    let label = images.labels[index]
                    let c = try certifier(network, x.elements, label)
                    let details = "{" + c.bounds.keys.sorted().map { "\"\($0)\": \(jsonNumber(c.bounds[$0]!))" }.joined(separator: ", ") + "}"
                    try store.insert(ResultRow(
                        networkHash: subject.hash, network: subject.name, method: method.rawValue, options: opts,
                        eps: config.eps, split: config.split.rawValue, point: index, label: label, predicted: c.predicted,
                        certified: c.certified, value: c.bounds.values.max() ?? .nan, details: details, seconds: c.seconds,
                        status: c.status))
                    let (done, certified) = state.finish(certified: c.certified)
                    progress?.update(done: done, detail: "certified so far \(percent(certified, done))")
                } catch {
                    failure.record(error)
                    return
                }
            }
        }
        if let error = failure.error { throw error }
    }

    private func makeCertifier(_ method: ComparisonMethod) -> @Sendable (ReLUNetwork<Double>, [Double], Int) throws -> Certificate {
        let eps = config.eps
        switch method {
        case .interval: return { try IntervalCertifier().certify(network: $0, center: $1, label: $2, epsilon: eps) }
        case .lp:
            let limit = config.lpTimeLimit
            return { try LPCertifier(timeLimit: limit).certify(network: $0, center: $1, label: $2, epsilon: eps) }
        case .grad: return { try GradCertifier().certify(network: $0, center: $1, label: $2, epsilon: eps) }
        case .sdp:
            let s = config.sdp
            var solver = SDPCertifier(
                iterations: s.iterations, timeLimit: s.timeLimit, learningRate: s.learningRate, rank: s.rank,
                polishIterations: s.polishIterations, failFast: s.failFast)
            solver.extensionIterations = s.extensionIterations
            solver.extendBelow = s.extendBelow
            solver.polish = s.polish
            solver.bundleEvaluations = s.bundleEvaluations
            let configured = solver
            return { try configured.certify(network: $0, center: $1, label: $2, epsilon: eps) }
        case .sdpAblation:
            let solver = CSDPCertifier(backend: .interiorPoint, intermediateBoxes: false, failFast: true)
            return { try solver.certify(network: $0, center: $1, label: $2, epsilon: eps) }
        case .pgd: return { _, _, _ in throw CommandError("pgd is not a certifier") }
        }
    }
}

/// Counters shared by the workers of a run.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0, certified = 0

    func finish(certified ok: Bool) -> (done: Int, certified: Int) {
        lock.lock()
        defer { lock.unlock() }
        done += 1
        if ok { certified += 1 }
        return (done, certified)
    }
}

/// The first error thrown by any worker.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Error?

    var error: Error? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }

    func record(_ e: Error) {
        lock.lock()
        if stored == nil { stored = e }
        lock.unlock()
    }
}

/// A Double as JSON (non-finite values as null).
func jsonNumber(_ v: Double) -> String { v.isFinite ? "\(v)" : "null" }
