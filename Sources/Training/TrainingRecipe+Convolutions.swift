import LinearAlgebra
import Networks

/// Training convolutions as dense layers with tied weights.
///
/// The parameters stay dense; after every minibatch gradient, each convolution layer's dense
/// gradient `G` is replaced by `E(T(G))` (`ConvolutionLayout.tieInPlace`: T sums over positions,
/// E expands). Every copy of a kernel entry then gets the same gradient and every entry outside the
/// structure gets 0, so SGD, momentum, Nesterov and Adam (all elementwise) make exactly the tied
/// update and the structure is kept exactly.
extension TrainingRecipe {
    /// Replaces the convolution layers' gradients, in the flat order `[∂W_0, ∂b_0, …]`, by the tied ones.
    ///
    /// - Complexity: O(Σ outputSize · inputSize) over the convolution layers.
    public func tieConvolutionGradients<Scalar: BLASScalar>(_ gradients: inout [[Scalar]]) {
        for (k, layout) in convolutions.enumerated() {
            var bias: [Scalar] = []
            swap(&bias, &gradients[2 * k + 1])
            layout.tieInPlace(weightGradient: &gradients[2 * k], biasGradient: &bias)
            swap(&bias, &gradients[2 * k + 1])
        }
    }

    /// Checks that the network's convolution layers still have exactly their structure.
    ///
    /// - Throws: `TrainingError.invalidRecipe` naming the layer and the first entry off the structure.
    public func checkConvolutions<Scalar: BLASScalar>(of network: ReLUNetwork<Scalar>) throws(TrainingError) {
        for (k, layout) in convolutions.enumerated() {
            guard k < network.layers.count else { throw .invalidRecipe("the network has no layer \(k) for \(layout)") }
            do { _ = try layout.kernel(of: network.layers[k]) } catch {
                throw .invalidRecipe("layer \(k) lost its convolution structure: \(error.reason)")
            }
        }
    }
}
