import Foundation
import LinearAlgebra

/// Reading and writing the HDF5 network file of network-format.md (format `relu-mlp`, version 1).
extension ReLUNetwork {
    /// The value of the root attribute `format`.
    public static var fileFormat: String { "relu-mlp" }
    /// The `format_version` this code reads and writes.
    public static var fileFormatVersion: Int { 1 }

    /// Reads a network file, checking everything network-format.md requires.
    ///
    /// Weights stored as float32 or float64 are converted to `Scalar`.
    /// - Throws: `NetworkFileError` naming the file and HDF5 path for a missing or unreadable
    ///   file, a missing attribute, an unknown `format` or `format_version`, a shape mismatch
    ///   between consecutive layers, a non-finite weight, or a gap in the layer numbering.
    public static func read(from file: String) throws(NetworkFileError) -> ReLUNetwork {
        func fail(_ path: String, _ reason: String) -> NetworkFileError {
            NetworkFileError(file: file, path: path, reason: reason)
        }
        guard FileManager.default.fileExists(atPath: file) else { throw fail("/", "no such file") }
        do {
            let root = try HDF5Object.openFile(file)
            let format = try root.readStringAttribute("format")
            guard format == fileFormat else {
                throw HDF5Failure(path: "/@format", reason: "unknown format '\(format)' (expected '\(fileFormat)')")
            }
            let version = try root.readIntegerAttribute("format_version")
            guard version == [fileFormatVersion] else {
                throw HDF5Failure(
                    path: "/@format_version",
                    reason: "unknown format_version \(version.count == 1 ? "\(version[0])" : "\(version)") (this reader knows \(fileFormatVersion))")
            }
            let inputShape = try root.readIntegerAttribute("input_shape")
            guard !inputShape.isEmpty, inputShape.allSatisfy({ $0 > 0 }) else {
                throw HDF5Failure(path: "/@input_shape", reason: "must be a non-empty list of positive sizes, got \(inputShape)")
            }
            let lower = try scalarAttribute(root, "input_lower")
            let upper = try scalarAttribute(root, "input_upper")
            guard lower < upper else {
                throw HDF5Failure(path: "/@input_lower", reason: "input_lower \(lower) must be below input_upper \(upper)")
            }
            let name = try root.readStringAttribute("name")
            let provenance = root.hasAttribute("description") ? try root.readStringAttribute("description") : nil

            let layersGroup = try root.group("layers")
            let count = try layerCount(layersGroup)
            var layers: [DenseLayer<Scalar>] = []
            var expectedInputs = inputShape.reduce(1, *)
            for k in 0..<count {
                let group = try layersGroup.group(String(k))
                let layer = try readLayer(group, expectedInputs: expectedInputs, isFirst: k == 0, inputShape: inputShape)
                expectedInputs = layer.outputSize
                layers.append(layer)
            }
            do {
                return try ReLUNetwork(
                    name: name, provenance: provenance, inputShape: inputShape,
                    inputLower: Scalar(lower), inputUpper: Scalar(upper), layers: layers)
            } catch {
                throw HDF5Failure(path: "/", reason: "\(error)")
            }
        } catch let failure as HDF5Failure {
            throw fail(failure.path, failure.reason)
        } catch {
            throw fail("/", "\(error)")
        }
    }

    private static func scalarAttribute(_ root: HDF5Object, _ name: String) throws(HDF5Failure) -> Double {
        let values = try root.readNumericAttribute(name)
        guard values.count == 1 else {
            throw HDF5Failure(path: "/@\(name)", reason: "must be a scalar, has \(values.count) elements")
        }
        guard values[0].isFinite else { throw HDF5Failure(path: "/@\(name)", reason: "must be finite, got \(values[0])") }
        return values[0]
    }

    /// The number of layers under `/layers`: the groups `0 … L` with no gap or padding.
    private static func layerCount(_ group: HDF5Object) throws(HDF5Failure) -> Int {
        let names = try group.childNames()
        var indices: [Int] = []
        for name in names {
            guard let k = Int(name), k >= 0 else { continue }  // other groups are allowed and ignored
            guard String(k) == name else {
                throw HDF5Failure(path: "/layers/\(name)", reason: "layer names are decimal indices without padding")
            }
            indices.append(k)
        }
        indices.sort()
        guard !indices.isEmpty else { throw HDF5Failure(path: "/layers", reason: "no layers (expected /layers/0, /layers/1, …)") }
        for (expected, k) in indices.enumerated() where k != expected {
            throw HDF5Failure(path: "/layers/\(expected)", reason: "missing layer (found /layers/\(k) after a gap)")
        }
        return indices.count
    }

    private static func readLayer(
        _ group: HDF5Object, expectedInputs: Int, isFirst: Bool, inputShape: [Int]
    ) throws(HDF5Failure) -> DenseLayer<Scalar> {
        let (wShape, w) = try group.readFloatDataset("weight")
        let (bShape, b) = try group.readFloatDataset("bias")
        let wPath = group.path + "/weight"
        let bPath = group.path + "/bias"
        guard wShape.count == 2 else {
            throw HDF5Failure(path: wPath, reason: "must be 2-D [out, in], has shape \(wShape)")
        }
        guard bShape.count == 1 else { throw HDF5Failure(path: bPath, reason: "must be 1-D [out], has shape \(bShape)") }
        guard wShape[1] == expectedInputs else {
            let source = isFirst ? "input_shape \(inputShape)" : "the previous layer's output"
            throw HDF5Failure(
                path: wPath, reason: "shape \(wShape) takes \(wShape[1]) inputs but \(source) gives \(expectedInputs)")
        }
        guard bShape[0] == wShape[0] else {
            throw HDF5Failure(path: bPath, reason: "shape \(bShape) does not match weight rows \(wShape[0])")
        }
        if let i = w.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Failure(path: wPath, reason: "non-finite value \(w[i]) at [\(i / wShape[1]), \(i % wShape[1])]")
        }
        if let i = b.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Failure(path: bPath, reason: "non-finite value \(b[i]) at [\(i)]")
        }
        let layer: DenseLayer<Scalar>
        do {
            let weight = try Matrix(rows: wShape[0], columns: wShape[1], elements: w.map { Scalar($0) })
            layer = try DenseLayer(weight: weight, bias: b.map { Scalar($0) })
        } catch {
            throw HDF5Failure(path: group.path, reason: "\(error)")
        }
        return try readConvolution(group, layer)
    }

    /// The value of a layer group's `kind` attribute that marks a convolution (network-format.md).
    static var convolutionKind: String { "conv2d" }

    /// The layer with its `convolution` when its group carries `kind = "conv2d"` and the structure
    /// attributes (network-format.md, optional extension); the dense matrix must have that structure.
    private static func readConvolution(_ group: HDF5Object, _ layer: DenseLayer<Scalar>) throws(HDF5Failure) -> DenseLayer<Scalar> {
        guard group.hasAttribute("kind"), try group.attributeClass("kind") == .string,
            try group.readStringAttribute("kind") == convolutionKind
        else { return layer }
        func scalar(_ name: String) throws(HDF5Failure) -> Int {
            let v = try group.readIntegerAttribute(name)
            guard v.count == 1 else { throw HDF5Failure(path: "\(group.path)@\(name)", reason: "must be a scalar, has \(v.count) elements") }
            return v[0]
        }
        let shape = try group.readIntegerAttribute("in_shape")
        guard shape.count == 3 else {
            throw HDF5Failure(path: "\(group.path)@in_shape", reason: "must be [channels, height, width], got \(shape)")
        }
        var result = layer
        do {
            let layout = try ConvolutionLayout(
                inputChannels: shape[0], inputHeight: shape[1], inputWidth: shape[2], filters: try scalar("filters"),
                kernel: try scalar("kernel"), stride: try scalar("stride"))
            _ = try layout.kernel(of: layer)
            result.convolution = layout
        } catch let failure as HDF5Failure {
            throw failure
        } catch {
            throw HDF5Failure(path: group.path + "/weight", reason: "\(error)")
        }
        return result
    }

    /// Writes the network in the format of network-format.md.
    ///
    /// Weights are stored as float32 for `ReLUNetwork<Float>` and float64 for `<Double>`. The file
    /// is written under a temporary name beside the target and renamed into place, so a crash
    /// never leaves a half-written network behind.
    /// - Throws: `NetworkFileError` when the file cannot be written or a weight is not finite.
    public func write(to file: String) throws(NetworkFileError) {
        for (k, layer) in layers.enumerated() where !layer.weight.isFinite || !layer.bias.allSatisfy({ $0.isFinite }) {
            throw NetworkFileError(file: file, path: "/layers/\(k)", reason: "refusing to write a non-finite weight")
        }
        let url = URL(fileURLWithPath: file)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp").path
        do {
            do {
                let root = try HDF5Object.createFile(temporary)
                try root.writeStringAttribute("format", Self.fileFormat)
                try root.writeIntegerAttribute("format_version", [Self.fileFormatVersion], asArray: false)
                try root.writeIntegerAttribute("input_shape", inputShape, asArray: true)
                try root.writeDoubleAttribute("input_lower", Double(inputLower))
                try root.writeDoubleAttribute("input_upper", Double(inputUpper))
                try root.writeStringAttribute("name", name)
                if let provenance { try root.writeStringAttribute("description", provenance) }
                let single = Scalar.self == Float.self
                let group = try root.createGroup("layers")
                for (k, layer) in layers.enumerated() {
                    let g = try group.createGroup(String(k))
                    try g.writeFloatDataset(
                        "weight", shape: [layer.outputSize, layer.inputSize],
                        values: layer.weight.elements.map { Double($0) }, single: single)
                    try g.writeFloatDataset(
                        "bias", shape: [layer.outputSize], values: layer.bias.map { Double($0) }, single: single)
                    if let c = layer.convolution {
                        try g.writeStringAttribute("kind", Self.convolutionKind)
                        try g.writeIntegerAttribute("in_shape", c.inputShape, asArray: true)
                        try g.writeIntegerAttribute("filters", [c.filters], asArray: false)
                        try g.writeIntegerAttribute("kernel", [c.kernel], asArray: false)
                        try g.writeIntegerAttribute("stride", [c.stride], asArray: false)
                    }
                }
            }  // the file is closed here, when `root` is released
            guard rename(temporary, file) == 0 else {
                throw HDF5Failure(path: "/", reason: "could not move the written file into place (errno \(errno))")
            }
        } catch let failure as HDF5Failure {
            try? FileManager.default.removeItem(atPath: temporary)
            throw NetworkFileError(file: file, path: failure.path, reason: failure.reason)
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw NetworkFileError(file: file, path: "/", reason: "\(error)")
        }
    }
}
