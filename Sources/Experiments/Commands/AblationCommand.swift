import ArgumentParser
import Datasets
import Foundation

/// `experiments ablation`: paper 1's §6 remark, SDP-cert without the hidden layers' box
/// constraints beside the full SDP.
struct AblationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ablation",
        abstract: "Paper 1's ablation: SDP-cert without the hidden layers' box constraints, beside the full SDP.",
        discussion: """
            Paper 1 (§6, Remark): dropping the constraints P[x x] ≤ (l + u) P[x] − l u that relate the \
            linear and quadratic terms of the hidden layers gives vacuous certificates (> 90 % not \
            certified). On the points of experiments.table1 (same ε and seed) for one network (default \
            PGD-NN) this runs PGD and the full SDP-cert where the store lacks them (the rows table1 \
            uses), and the ablated SDP by the structured interior point (sdp-ablation: the input box \
            only, targets hardest first, a point stops at its first uncertified target). Its bound is \
            still sound for the network. The interior point takes minutes per target on PGD-NN, so the \
            default is 10 points (--points for more). Writes OUT/ablation.md, .csv and .json.

            Examples:
              experiments ablation
              experiments ablation --points 3 --out /tmp/ablation
            """)

    @Option(help: "A network of experiments.yaml.") var network = "PGD-NN"
    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        var (config, settings) = try options.prepare(data)
        if options.points == nil { settings.points = min(settings.points, 10) }
        let run = try SingleNetworkRun(command: "ablation", network: network, config: config, settings: settings, options: options, data: data)
        let all = run.all, interruption = run.interruption
        let methods: [ComparisonMethod] = [.pgd, .sdp, .sdpAblation]
        let toRun = Set(try options.methodList() ?? methods)
        var rows: [Table1Report.Row] = []
        var csv = ["point,label,pgd_robust,sdp_certified,ablation_certified,ablation_bound"]
        var stored: [ComparisonMethod: [Int: ResultRow]] = [:]
        for m in methods {
            if !options.renderOnly, !interruption.requested, toRun.contains(m) { try run.run(m) }
            let byPoint = try run.rows(m)
            stored[m] = byPoint
            let finished = all.compactMap { byPoint[$0] }
            var cell = Table1Report.Cell(
                network: network, notCertified: nil, done: finished.count, total: all.count,
                seconds: finished.reduce(0) { $0 + $1.seconds }, paper: m == .pgd || m == .sdp ? Table1Report.paper[m.rawValue]?[network] : nil,
                note: nil)
            if !finished.isEmpty { cell.notCertified = Double(finished.filter { !$0.certified }.count) / Double(finished.count) }
            rows.append(.init(method: m.rawValue, cells: [cell]))
        }
        for index in all {
            guard let a = stored[.pgd]?[index] else { continue }
            let s = stored[.sdp]?[index], b = stored[.sdpAblation]?[index]
            func flag(_ r: ResultRow?) -> String { r.map { $0.certified ? "true" : "false" } ?? "" }
            let bound = b.flatMap { $0.value.isFinite ? "\($0.value)" : nil } ?? ""
            csv.append("\(index),\(a.label),\(a.certified),\(flag(s)),\(flag(b)),\(bound)")
        }
        let report = Table1Report(
            eps: settings.eps, points: settings.points, seed: settings.seed, split: settings.split.rawValue,
            networks: [network], rows: rows)
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let base = (options.out as NSString).appendingPathComponent("ablation")
        let remark = "\nPaper 1 (§6, Remark): without the hidden layers' box constraints the SDP gives vacuous certificates (> 90 % not certified).\n"
        try atomicWrite(report.markdown() + remark, to: base + ".md")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        try atomicWrite(try report.json(), to: base + ".json")
        print(report.markdown() + remark)
        print("wrote \(base).md, .csv, .json (store: \(options.storePath))")
        if interruption.requested { throw ExitCode(130) }
    }
}
