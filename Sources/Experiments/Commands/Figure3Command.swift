import ArgumentParser
import Datasets
import Foundation
import LinearAlgebra

/// `experiments figure3`: paper 1's Figure 3, PGD margins of SDP-certified vs not-certified points.
struct Figure3Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figure3",
        abstract: "Figure 3 of paper 1: histograms of the PGD margin for SDP-certified and not-certified points.",
        discussion: """
            On the points of experiments.table1 (same ε, points and seed) for one network (default PGD-NN): \
            runs PGD and SDP-cert where the store lacks them (the same rows table1 uses), then plots the \
            PGD margin min_{y≠ȳ} f(x_PGD)_ȳ − f(x_PGD)_y of the points the attack does not break, split by \
            whether SDP-cert certifies them, with the two means (paper: 4.5 and 1.2). Writes \
            OUT/figure3.svg (+ .png) and figure3.csv.

            Examples:
              experiments figure3
              experiments figure3 --points 40 --render-only
            """)

    @Option(help: "A network of experiments.yaml.") var network = "PGD-NN"
    @OptionGroup var options: RunOptions
    @OptionGroup var data: DataOptions

    func run() throws {
        let (config, settings) = try options.prepare(data)
        let run = try SingleNetworkRun(command: "figure3", network: network, config: config, settings: settings, options: options, data: data)
        if !options.renderOnly {
            for m in [ComparisonMethod.pgd, .sdp] where !run.interruption.requested { try run.run(m) }
        }
        let all = run.all, interruption = run.interruption
        let attacks = try run.rows(.pgd)
        let sdp = try run.rows(.sdp)
        var certified: [Double] = [], uncertified: [Double] = []
        var csv = ["point,label,pgd_margin,sdp_certified,sdp_max_bound"]
        for index in all {
            guard let a = attacks[index], a.certified, let s = sdp[index] else { continue }
            (s.certified ? { certified.append(a.value) } : { uncertified.append(a.value) })()
            csv.append("\(index),\(a.label),\(a.value),\(s.certified),\(s.value.isFinite ? "\(s.value)" : "")")
        }
        guard !(certified.isEmpty && uncertified.isEmpty) else {
            throw CommandError("figure3: the store has no PGD and SDP rows for \(network) on these points yet")
        }
        let mean = { (v: [Double]) in v.isEmpty ? Double.nan : v.reduce(0, +) / Double(v.count) }
        let all2 = certified + uncertified
        let lo = 0.0, hi = (all2.max() ?? 1) * 1.05
        let bins = 20
        let width = (hi - lo) / Double(bins)
        func histogram(_ v: [Double]) -> [(x: Double, y: Double)] {
            var counts = [Double](repeating: 0, count: bins)
            for x in v { counts[min(bins - 1, max(0, Int((x - lo) / width)))] += 1 }
            return counts.enumerated().map { (lo + Double($0.offset) * width, $0.element) }
        }
        var plot = SVGPlot(
            title: "Figure 3: PGD margins on \(network), ε = \(settings.eps) (\(all.count) test points, seed \(settings.seed))",
            xLabel: "PGD margin  min_{y≠ȳ} f(x_PGD)_ȳ − f(x_PGD)_y", yLabel: "number of points")
        let text = { (v: [Double]) in v.isEmpty ? "–" : String(format: "%.2f", mean(v)) }
        plot.notes = [
            "mean margin: SDP-certified \(text(certified)) (\(certified.count) points), not certified \(text(uncertified)) "
                + "(\(uncertified.count) points); paper: 4.5 and 1.2"
        ]
        plot.series = [
            .init(label: "SDP-certified", points: histogram(certified), style: .bars(width: width, opacity: 0.45), color: SVGPlot.palette[0]),
            .init(label: "not certified", points: histogram(uncertified), style: .bars(width: width, opacity: 0.45), color: SVGPlot.palette[1]),
        ]
        try FileManager.default.createDirectory(atPath: options.out, withIntermediateDirectories: true)
        let base = (options.out as NSString).appendingPathComponent("figure3")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        let files = try plot.write(to: base)
        print(plot.notes[0])
        print("wrote \(base).csv, " + files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))
        if interruption.requested { throw ExitCode(130) }
    }
}
