import ArgumentParser
import Certifiers
import Datasets
import Foundation
import LinearAlgebra
import Networks

/// `experiments attack-gap`: paper 2's Figures 5b and 5c, problem (A) through (B) at finite ρ.
struct AttackGapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack-gap",
        abstract: "Figures 5b–c of paper 2: problem (A) through (B) at finite ρ; relaxation vs actual distance and feasibility.",
        discussion: """
            On the network of experiments.attack-gap (default dense-1) and verification images 0 … n−1: \
            with i the class predicted at x̂ and j the target (default: the runner-up class), w = W_Lᵀ(e_i − e_j), \
            b = b_L[i] − b_L[j] and, for each ρ of the grid, ẑ = −w (b/‖w‖² + ρ/‖w‖) (a ball of radius ρ \
            touching the decision boundary), solves problem (B)'s relaxation by CSDP. Figure 5b compares \
            the relaxation's distance √(tr X − 2⟨x, x̂⟩ + ‖x̂‖²) with the actual ‖x − x̂‖ of its x; Figure 5c \
            the predicted ⟨w, z⟩ + b with the actual ⟨w, f(x)⟩ + b (< 0: x is an attack that flips i to j). \
            Each ρ is marked tight (rank 1), loose or infeasible. Writes OUT/attack-gap-5b.svg, \
            attack-gap-5c.svg (+ .png; the first instance), attack-gap.csv (every instance) and attack-gap.md.

            Examples:
              experiments attack-gap
              experiments attack-gap --instances 5
            """)

    @OptionGroup var options: PaperTwoOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let config = try options.prepare(data)
        let settings = config.attackGap
        let radii = settings.radii.values
        guard let entry = config.network(named: settings.network) else {
            throw CommandError("attack-gap: no network '\(settings.network)' in \(data.config) (known: \(config.networks.map(\.name).joined(separator: ", ")))")
        }
        let mnist = MNIST(directory: try data.mnistDirectory())
        let (prepared, note) = try prepareSubject(
            entry, config: config, mnist: mnist, mayTrain: !(options.noTrain || options.renderOnly),
            workers: ProcessInfo.processInfo.activeProcessorCount)
        guard let subject = prepared else { throw CommandError("attack-gap: network '\(settings.network)' is \(note ?? "unavailable")") }
        let network = subject.network
        let variant = try MNISTVariant(inputShape: network.inputShape, networkName: settings.network)
        let images = try variant.images(mnist, split: .verification)
        let n = min(options.instances ?? settings.instances, images.count)
        let store = try ResultStore(path: options.storePath)
        let interruption = Interruption()
        interruption.install()

        var instances: [(index: Int, label: Int, from: Int, to: Int, key: (Double) -> ResultKey)] = []
        var jobs: [LeastSquaresJob] = []
        for i in 0..<n {
            let center = try images.inputs([i], as: Double.self).elements
            let scores = try network.scores(center)
            let from = argmax(scores)
            let to = settings.target ?? scores.indices.filter { $0 != from }.max { scores[$0] < scores[$1] }!
            guard to != from, (0..<scores.count).contains(to) else {
                throw CommandError("attack-gap: target class \(to) must differ from the predicted class \(from) of verification image \(i)")
            }
            let key = { (rho: Double) in
                ResultKey(networkHash: subject.hash, method: "attack-gap", options: "from=\(from),to=\(to),solver=csdp",
                          eps: rho, split: Split.verification.rawValue)
            }
            instances.append((i, images.labels[i], from, to, key))
            // w and b depend on the two classes only, not on ρ.
            let (_, w, b) = try LeastSquaresProblem.attack(network: network, center: center, label: from, target: to, radius: 1)
            for rho in radii {
                jobs.append(LeastSquaresJob(
                    key: key(rho), network: settings.network, instance: i, label: images.labels[i], predicted: to, solver: .csdp,
                    make: { try LeastSquaresProblem.attack(network: network, center: center, label: from, target: to, radius: rho).problem },
                    describe: { _, solution in
                        let scoresAtX = try network.scores(solution.x)
                        return [
                            "predicted": zip(w, solution.output).reduce(b) { $0 + $1.0 * $1.1 },
                            "actual": scoresAtX[from] - scoresAtX[to],
                        ]
                    }))
            }
        }
        if !options.renderOnly {
            _ = try runLeastSquaresJobs(options.shard.select(jobs), store: store, label: "attack-gap", interruption: interruption)
        }
        try render(instances.map { ($0.index, $0.label, $0.from, $0.to, $0.key) }, radii: radii, store: store)
        if interruption.requested { throw ExitCode(130) }
    }

    /// Tight (rank 1), loose, or infeasible.
    private static func kind(_ row: ResultRow) -> String {
        row.status == "infeasible" ? "infeasible" : (row.certified ? "tight" : "loose")
    }

    private func render(
        _ instances: [(index: Int, label: Int, from: Int, to: Int, key: (Double) -> ResultKey)], radii: [Double], store: ResultStore
    ) throws {
        var csv = ["instance,label,from,to,rho,kind,status,relaxation_distance,actual_distance,predicted,actual,attack_succeeds,rank_ratio,seconds,rank1_certificate"]
        var md = ["Figures 5b–c (paper 2): problem (A) through (B) at finite ρ.", ""]
        for (n, inst) in instances.enumerated() {
            var rows: [(rho: Double, row: ResultRow, d: [String: Double])] = []
            for rho in radii { if let r = try store.rows(inst.key(rho))[inst.index] { rows.append((rho, r, detailNumbers(r))) } }
            for (rho, r, d) in rows {
                let feasible = r.status != "infeasible"
                let text = { (k: String) in feasible ? d[k].map { "\($0)" } ?? "" : "" }
                csv.append([
                    "\(inst.index)", "\(inst.label)", "\(inst.from)", "\(inst.to)", "\(rho)", Self.kind(r), r.status,
                    feasible ? "\(max(r.value, 0).squareRoot())" : "", text("distance"), text("predicted"), text("actual"),
                    feasible ? "\((d["actual"] ?? 0) < 0)" : "", text("rank_ratio"), String(format: "%.3f", r.seconds), text("rank1_certificate"),
                ].joined(separator: ","))
            }
            md.append("verification image \(inst.index) (label \(inst.label)), class \(inst.from) → \(inst.to): " + summary(rows.map { ($0.rho, Self.kind($0.row), ($0.d["actual"] ?? 0) < 0, $0.d["rank1_certificate"] == 1) }))
            if n == 0, !rows.isEmpty { try plot(inst, rows) }
        }
        let base = try options.output("attack-gap")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        try atomicWrite(md.joined(separator: "\n") + "\n", to: base + ".md")
        print(md.joined(separator: "\n"))
        print("wrote \(base).csv, .md, attack-gap-5b.svg, attack-gap-5c.svg (+ .png when rsvg-convert is present)")
    }

    /// `tight for ρ in [0.07, 0.4] and [60, 1000]; loose …; the attack flips the class for …; the
    /// rank-1 certificate certifies ρ in …`.
    private func summary(_ rows: [(rho: Double, kind: String, flips: Bool, certified: Bool)]) -> String {
        func ranges(_ keep: (Int) -> Bool) -> String {
            var parts: [String] = [], start: Int?
            for k in 0...rows.count {
                if k < rows.count, keep(k) { if start == nil { start = k } } else if let s = start {
                    parts.append(s == k - 1 ? String(format: "%g", rows[s].rho) : String(format: "[%g, %g]", rows[s].rho, rows[k - 1].rho))
                    start = nil
                }
            }
            return parts.isEmpty ? "none" : parts.joined(separator: ", ")
        }
        return ["tight", "loose", "infeasible"].map { kind in "\(kind) for ρ in \(ranges { rows[$0].kind == kind })" }
            .joined(separator: "; ") + "; the relaxation's x flips the class for ρ in \(ranges { rows[$0].kind != "infeasible" && rows[$0].flips })"
            + "; the rank-1 certificate (rigorous, closed form) certifies ρ in \(ranges { rows[$0].certified })."
    }

    private func plot(
        _ inst: (index: Int, label: Int, from: Int, to: Int, key: (Double) -> ResultKey),
        _ rows: [(rho: Double, row: ResultRow, d: [String: Double])]
    ) throws {
        let feasible = rows.filter { $0.row.status != "infeasible" }
        let infeasible = rows.filter { $0.row.status == "infeasible" }.map(\.rho)
        let what = "verification image \(inst.index), class \(inst.from) → \(inst.to)"
        var notes = ["tight = rank 1 (λ₁/λ₂ > 10³), loose otherwise"]
        if !infeasible.isEmpty {
            notes.append(String(format: "relaxation infeasible for %d radii (ρ ≤ %g): ẑ cannot be reached", infeasible.count, infeasible.max()!))
        }
        func marks(_ value: (Double, [String: Double], ResultRow) -> Double) -> [SVGPlot.Series] {
            [("tight", SVGPlot.palette[2]), ("loose", SVGPlot.palette[3])].map { kind, color in
                .init(label: "relaxation \(kind)", points: feasible.filter { Self.kind($0.row) == kind }.map { ($0.rho, value($0.rho, $0.d, $0.row)) },
                      style: .markers, color: color)
            }.filter { !$0.points.isEmpty }
        }
        let relaxation = { (_: Double, _: [String: Double], r: ResultRow) in max(r.value, 0).squareRoot() }
        var b = SVGPlot(
            title: "Figure 5b: relaxation objective vs actual distance (\(what))", xLabel: "radius ρ", yLabel: "distance to x̂",
            xScale: .log)
        b.series = [
            .init(label: "relaxation √(tr X − 2⟨x, x̂⟩ + ‖x̂‖²)", points: feasible.map { ($0.rho, relaxation($0.rho, $0.d, $0.row)) },
                  style: .line(dashed: false), color: SVGPlot.palette[0]),
            .init(label: "actual ‖x − x̂‖", points: feasible.map { ($0.rho, $0.d["distance"] ?? .nan) }, style: .line(dashed: true), color: SVGPlot.palette[1]),
        ] + marks(relaxation)
        b.notes = notes
        _ = try b.write(to: try options.output("attack-gap-5b"))
        var c = SVGPlot(
            title: "Figure 5c: predicted vs actual feasibility (\(what))", xLabel: "radius ρ",
            yLabel: "⟨w, ·⟩ + b  (< 0: class \(inst.to) wins)", xScale: .log)
        c.series = [
            .init(label: "predicted ⟨w, z⟩ + b", points: feasible.map { ($0.rho, $0.d["predicted"] ?? .nan) }, style: .line(dashed: false), color: SVGPlot.palette[0]),
            .init(label: "actual ⟨w, f(x)⟩ + b", points: feasible.map { ($0.rho, $0.d["actual"] ?? .nan) }, style: .line(dashed: true), color: SVGPlot.palette[1]),
            .init(label: "", points: feasible.map { ($0.rho, 0) }, style: .line(dashed: true), color: "#888888"),
        ] + marks { _, d, _ in d["predicted"] ?? .nan }
        c.notes = notes
        _ = try c.write(to: try options.output("attack-gap-5c"))
    }
}
