/// Higham's constant for k floating-point operations in double precision (unit roundoff u = ε/2):
///
/// ```
/// γ_k = k u / (1 − k u)
/// ```
/// A sum or product chain of k operations errs by at most `γ_k` times the sum of its terms'
/// absolute values (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1).
///
/// - Complexity: O(1).
func roundingGamma(_ k: Int) -> Double {
    let ku = Double(k) * Double.ulpOfOne / 2
    return ku / (1 - ku)
}
