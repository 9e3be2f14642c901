import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// The certification methods `certify` runs.
enum CertifyMethod: String, CaseIterable, ExpressibleByArgument {
    /// Interval bounds (paper 1, eq. 8).
    case interval
    /// The LP relaxation (paper 1, eq. 6), solved exactly, reported through its dual.
    case lp
    /// The SDP relaxation (paper 1, eq. 7), first-order dual with a sound eigenvalue bound.
    case sdp
    /// The same SDP through CSDP's interior-point method (reference; small networks).
    case sdpCSDP = "sdp-csdp"
    /// The same SDP through the structured interior-point method (`RowTermSDP`; a reference that
    /// reaches networks CSDP is too slow for).
    case sdpIPM = "sdp-ipm"
    /// Grad-cert (ICLR 2018), two-layer networks only.
    case grad

    func certify(
        _ network: ReLUNetwork<Double>, _ x: [Double], _ label: Int, _ eps: Double, timeLimit: Double?, sdp: SDPCertifier, threads: Int = 1
    ) throws -> Certificate {
        switch self {
        case .interval: return try IntervalCertifier().certify(network: network, center: x, label: label, epsilon: eps)
        case .lp: return try LPCertifier(timeLimit: timeLimit, threads: threads).certify(network: network, center: x, label: label, epsilon: eps)
        case .sdpCSDP:
            return try CSDPCertifier().certify(network: network, center: x, label: label, epsilon: eps)
        case .sdpIPM:
            return try CSDPCertifier(backend: .interiorPoint).certify(network: network, center: x, label: label, epsilon: eps)
        case .grad:
            return try GradCertifier().certify(network: network, center: x, label: label, epsilon: eps)
        case .sdp:
            var solver = sdp
            solver.timeLimit = timeLimit
            return try solver.certify(network: network, center: x, label: label, epsilon: eps)
        }
    }
}

/// `experiments certify`: certified upper bounds on every incorrect margin, one JSON line per point.
struct CertifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certify",
        abstract: "Certify MNIST points of a network against ℓ∞ perturbations of radius ε.",
        discussion: """
            Writes one JSON object per point (--format jsonl, the default):
              {"network": "PGD-NN", "method": "lp", "eps": 0.1, "index": 17, "label": 3, "predicted": 3,
               "bounds": {"0": -4.2, …}, "certified": true, "seconds": 0.4, "status": "optimal"}
            "bounds" maps every target j ≠ label to a sound upper bound on s_j − s_label over the ball \
            ∩ [input_lower, input_upper]; "certified" is true only for a correctly classified point whose \
            bounds are all negative. --format table prints one row per point and a summary.

            Methods: interval (eq. 8); lp (eq. 6, CLP simplex, bound from its dual); sdp (eq. 7, \
            its dual with the diagonal part solved by the mixing method, a rigorous eigenvalue bound \
            (Lanczos + Cholesky certificate): always sound; status "iterations" says the budget ran \
            out before the bound went negative, "not-attempted" (--sdp-fail-fast) that a target was \
            left at its interval bound after another failed); \
            sdp-csdp (the same SDP by CSDP's interior-point method, reported through its dual: the \
            reference, for small networks); sdp-ipm (the same SDP and the same sound dual bound by the \
            structured interior-point method of problem (B), whose Schur complement comes from the weight \
            rows: a reference for networks CSDP is too slow for); grad (Grad-cert, ICLR 2018: gradient-norm bound through an \
            eigenvalue dual; two-layer networks only).

            Examples:
              experiments certify --network mnist_2_20 --method lp --eps 0.02 --indices 0-9
              experiments certify --network networks/paper1/lp-nn.h5 --method lp --eps 0.1 --points 100 --format table
            """)

    @Option(help: ArgumentHelp("A network file or a network name from experiments.yaml.", valueName: "file|name"))
    var network: String

    @Option(help: "Method: \(CertifyMethod.allCases.map(\.rawValue).joined(separator: ", ")).")
    var method: CertifyMethod

    @Option(help: "Radius ε of the ℓ∞ ball.") var eps: Double
    @Option(help: "Seconds a solver may spend per target (lp).") var timeLimit: Double?
    @Option(help: "Output: jsonl or table.") var format: Format = .jsonl
    @Option(help: "sdp: Adam iterations per target.") var sdpIterations: Int = SDPCertifier().iterations
    @Option(help: "sdp: L-BFGS polishing iterations per target.") var sdpPolish: Int = SDPCertifier().polishIterations
    @Option(help: "sdp: the phase after Adam: auto (alm up to \(SDPCertifier().almMaximumSize) variables, bundle above), lbfgs (L-BFGS on the dual function), alm (augmented Lagrangian of the primal) or bundle (proximal bundle method on the dual function).")
    var sdpPolishMethod: SDPCertifier.Polish = SDPCertifier().polish
    @Option(help: "sdp: initial Adam step size (times √|start bound|; then halved when the dual value rises, grown when it falls).") var sdpLearningRate: Double = SDPCertifier().learningRate
    @Option(help: "sdp: columns of the inner mixing solver's factor.") var sdpRank: Int = SDPCertifier().rank
    @Flag(help: "sdp: stop a point at its first uncertified target (hardest first); the rest report interval bounds.") var sdpFailFast = false
    @Option(help: "sdp: extra Adam iterations for a target whose bound ends in [0, --sdp-extend-below) (0: none).")
    var sdpExtendIterations: Int = ComparisonConfig.SDPSettings().extensionIterations
    @Option(help: "sdp: see --sdp-extend-iterations.") var sdpExtendBelow: Double = ComparisonConfig.SDPSettings().extendBelow
    @Option(help: "lp, sdp: targets solved at once, each on its own thread (sdp: without --sdp-fail-fast; default: the number of cores).")
    var targetThreads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "BLAS threads (certifiers do many small products: 1 is fastest).") var threads: Int = 1

    @OptionGroup var points: PointOptions
    @OptionGroup var data: DataOptions

    enum Format: String, ExpressibleByArgument { case jsonl, table }

    func validate() throws {
        guard eps >= 0, eps.isFinite else { throw ValidationError("--eps must be ≥ 0, got \(eps)") }
        if let timeLimit, !(timeLimit > 0) { throw ValidationError("--time-limit must be positive") }
        guard targetThreads >= 1 else { throw ValidationError("--target-threads must be ≥ 1, got \(targetThreads)") }
    }

    func run() throws {
        if threads > 0 { BLASThreads.count = threads }
        let (net, _) = try loadNetwork(network, configPath: data.config)
        let variant = try MNISTVariant(inputShape: net.inputShape, networkName: net.name)
        let images = try variant.images(MNIST(directory: try data.mnistDirectory()), split: points.split)
        let indices = try points.selection().resolve(size: images.count)
        let progress = ProgressReporter(total: indices.count, label: "certify \(net.name) \(method.rawValue) ε=\(eps)")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var certified = 0
        if format == .table { print("index  label  pred  certified  max bound      seconds  status") }
        for (done, index) in indices.enumerated() {
            let x: Matrix<Double> = try images.inputs([index])
            let label = images.labels[index]
            var sdp = SDPCertifier(
                iterations: sdpIterations, learningRate: sdpLearningRate, rank: sdpRank, polishIterations: sdpPolish,
                failFast: sdpFailFast)
            sdp.extensionIterations = sdpExtendIterations
            sdp.extendBelow = sdpExtendBelow
            sdp.targetThreads = targetThreads
            sdp.polish = sdpPolishMethod
            let certificate = try method.certify(net, x.elements, label, eps, timeLimit: timeLimit, sdp: sdp, threads: targetThreads)
            if certificate.certified { certified += 1 }
            switch format {
            case .jsonl:
                let line = CertifyLine(network: net.name, eps: eps, index: index, certificate: certificate)
                print(String(decoding: try encoder.encode(line), as: UTF8.self))
            case .table:
                print(String(
                    format: "%5d  %5d  %4d  %9@  %+11.5f  %7.3f  %@", index, label, certificate.predicted,
                    certificate.certified ? "yes" : "no", certificate.bounds.values.max() ?? .nan, certificate.seconds,
                    certificate.status))
            }
            progress.update(done: done + 1, detail: "certified so far \(percent(certified, done + 1))")
        }
        let summary = "certified \(certified)/\(indices.count) (\(percent(certified, indices.count))), "
            + "not certified \(percent(indices.count - certified, indices.count)) at ε = \(eps) by \(method.rawValue)"
        if format == .table { print(summary) } else { FileHandle.standardError.write(Data((summary + "\n").utf8)) }
    }
}

/// One JSON line of `certify` (architecture.md).
struct CertifyLine: Encodable {
    var network: String
    var method: String
    var eps: Double
    var index: Int
    var label: Int
    var predicted: Int
    var bounds: [String: Double]
    var certified: Bool
    var seconds: Double
    var status: String
    var gaps: [String: Double]?

    init(network: String, eps: Double, index: Int, certificate c: Certificate) {
        self.network = network
        method = c.method
        self.eps = eps
        self.index = index
        label = c.label
        predicted = c.predicted
        bounds = Dictionary(uniqueKeysWithValues: c.bounds.map { (String($0.key), $0.value) })
        certified = c.certified
        seconds = c.seconds
        status = c.status
        gaps = c.gaps.map { g in Dictionary(uniqueKeysWithValues: g.map { (String($0.key), $0.value) }) }
    }
}
