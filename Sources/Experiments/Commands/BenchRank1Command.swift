import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra

/// `experiments bench-rank1`: seconds per instance of problem (B)'s relaxation, solver against
/// solver on the same Figure 5a instances, with the objectives and rank verdicts side by side.
struct BenchRank1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-rank1",
        abstract: "Time problem (B)'s relaxation per instance: CSDP vs the structured interior point (vs BM2).",
        discussion: """
            Solves the Figure 5a instances (x̂ = verification image i, ẑ = f_k(image i − 1)) of one network \
            for each k of --layers with every solver of --solvers, one after the other on one BLAS thread, \
            and prints per instance the seconds, the objective L_lb², λ₁/λ₂ and the status, then the mean \
            seconds per solver and k beside paper 2's (MOSEK: 5–20 min per dense-3 instance; BM2 on the \
            CNN: 15–60 min). Nothing is stored.

            Examples:
              experiments bench-rank1
              experiments bench-rank1 --layers 3 --instances 5 --radius 0.3
              experiments bench-rank1 --network CNN --layers 1 --solvers bm2 --instances 1
              experiments bench-rank1 --network CNN --layers 1 --solvers bm2 --first 8 --instances 1 --radius 0.0316
            """)

    @Option(help: ArgumentHelp("Network name in the configuration.", valueName: "name"))
    var network = "dense-3"
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Numbers of hidden layers k.", valueName: "k"))
    var layers: [Int] = [1, 2, 3]
    @Option(parsing: .upToNextOption, help: ArgumentHelp("Solvers: csdp, ipm, bm2.", valueName: "solver"))
    var solvers: [String] = ["csdp", "ipm"]
    @Option(help: ArgumentHelp("Number of instances n.", valueName: "n")) var instances = 3
    @Option(help: ArgumentHelp("The first instance i (instances i … i + n − 1).", valueName: "i")) var first = 1
    @Option(help: ArgumentHelp("The radius ρ.", valueName: "rho")) var radius = 1.0
    @Option(help: ArgumentHelp(
        "BM2: factor columns to start with (2 is BM2; more reach SDP solutions of higher rank at once).", valueName: "r"))
    var bm2Rank: Int?
    @Option(help: ArgumentHelp(
        "BM2: factor columns at most (escapes add columns from --bm2-rank up to this; default 5, as in rank1).", valueName: "r"))
    var bm2MaxRank: Int?
    @Option(help: ArgumentHelp(
        "BM2: exact (dense) second-order check up to this lifted dimension instead of the Lanczos estimate.", valueName: "n"))
    var bm2DenseDimension: Int?
    @Option(help: ArgumentHelp(
        "BM2: Lanczos steps per estimate of the dual slack's λ_min (default 80; more are slower and more accurate).",
        valueName: "n"))
    var bm2LanczosSteps: Int?
    @Flag(help: "BM2 over one layer: plain L-BFGS inner solves, without the Gauss–Newton preconditioner (for comparison).")
    var bm2PlainLbfgs = false
    @Option(help: ArgumentHelp("BM2: seconds per solve (default 60, as in rank1).", valueName: "seconds"))
    var bm2TimeLimit: Double?
    @OptionGroup var data: DataOptions

    /// The BM2 settings these options choose.
    var bm2Options: BM2Options {
        BM2Options(rank: bm2Rank, maxRank: bm2MaxRank, denseDimension: bm2DenseDimension, lanczosSteps: bm2LanczosSteps,
                   preconditioned: !bm2PlainLbfgs, timeLimit: bm2TimeLimit)
    }

    func validate() throws {
        if instances <= 0 { throw ValidationError("--instances must be positive, got \(instances)") }
        if first <= 0 { throw ValidationError("--first must be positive, got \(first)") }
        if !(radius > 0) { throw ValidationError("--radius must be positive, got \(radius)") }
        if let bm2Rank, bm2Rank < 2 { throw ValidationError("--bm2-rank must be at least 2, got \(bm2Rank)") }
        if let bm2MaxRank, bm2MaxRank < (bm2Rank ?? 2) {
            throw ValidationError("--bm2-max-rank must be at least --bm2-rank (\(bm2Rank ?? 2)), got \(bm2MaxRank)")
        }
        if let bm2TimeLimit, !(bm2TimeLimit > 0) {
            throw ValidationError("--bm2-time-limit must be a positive number of seconds, got \(bm2TimeLimit)")
        }
        if let bm2LanczosSteps, bm2LanczosSteps <= 0 {
            throw ValidationError("--bm2-lanczos-steps must be positive, got \(bm2LanczosSteps)")
        }
        if layers.isEmpty || layers.contains(where: { $0 <= 0 }) { throw ValidationError("--layers must be positive, got \(layers)") }
        for s in solvers where LeastSquaresSolver(rawValue: s) == nil {
            throw ValidationError("--solvers: unknown solver '\(s)' (known: \(LeastSquaresSolver.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
    }

    func run() throws {
        BLASThreads.count = 1
        let config = try ExperimentsConfig.load(path: data.config)
        guard let entry = config.network(named: network) else {
            throw CommandError("bench-rank1: no network '\(network)' in \(data.config)")
        }
        let mnist = MNIST(directory: try data.mnistDirectory())
        let (prepared, note) = try prepareSubject(entry, config: config, mnist: mnist, mayTrain: false, workers: 1)
        guard let subject = prepared else { throw CommandError("bench-rank1: \(note ?? "\(network) unavailable")") }
        let images = try MNISTVariant(inputShape: subject.network.inputShape, networkName: network)
            .images(mnist, split: .verification)
        let chosen = solvers.compactMap(LeastSquaresSolver.init(rawValue:))
        print("bench-rank1: \(network) (\(subject.network.architecture)), ρ = \(radius), instances \(first)…\(first + instances - 1), one BLAS thread")
        print("k  instance  solver  seconds  cpu s    objective L²       λ₁/λ₂      status")
        var totals: [String: (seconds: Double, cpu: Double, count: Int)] = [:]
        var objectives: [String: [Double]] = [:]
        for k in layers {
            for i in first..<first + instances {
                let center = try images.inputs([i], as: Double.self).elements
                let previous = try images.inputs([i - 1], as: Double.self).elements
                let problem = try LeastSquaresProblem.instance(
                    network: subject.network, layers: k, center: center, previous: previous, radius: radius)
                for solver in chosen {
                    let cpuStart = clock()
                    let s = try solveLeastSquares(problem, solver: solver, bm2: bm2Options)
                    let cpu = Double(clock() - cpuStart) / Double(CLOCKS_PER_SEC)
                    // BM2: the duality gap its certificate bounds (estimate; rigorous λ_min where computed).
                    let gaps = s.stationarity.map { st in
                        String(format: "  gap %.1e", st.dualGap ?? .nan) + (st.rigorousDualGap.map { String(format: " (rigorous %.1e)", $0) } ?? "")
                    } ?? ""
                    print(String(format: "%d  %8d  %-6@  %7.2f  %7.2f  %-16.10g  %-9.3g  %@", k, i, solver.rawValue, s.seconds,
                                 cpu, s.objective, s.rankRatio, s.status.rawValue) + gaps)
                    totals["\(k) \(solver.rawValue)", default: (0, 0, 0)].seconds += s.seconds
                    totals["\(k) \(solver.rawValue)", default: (0, 0, 0)].cpu += cpu
                    totals["\(k) \(solver.rawValue)", default: (0, 0, 0)].count += 1
                    if s.status == .optimal { objectives["\(k) \(i)", default: []].append(s.objective) }
                }
            }
        }
        print("\nmean wall-clock / CPU seconds per instance (paper 2: 5–20 min with MOSEK for dense-3, 15–60 min with BM2 for the CNN):")
        print("k  " + chosen.map { $0.rawValue.padding(toLength: 14, withPad: " ", startingAt: 0) }.joined())
        for k in layers {
            let cells = chosen.map { solver -> String in
                let t = totals["\(k) \(solver.rawValue)"] ?? (0, 0, 1)
                let n = Double(max(t.count, 1))
                return String(format: "%.2f / %.2f", t.seconds / n, t.cpu / n).padding(toLength: 14, withPad: " ", startingAt: 0)
            }
            print("\(k)  " + cells.joined())
        }
        let spreads = objectives.values.filter { $0.count > 1 }.map { v in
            (v.max()! - v.min()!) / max(1, abs(v[0]))
        }
        if let worst = spreads.max() {
            print(String(format: "largest relative difference between solvers' objectives (both optimal): %.2e over %d instances", worst, spreads.count))
        }
    }
}
