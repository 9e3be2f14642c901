import ArgumentParser
import Foundation
import LinearAlgebra

/// `experiments figure2`: the 2-D example of paper 1, §4.2.
struct Figure2Command: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "figure2",
        abstract: "Figure 2 of paper 1: the (z₁, z₂) feasible sets of the LP and SDP relaxations of a 2-D example.",
        discussion: """
            z₁ = ReLU(x₁ + x₂), z₂ = ReLU(x₁ − x₂), x in [−ε, ε]². Traces both relaxed sets by their support \
            function over --directions directions (CLP for the LP, CSDP for the SDP), marks the maximisers of \
            z₁ + z₂ (true 2ε, SDP (1 + √2)ε, LP 3ε) and writes OUT/figure2.svg (+ .png), figure2.csv.

            Example:
              experiments figure2 --directions 180
            """)

    @Option(help: "Directions of the support function.") var directions = 180
    @Option(help: "Radius ε of the box.") var eps = 1.0
    @Option(help: ArgumentHelp("Output folder.", valueName: "dir")) var out = "results"

    func validate() throws {
        guard directions >= 8 else { throw ValidationError("--directions must be ≥ 8") }
        guard eps > 0, eps.isFinite else { throw ValidationError("--eps must be positive") }
    }

    func run() throws {
        BLASThreads.count = 1
        let example = TwoDimensionalExample(epsilon: eps)
        let thetas = (0..<directions).map { 2 * Double.pi * Double($0) / Double(directions) }
        var lp: [Double] = [], sdp: [Double] = []
        let progress = ProgressReporter(total: directions, label: "figure2")
        for (k, theta) in thetas.enumerated() {
            let s = try example.support(theta)
            lp.append(s.lp)
            sdp.append(s.sdp)
            progress.update(done: k + 1)
        }
        let objective = try example.support(Double.pi / 4)
        let lpValue = objective.lp * 2.0.squareRoot(), sdpValue = objective.sdp * 2.0.squareRoot()
        var csv = ["theta,h_lp,h_sdp"]
        for k in 0..<directions { csv.append("\(thetas[k]),\(lp[k]),\(sdp[k])") }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let base = (out as NSString).appendingPathComponent("figure2")
        try atomicWrite(csv.joined(separator: "\n") + "\n", to: base + ".csv")
        let lpPolygon = TwoDimensionalExample.polygon(directions: thetas, support: lp)
        let sdpPolygon = TwoDimensionalExample.polygon(directions: thetas, support: sdp)
        func argmaxSum(_ p: [(x: Double, y: Double)]) -> (x: Double, y: Double) { p.max { $0.x + $0.y < $1.x + $1.y }! }
        var plot = SVGPlot(
            title: "Figure 2: z₁ = ReLU(x₁+x₂), z₂ = ReLU(x₁−x₂), x ∈ [−\(fmt(eps)), \(fmt(eps))]²", xLabel: "z₁", yLabel: "z₂")
        plot.notes = [String(format: "max z₁ + z₂: true %.4f, SDP %.4f, LP %.4f", 2 * eps, sdpValue, lpValue)]
        plot.series = [
            .init(label: "LP relaxation", points: lpPolygon, style: .polygon(opacity: 0.15), color: SVGPlot.palette[1]),
            .init(label: "SDP relaxation", points: sdpPolygon, style: .polygon(opacity: 0.25), color: SVGPlot.palette[0]),
            .init(label: "true set (sampled)", points: example.sampledTrueSet(), style: .markers, color: "#555555"),
            .init(label: "LP optimum of z₁+z₂", points: [argmaxSum(lpPolygon)], style: .markers, color: SVGPlot.palette[3]),
            .init(label: "SDP optimum of z₁+z₂", points: [argmaxSum(sdpPolygon)], style: .markers, color: SVGPlot.palette[2]),
        ]
        let files = try plot.write(to: base)
        print(String(format: "max z₁ + z₂ over the box ±%g: true %.6f, SDP %.6f (1+√2 = %.6f), LP %.6f", eps, 2 * eps, sdpValue,
                     (1 + 2.0.squareRoot()) * eps, lpValue))
        print("wrote \(base).csv, " + files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))
    }

    private func fmt(_ v: Double) -> String { String(format: "%g", v) }
}
