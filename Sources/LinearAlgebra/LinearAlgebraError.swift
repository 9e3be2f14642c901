/// An error from a linear-algebra routine.
public enum LinearAlgebraError: Error, Equatable, CustomStringConvertible {
    /// Operand shapes do not fit together.
    case dimensionMismatch(String)
    /// A LAPACK routine returned a non-zero `info` code.
    ///
    /// `info < 0`: argument `-info` had an illegal value; `info > 0`: the algorithm failed to
    /// converge (for `syevr`, an internal error).
    case lapack(routine: String, info: Int)
    /// The input contains NaN or infinity.
    case nonFinite(String)

    public var description: String {
        switch self {
        case .dimensionMismatch(let what): return "dimension mismatch: \(what)"
        case .lapack(let routine, let info) where info < 0:
            return "LAPACK \(routine): argument \(-info) had an illegal value (info = \(info))"
        case .lapack(let routine, let info):
            return "LAPACK \(routine) failed to converge (info = \(info))"
        case .nonFinite(let what): return "non-finite input: \(what)"
        }
    }
}
