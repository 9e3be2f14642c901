import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra

/// `experiments rank1`: paper 2's Figure 5a, how often problem (B)'s relaxation is rank 1.
struct Rank1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rank1",
        abstract: "Figure 5a of paper 2: the fraction of rank-1 (tight) solutions of problem (B)'s SDP relaxation vs ρ.",
        discussion: """
            For each series of experiments.rank1 (a network, the first k hidden layers, a solver) and each \
            radius ρ of the grid, solves problem (B)'s relaxation on instances i = 1 … n: x̂ = verification \
            image i, ẑ = f_k(verification image i − 1). A solution counts as rank 1 when λ₁/λ₂ > 10³ (CSDP's \
            interior point converges to a maximum-rank solution, so rank 1 means tight; BM2 reports rank 1 \
            when its w = 0 and it ends optimal). A BM2 solve stops after 60 s unless its series sets \
            time-limit (seconds; rows of another budget are stored apart). Every solve is committed to the \
            store as it finishes; a rerun resumes. Writes OUT/rank1.svg (+ .png), rank1.csv (one row per \
            series and ρ) and rank1.md.

            Examples:
              experiments rank1 --instances 5
              experiments rank1 --render-only
            """)

    @OptionGroup var options: PaperTwoOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let config = try options.prepare(data)
        let settings = config.rank1
        let radii = settings.radii.values
        let mnist = MNIST(directory: try data.mnistDirectory())
        let store = try ResultStore(path: options.storePath)
        let interruption = Interruption()
        interruption.install()
        var lines: [(series: Rank1Config.Series, key: (Double) -> ResultKey, instances: Int)] = []
        var notes: [String] = []
        for series in settings.series {
            guard let entry = config.network(named: series.network) else {
                notes.append("\(series.label): no network '\(series.network)' in \(data.config)")
                continue
            }
            let (prepared, note) = try prepareSubject(
                entry, config: config, mnist: mnist, mayTrain: !(options.noTrain || options.renderOnly),
                workers: ProcessInfo.processInfo.activeProcessorCount)
            guard let subject = prepared else {
                notes.append("\(series.label): \(note ?? "unavailable")")
                continue
            }
            let hidden = subject.network.layers.count - 1
            guard (1...max(hidden, 1)).contains(series.layers), series.layers <= hidden else {
                throw CommandError("rank1: \(series.network) has \(hidden) hidden layers, the series asks for k = \(series.layers)")
            }
            let n = min(options.instances ?? series.instances ?? settings.instances, MNIST.verificationCount - 1)
            let variant = try MNISTVariant(inputShape: subject.network.inputShape, networkName: series.network)
            let images = try variant.images(mnist, split: .verification)
            let method = "rank1", opts = Self.options(series)
            let key = { (rho: Double) in
                ResultKey(networkHash: subject.hash, method: method, options: opts, eps: rho, split: Split.verification.rawValue)
            }
            lines.append((series, key, n))
            if options.renderOnly { continue }
            let network = subject.network, layers = series.layers
            var jobs: [LeastSquaresJob] = []
            for rho in radii {
                for i in 1...n {
                    jobs.append(LeastSquaresJob(
                        key: key(rho), network: series.network, instance: i, label: images.labels[i], predicted: -1,
                        solver: series.solver, bm2: BM2Options(timeLimit: series.timeLimit),
                        make: {
                            let center = try images.inputs([i], as: Double.self).elements
                            let previous = try images.inputs([i - 1], as: Double.self).elements
                            return try LeastSquaresProblem.instance(
                                network: network, layers: layers, center: center, previous: previous, radius: rho)
                        },
                        describe: { problem, _ in
                            ["target_gap": try problem.evaluate(problem.center).residual]  // Corollary 2.3: rank 1 when ρ ≥ this
                        }))
                }
            }
            if interruption.requested { break }
            _ = try runLeastSquaresJobs(options.shard.select(jobs), store: store, label: "rank1 \(series.label)", interruption: interruption)
        }
        try render(lines, radii: radii, store: store, notes: notes)
        if interruption.requested { throw ExitCode(130) }
    }

    /// A series' store options: `layers=k,solver=s`, plus `,time-limit=T` when a BM2 series sets a
    /// time limit other than the default (so rows of different budgets never mix).
    static func options(_ series: Rank1Config.Series) -> String {
        let base = "layers=\(series.layers),solver=\(series.solver.rawValue)"
        guard let limit = series.timeLimit, limit != bm2DefaultTimeLimit else { return base }
        return base + ",time-limit=\(limit)"
    }

    private func render(
        _ lines: [(series: Rank1Config.Series, key: (Double) -> ResultKey, instances: Int)], radii: [Double],
        store: ResultStore, notes: [String]
    ) throws {
        var csv = ["network,layers,solver,rho,instances,rank1,fraction,inaccurate,mean_seconds,max_seconds"]
        var md = [
            "Figure 5a (paper 2): fraction of instances whose relaxation of problem (B) is rank 1 (λ₁/λ₂ > 10³).", "",
            "| series | instances | " + radii.map { String(format: "ρ = %g", $0) }.joined(separator: " | ") + " | s per solve |",
            "|---|---|" + radii.map { _ in "---|" }.joined() + "---|",
        ]
        var plot = SVGPlot(
            title: "Figure 5a: rank-1 solutions of problem (B)'s SDP relaxation", xLabel: "radius ρ of ‖f(x) − ẑ‖ ≤ ρ",
            yLabel: "rank-1 instances (%)", xScale: .log)
        var failed: [(x: Double, y: Double)] = []
        var checks: [String] = []
        for (s, line) in lines.enumerated() {
            var points: [(x: Double, y: Double)] = []
            var cells: [String] = []
            var allSeconds: [Double] = []
            // The rank-1 certificate's view of the rank verdicts (one-layer interior-point rows).
            var agreement = (confirmed: 0, rankOne: 0, refused: 0, others: 0)
            // Interior-point answers whose objective gap exceeds 1e-5 (their stopping rule measures
            // the complementarity gap): count, largest gap, largest ρ and the range of λ₁/λ₂ among them.
            var imprecise = (count: 0, gap: 0.0, rho: 0.0, ratios: (low: Double.infinity, high: 0.0))
            // Failed solves (not `optimal`): count, the range of λ₁/λ₂ at their last iterates and
            // how many of those are above 10³ (what the rank test would say of an unconverged point).
            var unfinished = (count: 0, low: Double.infinity, high: 0.0, above: 0)
            for rho in radii {
                let rows = try store.rows(line.key(rho)).filter { (1...line.instances).contains($0.key) }.map(\.value)
                guard !rows.isEmpty else { cells.append("–"); continue }
                for row in rows {
                    let numbers = detailNumbers(row)
                    if row.status != "optimal", let ratio = numbers["rank_ratio"], !ratio.isNaN {
                        unfinished = (unfinished.count + 1, min(unfinished.low, ratio), max(unfinished.high, ratio),
                                      unfinished.above + (ratio > LeastSquaresSolution.rankOneThreshold ? 1 : 0))
                    }
                    if let gap = numbers["objective_gap"], gap > 1e-5 {
                        let ratio = numbers["rank_ratio"] ?? .nan
                        imprecise = (imprecise.count + 1, max(imprecise.gap, gap), max(imprecise.rho, rho),
                                 (min(imprecise.ratios.low, ratio), max(imprecise.ratios.high, ratio)))
                    }
                    guard let check = numbers["rank1_certificate"] else { continue }
                    if row.certified {
                        agreement.rankOne += 1
                        if check == 1 { agreement.confirmed += 1 }
                    } else {
                        agreement.others += 1
                        if check == 0 { agreement.refused += 1 }
                    }
                }
                let ones = rows.filter(\.certified).count
                let inaccurate = rows.filter { $0.status != "optimal" }.count
                let seconds = rows.map(\.seconds)
                allSeconds += seconds
                let fraction = Double(ones) / Double(rows.count)
                if inaccurate == rows.count { failed.append((rho, 0)) } else { points.append((rho, 100 * fraction)) }
                var cell = String(format: "%.0f %%", 100 * fraction)
                if rows.count < line.instances { cell += " of \(rows.count)" }
                if inaccurate > 0 { cell += " (\(inaccurate) failed)" }
                cells.append(cell)
                csv.append([
                    line.series.network, "\(line.series.layers)", line.series.solver.rawValue, "\(rho)", "\(rows.count)", "\(ones)",
                    "\(fraction)", "\(inaccurate)", String(format: "%.3f", seconds.reduce(0, +) / Double(seconds.count)),
                    String(format: "%.3f", seconds.max() ?? 0),
                ].joined(separator: ","))
            }
            let meanSeconds = allSeconds.isEmpty ? "–" : String(format: "%.2f", allSeconds.reduce(0, +) / Double(allSeconds.count))
            md.append("| \(line.series.label) | \(line.instances) | " + cells.joined(separator: " | ") + " | \(meanSeconds) |")
            if imprecise.count > 0 {
                checks.append(String(
                    format: "%@: %d solves end with the objective gap |pobj − dobj| above 1e-5 (at most %.1e, at ρ ≤ %g; λ₁/λ₂ %.3g–%.3g among them): their L_lb² is that uncertain",
                    line.series.label, imprecise.count, imprecise.gap, imprecise.rho, imprecise.ratios.low, imprecise.ratios.high))
            }
            if unfinished.count > 0 {
                checks.append(String(
                    format: "%@: the %d failed solves (counted as not rank 1) end at last iterates with λ₁/λ₂ %.3g–%.3g, %d of them above 10³: what the rank test would say of points that are not optimal",
                    line.series.label, unfinished.count, unfinished.low, unfinished.high, unfinished.above))
            }
            if agreement.rankOne + agreement.others > 0 {
                checks.append("\(line.series.label): the rank-1 certificate (rigorous, closed form) certifies \(agreement.confirmed) of the \(agreement.rankOne) rank-1 answers and refuses \(agreement.refused) of the \(agreement.others) others")
            }
            if !points.isEmpty {
                plot.series.append(.init(
                    label: line.series.label, points: points, style: .line(dashed: line.series.solver == .bm2),
                    color: SVGPlot.palette[s % SVGPlot.palette.count]))
                plot.series.append(.init(label: "", points: points, style: .markers, color: SVGPlot.palette[s % SVGPlot.palette.count]))
            }
        }
        if !failed.isEmpty {
            plot.series.append(.init(label: "all solves failed", points: failed, style: .markers, color: "#888888"))
        }
        plot.notes = [
            "x̂ = verification image i, ẑ = f_k(image i − 1); paper: 1000 instances per point",
            "a failed solve counts as not rank 1; points where all failed are grey",
        ]
        md += [""] + (notes + checks).map { "- \($0)" }
        let base = try options.output("rank1")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        try atomicWrite(md.joined(separator: "\n") + "\n", to: base + ".md")
        let files = plot.series.isEmpty ? [] : try plot.write(to: base)
        print(md.joined(separator: "\n"))
        print("wrote \(base).csv, .md" + files.map { ", " + ($0 as NSString).lastPathComponent }.joined())
    }
}
