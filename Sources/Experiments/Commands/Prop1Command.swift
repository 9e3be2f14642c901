import ArgumentParser
import Foundation
import LinearAlgebra

/// `experiments prop1`: paper 1's Proposition 1, f_LP vs f_SDP on random ±1 networks.
struct Prop1Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prop1",
        abstract: "Proposition 1 of paper 1: the LP relaxation is a √-dimension factor looser than the SDP.",
        discussion: """
            For m = d in --sizes: f(x) = 1ᵀ ReLU(W x), W random ±1 (m × d), x̄ = 0, ε = 1. Computes f_LP \
            (LP-cert), f_SDP (CSDP) and, for d ≤ 16, the true maximum by enumerating the box's vertices; \
            averages over --trials. Writes OUT/prop1.csv (every instance), prop1.md and a log-log plot \
            prop1.svg (+ .png) with md/2 and m√d + d√m for reference.

            Example:
              experiments prop1 --sizes 2,4,8,16,32,64,128 --trials 3
            """)

    @Option(help: "Sizes m = d, comma-separated.") var sizes = "2,4,8,16,32,64,128"
    @Option(help: "Random instances per size.") var trials = 3
    @Option(help: "Seed of the weights.") var seed: UInt64 = 0
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out = "results"

    func sizeList() throws -> [Int] {
        let list = sizes.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ ($0 ?? 0) >= 1 }) else {
            throw ValidationError("--sizes must be positive integers separated by commas, got '\(sizes)'")
        }
        return list.compactMap { $0 }
    }

    func validate() throws {
        _ = try sizeList()
        guard trials >= 1 else { throw ValidationError("--trials must be ≥ 1") }
    }

    func run() throws {
        BLASThreads.count = 1
        var csv = ["m,d,trial,f_lp,f_sdp,f_exact,md_over_2,m_sqrt_d_plus_d_sqrt_m,seconds_lp,seconds_sdp"]
        var means: [(n: Int, lp: Double, sdp: Double, exact: Double?)] = []
        let all = try sizeList()
        let progress = ProgressReporter(total: all.count * trials, label: "prop1")
        var done = 0
        for n in all {
            var lps: [Double] = [], sdps: [Double] = [], exacts: [Double] = []
            for t in 0..<trials {
                let instance = try Proposition1Instance(m: n, d: n, trial: t, seed: seed)
                var start = Date()
                let lp = try instance.lpValue()
                let lpSeconds = Date().timeIntervalSince(start)
                start = Date()
                let sdp = try instance.sdpValue()
                let sdpSeconds = Date().timeIntervalSince(start)
                let exact = n <= 16 ? try instance.exactValue() : nil
                lps.append(lp)
                sdps.append(sdp)
                if let exact { exacts.append(exact) }
                csv.append([
                    "\(n)", "\(n)", "\(t)", "\(lp)", "\(sdp)", exact.map { "\($0)" } ?? "", "\(instance.lpLowerBound)",
                    "\(instance.sdpScale)", String(format: "%.3f", lpSeconds), String(format: "%.3f", sdpSeconds),
                ].joined(separator: ","))
                done += 1
                progress.update(done: done, detail: "m = d = \(n)")
            }
            let mean = { (v: [Double]) in v.reduce(0, +) / Double(v.count) }
            means.append((n, mean(lps), mean(sdps), exacts.isEmpty ? nil : mean(exacts)))
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let base = (out as NSString).appendingPathComponent("prop1")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        var md = [
            "Proposition 1 (paper 1): f(x) = 1ᵀReLU(Wx), W random ±1 (m × d, m = d), x̄ = 0, ε = 1; mean over \(trials) instance(s).",
            "", "| m = d | f_exact | f_SDP | f_LP | md/2 | m√d + d√m | f_LP / f_SDP |", "|---|---|---|---|---|---|---|",
        ]
        for r in means {
            let s = Double(r.n) * Double(r.n).squareRoot() * 2
            md.append(String(
                format: "| %d | %@ | %.3f | %.3f | %.1f | %.1f | %.2f |", r.n, r.exact.map { String(format: "%.3f", $0) } ?? "–",
                r.sdp, r.lp, Double(r.n * r.n) / 2, s, r.lp / r.sdp))
        }
        try atomicWrite(md.joined(separator: "\n") + "\n", to: base + ".md")
        let xs = means.map { Double($0.n) }
        var plot = SVGPlot(
            title: "Proposition 1: LP vs SDP on random ±1 networks (x̄ = 0, ε = 1)", xLabel: "m = d (hidden units = inputs)",
            yLabel: "upper bound on max 1ᵀReLU(Wx)", xScale: .log, yScale: .log)
        plot.series = [
            .init(label: "f_LP", points: zip(xs, means.map(\.lp)).map { ($0, $1) }, style: .line(dashed: false), color: SVGPlot.palette[1]),
            .init(label: "f_SDP", points: zip(xs, means.map(\.sdp)).map { ($0, $1) }, style: .line(dashed: false), color: SVGPlot.palette[0]),
            .init(label: "md/2", points: xs.map { ($0, $0 * $0 / 2) }, style: .line(dashed: true), color: SVGPlot.palette[3]),
            .init(label: "m√d + d√m", points: xs.map { ($0, 2 * $0 * $0.squareRoot()) }, style: .line(dashed: true), color: SVGPlot.palette[2]),
        ]
        let exact = means.compactMap { r in r.exact.map { (Double(r.n), $0) } }
        if !exact.isEmpty {
            plot.series.append(.init(label: "true max (vertices)", points: exact, style: .markers, color: "#000000"))
        }
        plot.notes = ["mean of \(trials) instance(s) per size; f_SDP by CSDP, f_LP by CLP (both reported through their duals)"]
        let files = try plot.write(to: base)
        print(md.joined(separator: "\n"))
        print("wrote \(base).csv, .md, " + files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))
    }
}
