import Foundation
import LinearAlgebra

// MARK: - The subset of onnx.proto that an MLP needs

/// A `TensorProto` with its values converted to `Double` (int64 shape constants included).
struct ONNXTensor {
    var name = ""
    var dims: [Int] = []
    var values: [Double] = []

    /// Decodes a tensor stored inline (external data is rejected).
    init(_ message: ProtobufReader, path: String) throws(ONNXFailure) {
        var r = message
        var dataType = 0
        var raw: Range<Int>? = nil
        var dims: [UInt64] = [], words32: [UInt32] = [], words64: [UInt64] = [], ints: [UInt64] = []
        try decoding(path) { () throws(ProtobufError) in
            while let f = try r.nextField() {
                switch f.number {
                case 1: try r.appendVarints(f, to: &dims)
                case 2: dataType = Int(try r.varint(f))
                case 4: try r.appendFixed(f, to: &words32)  // float_data
                case 5, 7: try r.appendVarints(f, to: &ints)  // int32_data, int64_data
                case 8: name = try r.string(f)
                case 9: raw = try r.range(f)
                case 10: try r.appendFixed(f, to: &words64)  // double_data
                case 14:
                    if try r.varint(f) != 0 {
                        throw ProtobufError(offset: r.offset, reason: "tensor data stored in an external file is not supported")
                    }
                default: break
                }
            }
        }
        let at = name.isEmpty ? path : "\(path) '\(name)'"
        self.dims = dims.map { Int(truncatingIfNeeded: $0) }
        guard let count = elementCount(self.dims) else { throw ONNXFailure(at, "invalid dims \(dims)") }
        let width: Int
        switch dataType {
        case 1: width = 4; values = words32.map { Double(Float(bitPattern: $0)) }
        case 11: width = 8; values = words64.map { Double(bitPattern: $0) }
        case 6, 7: width = dataType == 6 ? 4 : 8; values = ints.map { Double(Int64(bitPattern: $0)) }
        default: throw ONNXFailure(at, "unsupported tensor data type \(dataType) (float32, float64, int32 and int64 are)")
        }
        if let raw {
            guard raw.count == count * width else {
                throw ONNXFailure(at, "raw_data has \(raw.count) bytes, dims \(self.dims) need \(count * width)")
            }
            let b = message.bytes
            values = stride(from: raw.lowerBound, to: raw.upperBound, by: width).map { i in
                let word = ProtobufReader.littleEndian(b, at: i, width: width)
                switch dataType {
                case 1: return Double(Float(bitPattern: UInt32(truncatingIfNeeded: word)))
                case 11: return Double(bitPattern: word)
                case 6: return Double(Int32(truncatingIfNeeded: word))
                default: return Double(Int64(bitPattern: word))
                }
            }
        }
        guard values.count == count else {
            throw ONNXFailure(at, "has \(values.count) values, dims \(self.dims) need \(count)")
        }
    }

    /// A tensor built from values (for `Constant` attributes such as `value_floats`).
    init(dims: [Int], values: [Double]) { (self.dims, self.values) = (dims, values) }
}

/// An attribute of a node: a number, a list of numbers or a tensor.
enum ONNXAttribute {
    case number(Double), numbers([Double]), tensor(ONNXTensor), other
}

/// A `NodeProto`.
struct ONNXNode {
    var inputs: [String] = [], outputs: [String] = [], name = "", opType = "", domain = ""
    var attributes: [String: ONNXAttribute] = [:]

    init(_ message: ProtobufReader, path: String) throws(ONNXFailure) {
        var r = message
        var attributeMessages: [ProtobufReader] = []
        try decoding(path) { () throws(ProtobufError) in
            while let f = try r.nextField() {
                switch f.number {
                case 1: inputs.append(try r.string(f))
                case 2: outputs.append(try r.string(f))
                case 3: name = try r.string(f)
                case 4: opType = try r.string(f)
                case 5: attributeMessages.append(try r.message(f))
                case 7: domain = try r.string(f)
                default: break
                }
            }
        }
        for var a in attributeMessages {
            var key = "", kind = 0, value = ONNXAttribute.other, list: [Double] = []
            var tensor: ProtobufReader? = nil
            try decoding(path) { () throws(ProtobufError) in
                var floats: [UInt32] = [], ints: [UInt64] = []
                while let f = try a.nextField() {
                    switch f.number {
                    case 1: key = try a.string(f)
                    case 20: kind = Int(try a.varint(f))
                    case 2: value = .number(Double(try a.float(f)))
                    case 3: value = .number(Double(try a.int64(f)))
                    case 5: tensor = try a.message(f)
                    case 7: try a.appendFixed(f, to: &floats)
                    case 8: try a.appendVarints(f, to: &ints)
                    default: break
                    }
                }
                list = floats.map { Double(Float(bitPattern: $0)) } + ints.map { Double(Int64(bitPattern: $0)) }
            }
            if let tensor { value = .tensor(try ONNXTensor(tensor, path: "\(path) attribute '\(key)'")) }
            if kind == 6 || kind == 7 || (kind == 0 && !list.isEmpty) { value = .numbers(list) }
            if kind == 1 || kind == 2, case .other = value { value = .number(0) }  // a default left out
            attributes[key] = value
        }
    }

    /// A numeric attribute, or `default` when absent.
    func number(_ key: String, default d: Double) -> Double {
        if case .number(let v)? = attributes[key] { return v }
        return d
    }

    /// An integer attribute, or `default` when absent (`Int.max` when out of range).
    func integer(_ key: String, default d: Int) -> Int {
        Int(exactly: number(key, default: Double(d)).rounded(.towardZero)) ?? Int.max
    }
}

/// A `ModelProto` with the parts the importer uses.
struct ONNXModel {
    var producer = "unknown", opset = "?"
    var graph = ONNXGraph()

    init(bytes: [UInt8]) throws(ONNXFailure) {
        var r = ProtobufReader(bytes)
        var graphMessage: ProtobufReader? = nil
        try decoding("model") { () throws(ProtobufError) in
            var name = "", version = ""
            while let f = try r.nextField() {
                switch f.number {
                case 2: name = try r.string(f)
                case 3: version = try r.string(f)
                case 7: graphMessage = try r.message(f)
                case 8:
                    var o = try r.message(f)
                    var domain = "", v: Int64 = 0
                    while let g = try o.nextField() {
                        if g.number == 1 { domain = try o.string(g) } else if g.number == 2 { v = try o.int64(g) }
                    }
                    if domain.isEmpty || domain == "ai.onnx" { opset = String(v) }
                default: break
                }
            }
            if !name.isEmpty { producer = version.isEmpty ? name : "\(name) \(version)" }
        }
        guard let graphMessage else { throw ONNXFailure("model", "no graph (is this an ONNX model file?)") }
        graph = try ONNXGraph(graphMessage)
    }
}

/// A `GraphProto`: nodes in topological order, initializers, inputs and outputs with shapes.
struct ONNXGraph {
    var nodes: [ONNXNode] = []
    var initializers: [ONNXTensor] = []
    /// Name and dims (nil for a symbolic or unknown size; nil list when the shape is unknown).
    var inputs: [(name: String, dims: [Int?]?)] = [], outputs: [String] = []

    init() {}

    init(_ message: ProtobufReader) throws(ONNXFailure) {
        var r = message
        var nodes: [ProtobufReader] = [], initializers: [ProtobufReader] = []
        try decoding("graph") { () throws(ProtobufError) in
            while let f = try r.nextField() {
                switch f.number {
                case 1: nodes.append(try r.message(f))
                case 5: initializers.append(try r.message(f))
                case 11: inputs.append(try Self.valueInfo(try r.message(f)))
                case 12: outputs.append(try Self.valueInfo(try r.message(f)).name)
                case 15: throw ProtobufError(offset: r.offset, reason: "sparse initializers are not supported")
                default: break
                }
            }
        }
        for (k, m) in initializers.enumerated() { self.initializers.append(try ONNXTensor(m, path: "graph/initializer[\(k)]")) }
        for (k, m) in nodes.enumerated() { self.nodes.append(try ONNXNode(m, path: "graph/node[\(k)]")) }
    }

    /// Name and tensor dims of a `ValueInfoProto` (type 2 → tensor_type 1 → shape 2 → dim 1).
    private static func valueInfo(_ message: ProtobufReader) throws(ProtobufError) -> (name: String, dims: [Int?]?) {
        var r = message, name = "", dims: [Int?]? = nil
        while let f = try r.nextField() {
            if f.number == 1 { name = try r.string(f) } else if f.number == 2 { dims = try shape(of: r.message(f)) }
        }
        return (name, dims)
    }

    /// The dims of a `TypeProto` (tensor_type 1 → shape 2 → dim 1 → dim_value 1).
    private static func shape(of message: ProtobufReader) throws(ProtobufError) -> [Int?]? {
        var dims: [Int?]? = nil
        for (t, type) in try fields(message) where t.number == 1 {
            for (s, tensor) in try fields(try type.message(t)) where s.number == 2 {
                dims = []
                for (d, shape) in try fields(try tensor.message(s)) where d.number == 1 {
                    var size: Int? = nil
                    for (v, dim) in try fields(try shape.message(d)) where v.number == 1 { size = Int(try dim.int64(v)) }
                    dims?.append(size.flatMap { $0 > 0 ? $0 : nil })
                }
            }
        }
        return dims
    }

    /// All fields of a message, each with the reader that holds its payload.
    private static func fields(_ message: ProtobufReader) throws(ProtobufError) -> [(ProtobufField, ProtobufReader)] {
        var r = message, all: [(ProtobufField, ProtobufReader)] = []
        while let f = try r.nextField() { all.append((f, r)) }
        return all
    }
}
