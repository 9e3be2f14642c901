import Datasets
import LinearAlgebra
import Networks

/// The clean accuracy of a network on some points of a split.
struct Evaluation: Equatable {
    /// Points classified correctly.
    var correct: Int
    /// Points evaluated.
    var total: Int
    /// `correct / total`.
    var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// Classifies `indices` of `images` with `network` in batches of `batchSize`.
    ///
    /// - Complexity: one batched forward pass (a BLAS `gemm` per layer) per batch.
    init(network: ReLUNetwork<Double>, images: ImageSet, indices: [Int], batchSize: Int = 1000) throws {
        correct = 0
        total = indices.count
        for start in stride(from: 0, to: indices.count, by: batchSize) {
            let chunk = Array(indices[start..<min(start + batchSize, indices.count)])
            let predicted = try network.predictions(try images.inputs(chunk, as: Double.self))
            correct += zip(predicted, images.labels(chunk)).filter { $0 == $1 }.count
        }
    }
}
