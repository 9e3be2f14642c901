/// The inner product of two vectors of the same length.
///
/// ```
/// dot(a, b) = Σ_i a_i b_i
/// ```
/// - Complexity: O(n) flops.
@inlinable
public func dot(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count, "dot of vectors of lengths \(a.count) and \(b.count)")
    var s = 0.0
    for i in a.indices { s += a[i] * b[i] }
    return s
}
