import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// `experiments bench-certify`: the fast SDP solver against the CSDP reference on one target.
struct BenchCertifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-certify",
        abstract: "Time SDP-cert by the fast solver and by CSDP on the same point and target.",
        discussion: """
            Prints, for one test point and one target, CSDP's bound and seconds and the fast \
            solver's bound and seconds at several iteration budgets, with the LP and interval bounds \
            for reference. Default: mnist_2_20, test image 1, ε = 0.02, the runner-up class (target 6 \
            there; one CSDP solve takes about 100 s). With --ipm the structured interior point solves \
            the same target, a reference on networks too large for CSDP (PGD-NN: about 300 s for 100 \
            iterations). With --indices several points run in turn, followed by a summary: the largest \
            gap to the reference and the smallest speed-up per budget.

            Examples:
              experiments bench-certify --network mnist_2_20 --index 1 --target 0 --eps 0.02
              experiments bench-certify --network PGD-NN --index 0 --eps 0.1 --skip-csdp --ipm --budgets 1000
              experiments bench-certify --indices 0,1,2,3,4,5,6,7,8,9 --budgets 1000
            """)

    @Option(help: "A network file or a network name from experiments.yaml.") var network = "mnist_2_20"
    @Option(help: "Test image index.") var index = 1
    @Option(help: ArgumentHelp("Several test image indices, comma-separated (instead of --index), then a summary.", valueName: "list"))
    var indices: String?
    @Option(help: "Target class (≠ label); default: the runner-up class of the clean point (the target fail-fast tries first).")
    var target: Int?
    @Option(help: "Radius ε.") var eps = 0.02
    @Option(help: "Iteration budgets of the fast solver, comma-separated.") var budgets = "100,400,1600"
    @Flag(help: "Skip CSDP (slow).") var skipCsdp = false
    @Flag(help: "Also solve the SDP by the structured interior-point method (sdp-ipm), a reference where CSDP is too slow.")
    var ipm = false
    @Option(help: "Iteration limit of the interior point (with --ipm).") var ipmIterations = CSDPCertifier().maxIterations
    @Option(help: "Adam step size of the fast solver (times √|start bound|).") var learningRate = SDPCertifier().learningRate
    @Option(help: "Columns of the fast solver's inner factor.") var rank = SDPCertifier().rank
    @Option(help: "Mixing sweeps of the inner solver per Adam step.") var sweeps = SDPCertifier().sweeps
    @Option(help: "L-BFGS polishing iterations of the fast solver after its Adam phase.") var polishIterations = SDPCertifier().polishIterations
    @Option(help: "Seconds the polishing phase may take per target (default: no cap, only its iteration count).") var polishSeconds: Double?
    @Option(help: "Mixing sweeps per evaluation of the polishing phase.") var polishSweeps = SDPCertifier().polishSweeps
    @Option(help: "L-BFGS runs of the polishing phase at most (one that stalls is followed by a short Adam run and another).")
    var polishRounds = SDPCertifier().polishRounds
    @Option(help: "The fast solver's phase after Adam: auto (alm up to \(SDPCertifier().almMaximumSize) variables, bundle above), lbfgs, alm or bundle (see certify --help).")
    var polish = SDPCertifier().polish
    @Option(help: "Outer iterations of the alm polish.") var polishOuterIterations = SDPCertifier().polishOuterIterations
    @Option(help: "Mixing solves of the bundle polish at most.") var bundleEvaluations = SDPCertifier().bundleEvaluations
    @Option(help: "Mixing sweeps per evaluation of the bundle polish.") var bundleSweeps = SDPCertifier().bundleSweeps
    @Option(help: "Extra Adam iterations when the dual estimate ends in [0, --extend-below).") var extendIterations = SDPCertifier().extensionIterations
    @Option(help: "See --extend-iterations.") var extendBelow = SDPCertifier().extendBelow
    @OptionGroup var data: DataOptions

    /// One budget's result on one point.
    struct Measurement {
        var index: Int, target: Int, budget: Int
        var bound: Double, seconds: Double
        var reference: (bound: Double, seconds: Double)?
    }

    func validate() throws {
        if let indices, parsedIndices(indices) == nil {
            throw ValidationError("--indices must be comma-separated non-negative integers, got '\(indices)'")
        }
        if indices != nil, target != nil { throw ValidationError("--target applies to one point (--index), not to --indices") }
    }

    private func parsedIndices(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? -1) >= 0 }) else { return nil }
        return parts.map { $0! }
    }

    func run() throws {
        BLASThreads.count = 1
        let (net, _) = try loadNetwork(network, configPath: data.config)
        let variant = try MNISTVariant(inputShape: net.inputShape, networkName: net.name)
        let images = try variant.images(MNIST(directory: try data.mnistDirectory()), split: .test)
        let points = indices.flatMap(parsedIndices) ?? [index]
        var measurements: [Measurement] = []
        for (n, point) in points.enumerated() {
            if n > 0 { print("") }
            measurements += try bench(net, images: images, index: point)
        }
        guard points.count > 1 else { return }
        print("\nsummary over \(points.count) points (\(net.name), ε = \(eps)):")
        print("image target   reference    seconds  budget        bound    seconds        gap  speed-up")
        for m in measurements {
            var line = String(format: "%5d %6d", m.index, m.target)
            line += m.reference.map { String(format: " %11.5f %10.1f", $0.bound, $0.seconds) } ?? "           -          -"
            line += String(format: " %-7d %11.5f %10.2f", m.budget, m.bound, m.seconds)
            if let r = m.reference { line += String(format: " %10.2e %8.0f×", m.bound - r.bound, r.seconds / m.seconds) }
            print(line)
        }
        for budget in Set(measurements.map(\.budget)).sorted() {
            let rows = measurements.filter { $0.budget == budget && $0.reference != nil }
            guard let worst = rows.map({ $0.bound - $0.reference!.bound }).max(),
                  let slowest = rows.map({ $0.reference!.seconds / $0.seconds }).min() else { continue }
            print(String(format: "budget %d: largest gap to the reference %.2e, smallest speed-up %.0f×", budget, worst, slowest))
        }
    }

    /// The bench of one point; returns a measurement per budget.
    private func bench(_ net: ReLUNetwork<Double>, images: ImageSet, index: Int) throws -> [Measurement] {
        guard (0..<images.count).contains(index) else { throw CommandError("--index \(index) outside the test split") }
        let x: Matrix<Double> = try images.inputs([index])
        let label = images.labels[index]
        let scores = try net.scores(x.elements)
        let target = self.target ?? (0..<net.classCount).filter { $0 != label }.max { scores[$0] < scores[$1] }!
        guard target != label, (0..<net.classCount).contains(target) else {
            throw CommandError("--target must be a class other than the label \(label)")
        }
        let center = x.elements
        let bounds = try IntervalBounds(network: net, center: center, epsilon: eps)
        let interval = bounds.marginUpperBounds(network: net, label: label)[target]
        let lp = try LPCertifier().certify(network: net, center: center, label: label, epsilon: eps).bounds[target]!
        print("\(net.name), test image \(index) (label \(label)), target \(target), ε = \(eps)")
        func row(_ name: String, _ bound: Double, _ seconds: Double?) -> String {
            name.padding(toLength: 28, withPad: " ", startingAt: 0) + String(format: " %12.5f", bound)
                + (seconds.map { String(format: " %10.1f", $0) } ?? "          -")
        }
        print("method".padding(toLength: 28, withPad: " ", startingAt: 0) + "        bound    seconds")
        print(row("interval", interval, nil))
        print(row("lp", lp, nil))
        var reference: (bound: Double, seconds: Double)? = nil
        if !skipCsdp {
            let start = Date()
            let csdp = try CSDPCertifier().certifyTarget(network: net, center: center, label: label, target: target, epsilon: eps)
            reference = (csdp, Date().timeIntervalSince(start))
            print(row("sdp-csdp", csdp, reference!.seconds))
        }
        if ipm {
            let start = Date()
            let (bound, primal, code) = try CSDPCertifier(backend: .interiorPoint, maxIterations: ipmIterations)
                .referenceTarget(network: net, center: center, label: label, target: target, epsilon: eps)
            let seconds = Date().timeIntervalSince(start)
            if reference == nil { reference = (bound, seconds) }
            print(row("sdp-ipm", bound, seconds) + String(format: "   primal value %.5f, %@", primal,
                code == 0 ? "solved" : code == 3 ? "partial (within 1000x the tolerance)" : "not converged"))
        }
        let runs: [(name: String, solver: SDPCertifier)] = budgets.split(separator: ",").compactMap { Int($0) }.map { budget in
            var solver = SDPCertifier(
                iterations: budget, learningRate: learningRate, rank: rank, sweeps: sweeps, polishIterations: polishIterations)
            solver.polishSeconds = polishSeconds
            solver.polishSweeps = polishSweeps
            solver.polishRounds = polishRounds
            solver.polish = polish
            solver.polishOuterIterations = polishOuterIterations
            solver.bundleEvaluations = bundleEvaluations
            solver.bundleSweeps = bundleSweeps
            solver.extensionIterations = extendIterations
            solver.extendBelow = extendBelow
            return ("sdp (\(budget) iterations)", solver)
        }
        var measurements: [Measurement] = []
        for (name, solver) in runs {
            let start = Date()
            let bound = try solver
                .certifyTarget(network: net, center: center, label: label, target: target, epsilon: eps, stopWhenCertified: false)
            let seconds = Date().timeIntervalSince(start)
            var line = row(name, bound, seconds)
            if let reference {
                line += String(format: "   gap to the interior point %.4f, %.1f× faster", bound - reference.bound, reference.seconds / seconds)
            }
            print(line)
            measurements.append(Measurement(
                index: index, target: target, budget: solver.iterations, bound: bound, seconds: seconds, reference: reference))
        }
        return measurements
    }
}

extension SDPCertifier.Polish: ExpressibleByArgument {}
