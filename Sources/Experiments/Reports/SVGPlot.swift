import Foundation

/// A small 2-D plot rendered to SVG: axes with ticks and labels, a title, a legend, and series
/// drawn as lines, markers, filled polygons or histogram bars. Enough for the papers' figures.
struct SVGPlot {
    enum Scale { case linear, log }

    /// How a series is drawn.
    enum Style {
        case line(dashed: Bool)
        case markers
        /// A closed polygon, filled with the colour at the given opacity.
        case polygon(opacity: Double)
        /// Histogram bars: each point is (left edge, height); `width` is the bin width.
        case bars(width: Double, opacity: Double)
    }

    struct Series {
        var label: String
        var points: [(x: Double, y: Double)]
        var style: Style
        var color: String
    }

    var title: String
    var xLabel: String
    var yLabel: String
    var xScale = Scale.linear
    var yScale = Scale.linear
    var series: [Series] = []
    /// Extra lines of text under the title (e.g. the two means).
    var notes: [String] = []
    var width = 760.0, height = 500.0

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    private func transform(_ v: Double, _ scale: Scale) -> Double { scale == .log ? log10(v) : v }

    private func range(_ values: [Double], _ scale: Scale) -> (Double, Double) {
        let t = values.filter { scale == .linear || $0 > 0 }.map { transform($0, scale) }
        guard var lo = t.min(), var hi = t.max() else { return (0, 1) }
        if hi - lo < 1e-12 { lo -= 0.5; hi += 0.5 }
        if scale == .log { return (floor(lo), ceil(hi)) }
        let pad = 0.05 * (hi - lo)
        return (lo - pad, hi + pad)
    }

    /// Tick positions (in transformed units) and their labels.
    private func ticks(_ lo: Double, _ hi: Double, _ scale: Scale) -> [(Double, String)] {
        if scale == .log {
            return stride(from: lo, through: hi, by: 1).map { ($0, formatTick(Foundation.pow(10, $0))) }
        }
        let raw = (hi - lo) / 6
        let magnitude = Foundation.pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
        var out: [(Double, String)] = []
        var v = ceil(lo / step) * step
        while v <= hi + 1e-9 * step {
            out.append((v, formatTick(abs(v) < 1e-12 * step ? 0 : v)))
            v += step
        }
        return out
    }

    private func formatTick(_ v: Double) -> String {
        if v == 0 { return "0" }
        if abs(v) >= 1e5 || abs(v) < 1e-3 { return String(format: "%.0e", v) }
        if v == v.rounded() { return String(format: "%.0f", v) }
        return String(format: "%g", (v * 1000).rounded() / 1000)
    }

    /// The SVG document.
    func render() -> String {
        let left = 80.0, right = 180.0, top = 60.0 + 16 * Double(notes.count), bottom = 60.0
        let plotW = width - left - right, plotH = height - top - bottom
        var xs: [Double] = [], ys: [Double] = []
        for s in series {
            for p in s.points {
                xs.append(p.x)
                ys.append(p.y)
                if case .bars(let w, _) = s.style { xs.append(p.x + w); ys.append(0) }
            }
        }
        let (x0, x1) = range(xs, xScale), (y0, y1) = range(ys, yScale)
        func px(_ x: Double) -> Double { left + (transform(x, xScale) - x0) / (x1 - x0) * plotW }
        func py(_ y: Double) -> Double { top + plotH - (transform(y, yScale) - y0) / (y1 - y0) * plotH }
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var svg = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"DejaVu Sans, Arial, sans-serif\">",
            "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
            "<text x=\"\(f(left + plotW / 2))\" y=\"28\" font-size=\"17\" text-anchor=\"middle\">\(escape(title))</text>",
        ]
        for (k, note) in notes.enumerated() {
            svg.append("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(48 + 16 * Double(k)))\" font-size=\"12\" text-anchor=\"middle\" fill=\"#444\">\(escape(note))</text>")
        }
        svg.append("<clipPath id=\"plot\"><rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\"/></clipPath>")
        // Grid and ticks.
        for (t, label) in ticks(x0, x1, xScale) {
            let x = left + (t - x0) / (x1 - x0) * plotW
            svg.append("<line x1=\"\(f(x))\" y1=\"\(f(top))\" x2=\"\(f(x))\" y2=\"\(f(top + plotH))\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(f(x))\" y=\"\(f(top + plotH + 18))\" font-size=\"12\" text-anchor=\"middle\">\(label)</text>")
        }
        for (t, label) in ticks(y0, y1, yScale) {
            let y = top + plotH - (t - y0) / (y1 - y0) * plotH
            svg.append("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(left + plotW))\" y2=\"\(f(y))\" stroke=\"#e5e5e5\"/>")
            svg.append("<text x=\"\(f(left - 8))\" y=\"\(f(y + 4))\" font-size=\"12\" text-anchor=\"end\">\(label)</text>")
        }
        svg.append("<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(plotW))\" height=\"\(f(plotH))\" fill=\"none\" stroke=\"black\"/>")
        svg.append("<text x=\"\(f(left + plotW / 2))\" y=\"\(f(height - 18))\" font-size=\"14\" text-anchor=\"middle\">\(escape(xLabel))</text>")
        svg.append("<text transform=\"translate(22 \(f(top + plotH / 2))) rotate(-90)\" font-size=\"14\" text-anchor=\"middle\">\(escape(yLabel))</text>")
        // Series.
        for s in series {
            let pts = s.points.filter { (xScale == .linear || $0.x > 0) && (yScale == .linear || $0.y > 0) }
            switch s.style {
            case .line(let dashed):
                let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                svg.append("<polyline clip-path=\"url(#plot)\" points=\"\(path)\" fill=\"none\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>")
            case .markers:
                for p in pts {
                    svg.append("<circle clip-path=\"url(#plot)\" cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"4\" fill=\"\(s.color)\"/>")
                }
            case .polygon(let opacity):
                let path = pts.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
                svg.append("<polygon clip-path=\"url(#plot)\" points=\"\(path)\" fill=\"\(s.color)\" fill-opacity=\"\(opacity)\" stroke=\"\(s.color)\" stroke-width=\"2\"/>")
            case .bars(let w, let opacity):
                for p in pts where p.y > 0 {
                    let xa = px(p.x), xb = px(p.x + w), ya = py(p.y), yb = py(0)
                    svg.append("<rect clip-path=\"url(#plot)\" x=\"\(f(xa))\" y=\"\(f(ya))\" width=\"\(f(max(xb - xa, 0.5)))\" height=\"\(f(yb - ya))\" fill=\"\(s.color)\" fill-opacity=\"\(opacity)\" stroke=\"\(s.color)\"/>")
                }
            }
        }
        // Legend.
        for (k, s) in series.filter({ !$0.label.isEmpty }).enumerated() {
            let y = top + 12 + 22 * Double(k), x = left + plotW + 14
            switch s.style {
            case .line(let dashed):
                svg.append("<line x1=\"\(f(x))\" y1=\"\(f(y))\" x2=\"\(f(x + 22))\" y2=\"\(f(y))\" stroke=\"\(s.color)\" stroke-width=\"2\"\(dashed ? " stroke-dasharray=\"6 4\"" : "")/>")
            case .markers:
                svg.append("<circle cx=\"\(f(x + 11))\" cy=\"\(f(y))\" r=\"4\" fill=\"\(s.color)\"/>")
            case .polygon(let o), .bars(_, let o):
                svg.append("<rect x=\"\(f(x))\" y=\"\(f(y - 6))\" width=\"22\" height=\"12\" fill=\"\(s.color)\" fill-opacity=\"\(o)\" stroke=\"\(s.color)\"/>")
            }
            svg.append("<text x=\"\(f(x + 28))\" y=\"\(f(y + 4))\" font-size=\"12\">\(escape(s.label))</text>")
        }
        svg.append("</svg>")
        return svg.joined(separator: "\n") + "\n"
    }

    private func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Writes `base.svg` and, when `rsvg-convert` is on the PATH, `base.png`.
    ///
    /// - Returns: the files written.
    @discardableResult
    func write(to base: String) throws -> [String] {
        try atomicWrite(render(), to: base + ".svg")
        var files = [base + ".svg"]
        if let converter = findExecutable("rsvg-convert") {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: converter)
            process.arguments = ["-f", "png", "-o", base + ".png", base + ".svg"]
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus == 0 { files.append(base + ".png") }
        }
        return files
    }
}

/// The first executable of that name on the PATH.
func findExecutable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for folder in path.split(separator: ":") {
        let candidate = "\(folder)/\(name)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}
