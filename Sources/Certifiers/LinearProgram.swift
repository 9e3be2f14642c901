import CClp

/// A linear program solved by COIN-OR CLP's simplex method:
///
/// ```
/// minimise cᵀx  subject to  rowLower ≤ A x ≤ rowUpper,  columnLower ≤ x ≤ columnUpper
/// ```
/// The constraint matrix is given column by column (sparse). Cost perturbation is off, so the
/// duals belong to the exact problem.
final class LinearProgram {
    private let model: UnsafeMutableRawPointer
    let columns: Int
    let rows: Int
    /// Whether a basis from an earlier solve is there to warm start from.
    private var solved = false

    /// The outcome of a solve.
    enum Status: Equatable {
        case optimal
        case infeasible
        case unbounded
        case stopped(Int)
    }

    /// Builds the model. `entries[j]` lists the (row, value) pairs of column j.
    init(
        columnLower: [Double], columnUpper: [Double], rowLower: [Double], rowUpper: [Double],
        entries: [[(row: Int, value: Double)]]
    ) {
        precondition(columnLower.count == columnUpper.count && entries.count == columnLower.count, "column count")
        precondition(rowLower.count == rowUpper.count, "row count")
        columns = columnLower.count
        rows = rowLower.count
        guard let created = Clp_newModel() else { preconditionFailure("CLP could not allocate a model") }
        model = created
        Clp_setLogLevel(model, 0)
        Clp_setPerturbation(model, 100)  // no cost perturbation: the duals must be exact
        Clp_scaling(model, 0)
        var start: [CoinBigIndex] = [0]
        var index: [Int32] = []
        var value: [Double] = []
        for column in entries {
            for e in column {
                index.append(Int32(e.row))
                value.append(e.value)
            }
            start.append(CoinBigIndex(index.count))
        }
        let objective = [Double](repeating: 0, count: columns)
        Clp_loadProblem(
            model, Int32(columns), Int32(rows), start, index, value, columnLower, columnUpper, objective,
            rowLower, rowUpper)
    }

    deinit { Clp_deleteModel(model) }

    /// Minimises `objective · x`: the first time by CLP's automatic choice (`initialSolve`:
    /// presolve, then dual or primal simplex; measured on PGD-NN's LPs, 25 % faster than primal
    /// simplex from scratch), then by primal simplex from the previous optimal basis, which stays
    /// feasible when only the objective changes.
    func minimise(_ objective: [Double], timeLimit: Double? = nil) -> Status {
        precondition(objective.count == columns, "objective length")
        Clp_chgObjCoefficients(model, objective)
        Clp_setOptimizationDirection(model, 1)
        if let timeLimit { Clp_setMaximumSeconds(model, timeLimit) }
        if solved { _ = Clp_primal(model, 0) } else { _ = Clp_initialSolve(model) }
        solved = true
        switch Clp_status(model) {
        case 0: return .optimal
        case 1: return .infeasible
        case 2: return .unbounded
        case let s: return .stopped(Int(s))
        }
    }

    /// The objective value of the last solve.
    var objectiveValue: Double { Clp_objectiveValue(model) }

    /// The primal solution x.
    var primal: [Double] { Array(UnsafeBufferPointer(start: Clp_getColSolution(model), count: columns)) }

    /// The row duals y (for a minimisation, ≥ 0 on an active lower row bound, ≤ 0 on an upper one).
    var rowDuals: [Double] { Array(UnsafeBufferPointer(start: Clp_getRowPrice(model), count: rows)) }

    /// The reduced costs d = c − Aᵀy (≥ 0 at an active lower column bound, ≤ 0 at an upper one).
    var reducedCosts: [Double] { Array(UnsafeBufferPointer(start: Clp_getReducedCost(model), count: columns)) }
}
