import Datasets
import Networks
import Foundation
import TestSupport
@testable import Training

/// The repository's MNIST, shared by the training tests.
let repositoryMNIST = MNIST(directory: TestPaths.inRepository("Data/mnist"))

/// The first `train` training images and the first `validation` verification images.
func trainingData(train: Int, validation: Int = 500) throws -> (ImageSet, ImageSet) {
    (try repositoryMNIST.load(.train).slice(0..<train), try repositoryMNIST.load(.verification).slice(0..<validation))
}

/// A trainer that logs nothing.
func quietTrainer(_ recipe: TrainingRecipe, _ data: (ImageSet, ImageSet)) throws -> Trainer {
    var t = try Trainer(recipe: recipe, training: data.0, validation: data.1)
    t.log = { _ in }
    t.progressInterval = 0
    return t
}

/// The central difference `(f(θ + h e_k) − f(θ − h e_k)) / 2h` of a function of a network, for
/// the parameter `entry` of flat tensor `tensor`.
func centralDifference(
    _ net: ReLUNetwork<Double>, tensor: Int, entry: Int, h: Double = 1e-6,
    _ f: (ReLUNetwork<Double>) throws -> Double
) throws -> Double {
    var plus = net.flatParameters, minus = plus
    plus[tensor][entry] += h
    minus[tensor][entry] -= h
    var np = net, nm = net
    try np.setFlatParameters(plus)
    try nm.setFlatParameters(minus)
    return (try f(np) - f(nm)) / (2 * h)
}
