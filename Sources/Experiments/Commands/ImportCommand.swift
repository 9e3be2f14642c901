import ArgumentParser
import Foundation
import Networks

/// `experiments import`: an ONNX model of a ReLU MLP → the harness's HDF5 network file.
struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Convert an ONNX ReLU MLP into the harness's HDF5 network file.",
        discussion: """
            Accepts chains of Gemm / MatMul+Add / Relu / Flatten / Reshape, with element-wise input \
            normalisation (Sub, Div, …) folded into the first layer. A model whose last layer is followed \
            by a ReLU is rejected unless --allow-final-relu drops that ReLU (the predicted class is then \
            unchanged only where some logit is positive).

            Examples:
              experiments import --onnx net.onnx --out networks/net.h5 --input-shape 28,28
              experiments import --onnx mnist_relu_9_200.onnx --out eran9x200.h5 --allow-final-relu
            """)

    @Option(help: ArgumentHelp("The ONNX model.", valueName: "file"))
    var onnx: String

    @Option(help: ArgumentHelp("The HDF5 network file to write.", valueName: "file"))
    var out: String

    @Option(help: "Network name (default: the ONNX file name).")
    var name: String?

    @Option(help: ArgumentHelp("Input shape to record, e.g. 28,28 (default: from the graph input).", valueName: "dims"))
    var inputShape: String?

    @Option(help: "Lower end of the input domain.")
    var inputLower: Double = 0

    @Option(help: "Upper end of the input domain.")
    var inputUpper: Double = 1

    @Flag(help: "Drop a ReLU after the last layer instead of rejecting the model.")
    var allowFinalRelu = false

    func validate() throws {
        if let inputShape, parseShape(inputShape) == nil {
            throw ValidationError("--input-shape must be positive integers separated by commas, got '\(inputShape)'")
        }
        guard inputLower < inputUpper else {
            throw ValidationError("--input-lower (\(inputLower)) must be below --input-upper (\(inputUpper))")
        }
    }

    func run() throws {
        let network = try ReLUNetwork<Double>.importONNX(
            from: onnx, name: name, allowFinalReLU: allowFinalRelu, inputShape: inputShape.flatMap(parseShape),
            inputLower: inputLower, inputUpper: inputUpper)
        try network.write(to: out)
        print("wrote \(out): \(network.name), \(network.architecture), input \(network.inputShape)")
    }
}

/// `28,28` → `[28, 28]`; nil unless every entry is a positive integer.
func parseShape(_ text: String) -> [Int]? {
    let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
    guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
    return parts.compactMap { $0 }
}
