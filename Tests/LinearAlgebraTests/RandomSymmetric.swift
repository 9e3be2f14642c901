@testable import LinearAlgebra

/// A reproducible random symmetric matrix with entries in [−½, ½) (a linear congruential stream).
func randomSymmetric<S: BLASScalar>(_: S.Type, n: Int, seed: UInt64) -> Matrix<S> {
    var state = seed
    var a = Matrix<S>(rows: n, columns: n)
    for i in 0..<n {
        for j in i..<n {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let v = S(Double(state >> 11) / Double(1 << 53) - 0.5)
            a[i, j] = v
            a[j, i] = v
        }
    }
    return a
}
