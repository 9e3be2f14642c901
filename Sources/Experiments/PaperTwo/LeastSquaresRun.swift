import Certifiers
import Foundation

/// One solve of problem (B)'s relaxation in a paper-2 experiment: its store key and how to build it.
struct LeastSquaresJob {
    /// Network hash, method, options (layers, solver, target), ρ (in the `eps` column), split.
    var key: ResultKey
    var network: String
    /// The instance (verification image index).
    var instance: Int
    /// The instance's true label (stored as `label`).
    var label: Int
    /// What the `predicted` column holds (the target class for attack-gap, −1 otherwise).
    var predicted: Int
    var solver: LeastSquaresSolver
    /// BM2's settings (the series' time limit).
    var bm2 = BM2Options()
    /// Builds the problem (done only when the job is not in the store yet).
    var make: () throws -> LeastSquaresProblem
    /// Extra numbers to store beside the solution (e.g. the predicted and actual feasibility).
    var describe: (LeastSquaresProblem, LeastSquaresSolution) throws -> [String: Double] = { _, _ in [:] }
}

/// Seconds one BM2 solve may take before it stops with its last iterate (marked inaccurate), unless
/// a series' `time-limit` or `bench-rank1 --bm2-time-limit` says otherwise (issue 6's goal: 60 s).
let bm2DefaultTimeLimit = 60.0

/// BM2's factor columns at most in the experiments: from rank 2, each escape from a point whose
/// second-order check fails adds a column (Burer–Monteiro's rank increase) up to this many. On
/// the one-layer CNN the SDP solutions have small eigenvalues beyond the second (rank 1 by the
/// test, but not reachable by two columns): ranks 3–4 pass the duality-gap certificate there.
let bm2MaxFactorRank = 5

/// BM2's settings where a command changes them (`bench-rank1`); `nil` keeps the experiments' own.
struct BM2Options {
    /// Factor columns to start with (default 2) and at most (default `bm2MaxFactorRank`).
    var rank: Int?
    var maxRank: Int?
    /// The exact (dense) second-order check up to this lifted dimension.
    var denseDimension: Int?
    /// Lanczos steps per λ_min estimate (default `BurerMonteiroRank2.lanczosSteps`).
    var lanczosSteps: Int?
    /// Over one layer, the Gauss–Newton preconditioner (false: plain L-BFGS).
    var preconditioned = true
    /// Seconds per solve (default `bm2DefaultTimeLimit`).
    var timeLimit: Double?
}

/// Solves one instance with the chosen solver (BM2 with the experiments' settings, from 2 columns
/// up to `bm2MaxFactorRank` and preconditioned over one layer, except where `options` changes them).
///
/// - Complexity: one interior-point solve (CSDP or the structured one), or one BM2 augmented-Lagrangian run.
func solveLeastSquares(_ problem: LeastSquaresProblem, solver: LeastSquaresSolver, bm2 options: BM2Options = .init()) throws
    -> LeastSquaresSolution
{
    switch solver {
    case .csdp: return try solveLeastSquaresRelaxation(problem)
    case .ipm:
        var options = InteriorPointOptions.leastSquares
        options.verbose = ProcessInfo.processInfo.environment["SDPCERT_IPM_VERBOSE"] == "1"
        let first = try solveLeastSquaresRelaxationIPM(problem, options: options)
        guard first.status == .inaccurate else { return first }
        // The structured method stalls on some nearly degenerate instances (ρ ≪ ‖ẑ‖); CSDP gets a
        // second try there, and its answer is kept when it solved the instance.
        let second = try solveLeastSquaresRelaxation(problem)
        var answer = second.status == .inaccurate ? first : second
        answer.seconds = first.seconds + second.seconds
        answer.fallback = true
        return answer
    case .bm2:
        var bm2 = BurerMonteiroRank2()
        bm2.timeLimit = options.timeLimit ?? bm2DefaultTimeLimit
        if let rank = options.rank { bm2.factorRank = rank }
        bm2.maxFactorRank = max(options.maxRank ?? bm2MaxFactorRank, bm2.factorRank)
        if let dimension = options.denseDimension { bm2.denseSecondOrderDimension = dimension }
        if let steps = options.lanczosSteps { bm2.lanczosSteps = steps }
        if !options.preconditioned { bm2.preconditionerThreshold = .infinity }
        return try bm2.solve(problem)
    }
}

/// Runs the jobs that the store does not have yet, committing each as it finishes; stops between
/// jobs when interrupted. Returns the number of jobs computed.
///
/// A stored row: `certified` = rank 1 (λ₁/λ₂ > 10³), `value` = the relaxation's objective L_lb²,
/// `status` = the solver's status, `details` = JSON with the rank ratio, ‖x − x̂‖, ‖f(x) − ẑ‖, the
/// job's extra numbers and, for one-layer interior-point answers, the rank-1 certificate's verdict
/// (`rank1_certificate` 1 or 0, `rank1_rigorous_gap`).
func runLeastSquaresJobs(
    _ jobs: [LeastSquaresJob], store: ResultStore, label: String, interruption: Interruption?
) throws -> Int {
    var cache: [ResultKey: [Int: ResultRow]] = [:]
    func stored(_ job: LeastSquaresJob) throws -> Bool {
        if cache[job.key] == nil { cache[job.key] = try store.rows(job.key) }
        return cache[job.key]![job.instance] != nil
    }
    let missing = try jobs.filter { try !stored($0) }
    if missing.isEmpty { return 0 }
    FileHandle.standardError.write(Data("\(label): \(jobs.count - missing.count) of \(jobs.count) solves in the store, \(missing.count) to run\n".utf8))
    let progress = ProgressReporter(total: missing.count, label: label)
    var done = 0, rankOne = 0, seconds = 0.0
    for job in missing {
        if interruption?.requested == true { break }
        let problem = try job.make()
        let solution = try solveLeastSquares(problem, solver: job.solver, bm2: job.bm2)
        let (dist, residual) = try problem.evaluate(solution.x)
        var details = try job.describe(problem, solution)
        details["rank_ratio"] = solution.rankRatio
        details["distance"] = dist
        details["residual"] = residual
        details["radius"] = problem.radius
        if let code = solution.solverCode { details["solver_code"] = Double(code) }
        if let gap = solution.objectiveGap { details["objective_gap"] = gap }
        if solution.fallback { details["csdp_fallback"] = 1 }
        // One layer, an interior-point answer: the rank-1 certificate checks its verdict independently
        // (BM2 tries it itself).
        if job.solver != .bm2, problem.layerCount == 1, solution.status == .optimal,
            let check = try checkRankOne(problem, from: solution.x)
        {
            details["rank1_certificate"] = check.certified ? 1 : 0
            if let gap = check.rigorousGap { details["rank1_rigorous_gap"] = gap }
        }
        if let st = solution.stationarity {
            details["bm2_gradient"] = st.gradient
            details["bm2_violation"] = st.violation
            if let e = st.dualMinEigenvalue { details["bm2_dual_min_eigenvalue"] = e }
            if let gap = st.dualGap { details["bm2_dual_gap"] = gap }
            if let gap = st.rigorousDualGap { details["bm2_rigorous_dual_gap"] = gap }
            if let evaluations = st.dualAscentEvaluations { details["bm2_dual_ascent_evaluations"] = Double(evaluations) }
            if let gap = st.dualAscentGap { details["bm2_dual_ascent_gap"] = gap }
        }
        try store.insert(ResultRow(
            networkHash: job.key.networkHash, network: job.network, method: job.key.method, options: job.key.options,
            eps: job.key.eps, split: job.key.split, point: job.instance, label: job.label, predicted: job.predicted,
            certified: solution.isRankOne, value: solution.objective, details: jsonObject(details),
            seconds: solution.seconds, status: solution.status.rawValue))
        done += 1
        seconds += solution.seconds
        if solution.isRankOne { rankOne += 1 }
        progress.update(done: done, detail: String(format: "rank 1: %d/%d, %.2f s per solve", rankOne, done, seconds / Double(done)))
    }
    return done
}

/// A flat JSON object of numbers with sorted keys; non-finite numbers become null.
func jsonObject(_ values: [String: Double]) -> String {
    "{" + values.keys.sorted().map { k in
        let v = values[k]!
        return "\"\(k)\": " + (v.isFinite ? "\(v)" : "null")
    }.joined(separator: ", ") + "}"
}

/// The numbers of a stored row's `details` (null entries come back as nil).
func detailNumbers(_ row: ResultRow) -> [String: Double] {
    guard let object = try? JSONSerialization.jsonObject(with: Data(row.details.utf8)) as? [String: Any] else { return [:] }
    var out: [String: Double] = [:]
    for (k, v) in object { if let d = v as? Double { out[k] = d } else if let i = v as? Int { out[k] = Double(i) } }
    return out
}
