import Foundation
import LinearAlgebra
import Networks

/// LP-cert (paper 1, eq. 6 with biases; formulations.md): the triangle relaxation of every
/// unstable ReLU with interval pre-activation bounds (eq. 8), maximised for each target class.
///
/// ```
/// max  c_jᵀ x_L + c0_j   s.t.  l_0 ≤ x_0 ≤ u_0;   for a unit with a = w x_{k−1} + b:
///      dead: x = 0;  active: x = a;  unstable: x ≥ 0, x ≥ a, x ≤ û (a − ℓ̂)/(û − ℓ̂)
/// ```
/// The LP is solved by CLP's primal simplex, one model re-solved per target with the objective
/// changed (warm started from the previous optimal basis), or one model per thread. The reported
/// bound is never the solver's number: the LP's dual multipliers give the coefficients of the
/// dual network (`DualNetworkBound`), whose value — an upper bound for *any* coefficients, with a
/// rounding allowance — is reported. When the solver is exact this equals the LP optimum.
public struct LPCertifier: Sendable {
    /// Seconds CLP may spend on one target (nil: no limit).
    public var timeLimit: Double?
    /// Threads solving targets at once (each with its own CLP model).
    public var threads: Int

    public init(timeLimit: Double? = nil, threads: Int = 1) {
        self.timeLimit = timeLimit
        self.threads = threads
    }

    /// Certifies the ball of radius ε around `center` (true label `label`).
    ///
    /// - Returns: sound upper bounds for every target, the solver's LP values as `gaps` (relative
    ///   distance between reported bound and LP value) and status `optimal`, or `fallback` when
    ///   CLP did not finish for some target (that target then gets the dual bound of the fixed
    ///   slopes α = û/(û − ℓ̂), still sound).
    /// - Complexity: one LP of (inputs + hidden units) columns and ≤ 2 rows per hidden unit,
    ///   solved from scratch once per thread and re-solved per target; two `gemv`s per layer per
    ///   target for the sound bound.
    public func certify(network: ReLUNetwork<Double>, center: [Double], label: Int, epsilon: Double) throws -> Certificate {
        let start = Date()
        let intervals = try IntervalBounds(network: network, center: center, epsilon: epsilon)
        let dual = DualNetworkBound(network: network, bounds: intervals)
        let problem = LPProblem(network: network, bounds: intervals, dual: dual)
        let predicted = argmax(try network.scores(center))
        let last = network.layers[network.layers.count - 1]
        let fixedSlopes = problem.defaultSlopes
        let targets = (0..<network.classCount).filter { $0 != label }
        // Targets split into `threads` runs, each re-solving its own CLP model (warm started from
        // the previous target's basis).
        let runs = evenChunks(targets.count, parts: max(threads, 1))
        let timeLimit = timeLimit
        let results = try parallelResults(runs.count, threads: runs.count) { r in
            let program = problem.makeProgram()
            return try runs[r].map { t -> (target: Int, bound: Double, gap: Double?) in
                let j = targets[t]
                let c = (0..<last.inputSize).map { last.weight[j, $0] - last.weight[label, $0] }
                let c0 = last.bias[j] - last.bias[label]
                var choice = DualNetworkBound.Choice.slopes(fixedSlopes)
                var lpValue: Double? = nil
                if let solved = problem.solve(objective: c, timeLimit: timeLimit, program: program) {
                    choice = .coefficients(solved.coefficients)
                    lpValue = solved.value + c0
                }
                var bound = try dual.upperBound(c: c, c0: c0, choice: choice)
                if lpValue == nil || bound - lpValue! > 1e-6 * max(1, abs(lpValue!)) {
                    // Both are sound; keep the smaller when the LP's multipliers were not exact.
                    bound = min(bound, try dual.upperBound(c: c, c0: c0, alpha: fixedSlopes))
                }
                return (j, bound, lpValue.map { (bound - $0) / max(1, abs($0)) })
            }
        }
        var bounds: [Int: Double] = [:], gaps: [Int: Double] = [:]
        var status = "optimal"
        for result in results.joined() {
            bounds[result.target] = result.bound
            if let gap = result.gap { gaps[result.target] = gap } else { status = "fallback" }
        }
        return Certificate(
            method: "lp", label: label, predicted: predicted, bounds: bounds,
            seconds: Date().timeIntervalSince(start), status: status, gaps: gaps)
    }
}

/// The LP of one point: its data built once, solved per target.
struct LPProblem {
    let network: ReLUNetwork<Double>
    let dual: DualNetworkBound
    /// Column offset of layer k's variables (k = 0: inputs).
    let offsets: [Int]
    /// Row of the `x ≥ a` constraint of each unstable unit (hidden layer k at index k−1); the
    /// `x ≤ d (a − ℓ̂)` row follows it.
    let lowerRows: [[Int?]]
    private let columnLower: [Double], columnUpper: [Double], rowLower: [Double], rowUpper: [Double]
    private let entries: [[(row: Int, value: Double)]]

    /// A CLP model of this LP.
    func makeProgram() -> LinearProgram {
        LinearProgram(
            columnLower: columnLower, columnUpper: columnUpper, rowLower: rowLower, rowUpper: rowUpper,
            entries: entries)
    }

    init(network: ReLUNetwork<Double>, bounds: IntervalBounds<Double>, dual: DualNetworkBound) {
        self.network = network
        self.dual = dual
        let sizes = [network.inputSize] + network.hiddenSizes
        var offsets = [0]
        for s in sizes { offsets.append(offsets[offsets.count - 1] + s) }
        self.offsets = offsets
        let columnCount = offsets[offsets.count - 1]
        var columnLower = [Double](repeating: 0, count: columnCount)
        var columnUpper = [Double](repeating: .infinity, count: columnCount)
        for i in 0..<network.inputSize {
            columnLower[i] = bounds.lower[0][i]
            columnUpper[i] = bounds.upper[0][i]
        }
        var entries = [[(row: Int, value: Double)]](repeating: [], count: columnCount)
        var rowLower: [Double] = [], rowUpper: [Double] = []
        var lowerRows: [[Int?]] = []
        for k in 1..<sizes.count {
            let layer = network.layers[k - 1]
            var rowsOfLayer = [Int?](repeating: nil, count: layer.outputSize)
            for m in 0..<layer.outputSize {
                let column = offsets[k] + m
                let l = bounds.preLower[k - 1][m], u = bounds.preUpper[k - 1][m]
                func addRow(scale: Double, lower: Double, upper: Double) {
                    let row = rowLower.count
                    rowLower.append(lower)
                    rowUpper.append(upper)
                    entries[column].append((row, 1))
                    for n in 0..<layer.inputSize {
                        let w = layer.weight[m, n]
                        if w != 0 { entries[offsets[k - 1] + n].append((row, -scale * w)) }
                    }
                }
                switch dual.state(layer: k, unit: m) {
                case .dead:
                    columnUpper[column] = 0
                case .active:
                    columnLower[column] = -.infinity
                    addRow(scale: 1, lower: layer.bias[m], upper: layer.bias[m])
                case .unstable:
                    let d = u / (u - l)
                    rowsOfLayer[m] = rowLower.count
                    addRow(scale: 1, lower: layer.bias[m], upper: .infinity)  // x ≥ a
                    addRow(scale: d, lower: -.infinity, upper: d * (layer.bias[m] - l))  // x ≤ d (a − ℓ̂)
                }
            }
            lowerRows.append(rowsOfLayer)
        }
        self.lowerRows = lowerRows
        self.columnLower = columnLower
        self.columnUpper = columnUpper
        self.rowLower = rowLower
        self.rowUpper = rowUpper
        self.entries = entries
    }

    /// Wong & Kolter's fixed slopes α = û/(û − ℓ̂) (used when the LP does not finish).
    var defaultSlopes: [[Double]] {
        (1..<(network.layers.count)).map { k in
            (0..<network.layers[k - 1].outputSize).map { m in
                let l = dual.bounds.preLower[k - 1][m], u = dual.bounds.preUpper[k - 1][m]
                return u > l ? u / (u - l) : 0
            }
        }
    }

    /// Maximises `c · x_L`; returns the LP value and, for every unstable unit, the coefficient ν
    /// with which the LP's multipliers pass the objective to the unit's pre-activation:
    /// `ν = −(y_A + d y_B)` for the duals y_A of `x ≥ a` and y_B of `x ≤ d (a − ℓ̂)` (CLP's
    /// minimisation convention). Nil when CLP does not reach optimality.
    func solve(objective c: [Double], timeLimit: Double?, program: LinearProgram? = nil) -> (value: Double, coefficients: [[Double]])? {
        let program = program ?? makeProgram()
        var objective = [Double](repeating: 0, count: program.columns)
        let last = offsets[offsets.count - 2]
        for n in c.indices { objective[last + n] = -c[n] }
        guard program.minimise(objective, timeLimit: timeLimit) == .optimal else { return nil }
        let rowDuals = program.rowDuals
        var coefficients: [[Double]] = []
        for k in 1..<(offsets.count - 1) {
            coefficients.append(lowerRows[k - 1].enumerated().map { m, row in
                guard let row else { return 0 }
                let l = dual.bounds.preLower[k - 1][m], u = dual.bounds.preUpper[k - 1][m]
                return -(rowDuals[row] + u / (u - l) * rowDuals[row + 1])
            })
        }
        return (-program.objectiveValue, coefficients)
    }
}
