import Foundation

/// Paper 1's Table 1 from the result store: per method (rows) and network (columns) the
/// fraction of points not certified (PGD: the fraction the attack breaks), with the paper's
/// numbers beside ours and the wall-clock of each cell.
struct Table1Report: Encodable {
    /// One cell.
    struct Cell: Encodable {
        var network: String
        /// Fraction not certified over the finished points (nil when none finished or n/a).
        var notCertified: Double?
        var done: Int
        var total: Int
        /// Sum of the per-point seconds.
        var seconds: Double
        /// The paper's number for this network and method, when it has one.
        var paper: Double?
        /// Why there is no number (`n/a: …`), if so.
        var note: String?

        enum CodingKeys: String, CodingKey {
            case network, notCertified = "not_certified", done, total, seconds, paper, note
        }
    }

    struct Row: Encodable {
        var method: String
        var cells: [Cell]
    }

    var eps: Double
    var points: Int
    var seed: UInt64
    var split: String
    var networks: [String]
    var rows: [Row]
    /// The runs of `table1` that wrote rows to the store, oldest first (`ResultStore.runs`).
    var runs: [RunRecord] = []

    /// Paper 1, Table 1 (fraction not certified at ε = 0.1; PGD: fraction attacked).
    static let paper: [String: [String: Double]] = [
        "pgd": ["Grad-NN": 0.15, "LP-NN": 0.18, "PGD-NN": 0.09],
        "sdp": ["Grad-NN": 0.20, "LP-NN": 0.20, "PGD-NN": 0.18],
        "lp": ["Grad-NN": 0.97, "LP-NN": 0.22, "PGD-NN": 1.00],
        "grad": ["Grad-NN": 0.35, "LP-NN": 0.93],
    ]

    static let rowNames = [
        "pgd": "PGD-attack", "sdp": "SDP-cert", "lp": "LP-cert", "grad": "Grad-cert", "interval": "Interval",
        "sdp-ablation": "SDP-cert without hidden-layer boxes",
    ]

    /// The distinct notes, numbered as footnotes.
    private var notes: [String] {
        var out: [String] = []
        for row in rows { for c in row.cells { if let n = c.note, !out.contains(n) { out.append(n) } } }
        return out
    }

    private func format(_ cell: Cell) -> String {
        if let note = cell.note, let k = notes.firstIndex(of: note) {
            return (note.split(separator: ":").first.map(String.init) ?? "–") + " [\(k + 1)]"
        }
        guard let v = cell.notCertified else { return "–" }
        var s = String(format: "%.1f%%", 100 * v)
        if cell.done < cell.total { s += " (\(cell.done)/\(cell.total) done)" }
        return s
    }

    private func paperText(_ cell: Cell) -> String { cell.paper.map { String(format: "%.0f%%", 100 * $0) } ?? "n/a" }

    /// The Markdown table: ours (paper) and seconds per cell.
    func markdown() -> String {
        var lines = [
            "Fraction of \(points) random \(split) points (seed \(seed)) not certified at ε = \(eps); "
                + "PGD-attack: fraction broken by the attack. Paper 1's numbers in parentheses.",
            "",
            "| | " + networks.joined(separator: " | ") + " |",
            "|---|" + networks.map { _ in "---|" }.joined(),
        ]
        for row in rows {
            let cells = row.cells.map { "\(format($0)) (\(paperText($0)))" }
            lines.append("| \(Self.rowNames[row.method] ?? row.method) | " + cells.joined(separator: " | ") + " |")
        }
        lines += ["", "Wall-clock per cell (sum over points, seconds):", "",
                  "| | " + networks.joined(separator: " | ") + " |",
                  "|---|" + networks.map { _ in "---|" }.joined()]
        for row in rows {
            lines.append("| \(Self.rowNames[row.method] ?? row.method) | "
                + row.cells.map { $0.note == nil ? String(format: "%.0f", $0.seconds) : "–" }.joined(separator: " | ") + " |")
        }
        if !runs.isEmpty {
            let total = runs.reduce(0) { $0 + $1.seconds }
            lines += ["", "Wall-clock of the \(runs.count) table1 run(s) that wrote to this store: \(Self.duration(total)) in total", "",
                      "| started (UTC) | wall-clock | rows written | status |", "|---|---|---|---|"]
            for r in runs {
                let status = r.status == "running" ? "running, or killed (time up to its last row)" : r.status
                lines.append("| \(r.started) | \(Self.duration(r.seconds)) | \(r.rows) | \(status) |")
            }
        }
        if !notes.isEmpty {
            lines.append("")
            for (k, n) in notes.enumerated() { lines.append("[\(k + 1)] \(n)") }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1 h 02 min 03 s`, `4 min 05 s`, `6.2 s`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        let s = Int(seconds.rounded())
        if s < 3600 { return String(format: "%d min %02d s", s / 60, s % 60) }
        return String(format: "%d h %02d min %02d s", s / 3600, (s % 3600) / 60, s % 60)
    }

    /// One line per cell.
    func csv() -> String {
        var lines = ["method,network,not_certified,done,total,seconds,paper,note"]
        for row in rows {
            for c in row.cells {
                lines.append([
                    row.method, c.network, c.notCertified.map { String(format: "%.4f", $0) } ?? "", "\(c.done)", "\(c.total)",
                    String(format: "%.2f", c.seconds), c.paper.map { "\($0)" } ?? "", c.note ?? "",
                ].map(csvField).joined(separator: ","))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self) + "\n"
    }
}

/// A CSV field, quoted when it holds a comma, quote or newline.
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
