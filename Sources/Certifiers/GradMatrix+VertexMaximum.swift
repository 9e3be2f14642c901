extension GradMatrix {
    /// The exact inner maximum by enumeration, for checking the relaxation on tiny networks:
    ///
    /// ```
    /// max { tᵀ A s : t ∈ {±1}^d, s ∈ {0, 1}^m }     (a bilinear maximum over a box is at a vertex)
    /// ```
    /// - Complexity: 2^(d+m) evaluations of d · m terms: tiny networks only.
    func vertexMaximum() -> Double {
        var best = -Double.infinity
        for tMask in 0..<(1 << d) {
            for sMask in 0..<(1 << m) {
                var value = 0.0
                for i in 0..<d {
                    let t: Double = (tMask >> i) & 1 == 1 ? 1 : -1
                    for k in 0..<m where (sMask >> k) & 1 == 1 { value += t * w[k, i] * v[k] }
                }
                best = max(best, value)
            }
        }
        return best
    }
}
