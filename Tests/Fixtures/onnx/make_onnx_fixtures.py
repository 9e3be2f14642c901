"""Writes the tiny ONNX fixtures of ONNXImportTests.swift and expected.json.

Run from anywhere: python3 make_onnx_fixtures.py (needs the onnx and numpy packages).
expected.json holds, per fixture, the layers the importer should produce (normalisation folded
in, float64) and scores for a few inputs computed by onnx.reference.ReferenceEvaluator on the
original graph (so they check the importer's folding, not a re-implementation of it).
"""
import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.reference import ReferenceEvaluator

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20240611)


def f32(*shape):
    return rng.uniform(-1, 1, size=shape).astype(np.float32)


def tensor(name, array, raw=True):
    """An initializer; raw=False stores float_data / double_data / int64_data instead."""
    array = np.asarray(array)
    dtype = helper.np_dtype_to_tensor_dtype(array.dtype)
    if raw:
        return numpy_helper.from_array(array, name)
    return helper.make_tensor(name, dtype, array.shape, array.flatten().tolist())


def save(name, nodes, inputs, outputs, initializers, ir_version=8, opset=13, check=True):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializers)
    model = helper.make_model(graph, producer_name="make_onnx_fixtures", opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = ir_version
    if check:
        onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name + ".onnx"))
    return model


def run(model, name, x):
    return ReferenceEvaluator(model).run(None, {name: x})[0]


def layer_json(w, b):
    return {"weight": np.asarray(w, np.float64).tolist(), "bias": np.asarray(b, np.float64).tolist()}


expected = {}

# 1. Sub/Div normalisation, Flatten, Gemm with alpha/beta/transB, float_data and raw_data weights.
mean = f32(1, 1, 3, 2) * 0.1 + 0.5
std = np.array([0.25], np.float32)
w0, b0 = f32(5, 6), f32(5)
w1, b1 = f32(5, 4), f32(4)  # transB = 0: stored [in, out]
w2, b2 = f32(3, 4), f32(1, 3)
alpha, beta = 0.5, 2.0
nodes = [
    helper.make_node("Constant", [], ["std"], value=numpy_helper.from_array(std)),
    helper.make_node("Sub", ["x", "mean"], ["centred"]),
    helper.make_node("Div", ["centred", "std"], ["scaled"]),
    helper.make_node("Flatten", ["scaled"], ["flat"], axis=1),
    helper.make_node("Gemm", ["flat", "w0", "b0"], ["z0"], alpha=alpha, beta=beta, transB=1),
    helper.make_node("Relu", ["z0"], ["h0"]),
    helper.make_node("Gemm", ["h0", "w1", "b1"], ["z1"]),
    helper.make_node("Relu", ["z1"], ["h1"]),
    helper.make_node("Gemm", ["h1", "w2", "b2"], ["scores"], transB=1),
]
model = save(
    "normalized_gemm", nodes,
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 1, 3, 2])],
    [helper.make_tensor_value_info("scores", TensorProto.FLOAT, ["N", 3])],
    [tensor("mean", mean), tensor("w0", w0), tensor("b0", b0, raw=False), tensor("w1", w1, raw=False),
     tensor("b1", b1), tensor("w2", w2), tensor("b2", b2)])
x = rng.uniform(0, 1, size=(4, 1, 3, 2)).astype(np.float32)
m64, s64 = mean.astype(np.float64).reshape(-1), float(std[0])
w0f = alpha * w0.astype(np.float64) / s64
b0f = -w0f @ m64 + beta * b0.astype(np.float64)
expected["normalized_gemm"] = {
    "inputShape": [3, 2], "architecture": "6-5-4-3",
    "layers": [layer_json(w0f, b0f), layer_json(w1.T, b1), layer_json(w2, b2.reshape(-1))],
    "inputs": x.reshape(4, -1).astype(np.float64).tolist(),
    "scores": run(model, "x", x).astype(np.float64).tolist(),
}

# 2. float64 model: Reshape by an int64 Constant, MatMul + Add (bias on either side), Identity;
#    IR 3 style, with the initializers also listed as graph inputs.
v0, c0 = rng.uniform(-1, 1, (4, 3)), rng.uniform(-1, 1, 3)
v1, c1 = rng.uniform(-1, 1, (3, 2)), rng.uniform(-1, 1, 2)
nodes = [
    helper.make_node("Constant", [], ["shape"], value=tensor("shape", np.array([1, -1], np.int64), raw=False)),
    helper.make_node("Reshape", ["x", "shape"], ["flat"]),
    helper.make_node("MatMul", ["flat", "v0"], ["m0"]),
    helper.make_node("Add", ["c0", "m0"], ["z0"]),
    helper.make_node("Relu", ["z0"], ["h0"]),
    helper.make_node("Identity", ["h0"], ["h0b"]),
    helper.make_node("MatMul", ["h0b", "v1"], ["m1"]),
    helper.make_node("Add", ["m1", "c1"], ["y"]),
]
inits = [tensor("v0", v0), tensor("c0", c0, raw=False), tensor("v1", v1, raw=False), tensor("c1", c1)]
model = save(
    "matmul_add_f64", nodes,
    [helper.make_tensor_value_info("x", TensorProto.DOUBLE, [1, 2, 2])]
    + [helper.make_tensor_value_info(t.name, t.data_type, list(t.dims)) for t in inits],
    [helper.make_tensor_value_info("y", TensorProto.DOUBLE, [1, 2])], inits, ir_version=3, opset=9)
xs = rng.uniform(0, 1, size=(3, 1, 2, 2))
expected["matmul_add_f64"] = {
    "inputShape": [2, 2], "architecture": "4-3-2",
    "layers": [layer_json(v0.T, c0), layer_json(v1.T, c1)],
    "inputs": xs.reshape(3, -1).tolist(),
    "scores": [run(model, "x", xi).reshape(-1).tolist() for xi in xs],
}

# 3. A ReLU after the last Gemm (like ERAN's mnist_relu_9_200.onnx).
u0, d0, u1, d1 = f32(4, 3), f32(4), f32(2, 4), np.array([-5, 0.25], np.float32)
nodes = [
    helper.make_node("Gemm", ["x", "u0", "d0"], ["z0"], transB=1),
    helper.make_node("Relu", ["z0"], ["h0"]),
    helper.make_node("Gemm", ["h0", "u1", "d1"], ["z1"], transB=1),
    helper.make_node("Relu", ["z1"], ["y"]),
]
model = save(
    "final_relu", nodes, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
    [tensor("u0", u0), tensor("d0", d0), tensor("u1", u1), tensor("d1", d1)])
xs = rng.uniform(0, 1, size=(3, 1, 3)).astype(np.float32)
logits = []
for xi in xs:
    h = np.maximum(u0.astype(np.float64) @ xi.reshape(-1) + d0, 0)
    logits.append((u1.astype(np.float64) @ h + d1).tolist())
expected["final_relu"] = {
    "inputShape": [3], "architecture": "3-4-2",
    "layers": [layer_json(u0, d0), layer_json(u1, d1)],
    "inputs": xs.reshape(3, -1).astype(np.float64).tolist(),
    "scores": logits,  # pre-ReLU logits: what the importer gives with allowFinalReLU
    "clippedScores": [run(model, "x", xi).reshape(-1).astype(np.float64).tolist() for xi in xs],
}

# 4. Rejections: a convolution, an unknown operator, a shape mismatch, a NaN weight, a branch.
x4 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])
save("conv", [
    helper.make_node("Conv", ["x", "k"], ["c"]),
    helper.make_node("Flatten", ["c"], ["f"]),
    helper.make_node("Gemm", ["f", "w", "b"], ["y"], transB=1),
], [x4], [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])],
    [tensor("k", f32(1, 1, 3, 3)), tensor("w", f32(2, 4)), tensor("b", f32(2))])
x3 = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3])
y2 = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 2])
save("unknown_op", [
    helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
    helper.make_node("Sigmoid", ["z"], ["h"]),
    helper.make_node("Gemm", ["h", "w2", "b2"], ["y"], transB=1),
], [x3], [y2], [tensor("w", f32(4, 3)), tensor("b", f32(4)), tensor("w2", f32(2, 4)), tensor("b2", f32(2))])
save("shape_mismatch", [
    helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
    helper.make_node("Relu", ["z"], ["h"]),
    helper.make_node("Gemm", ["h", "w2", "b2"], ["y"], transB=1),
], [x3], [y2], [tensor("w", f32(4, 3)), tensor("b", f32(4)), tensor("w2", f32(2, 5)), tensor("b2", f32(2))],
    check=False)
bad = f32(2, 3)
bad[1, 2] = np.nan
save("nan_weight", [helper.make_node("Gemm", ["x", "w", "b"], ["y"], transB=1)], [x3], [y2],
     [tensor("w", bad), tensor("b", f32(2))])
save("branching", [
    helper.make_node("Gemm", ["x", "w", "b"], ["z"], transB=1),
    helper.make_node("Relu", ["z"], ["h"]),
    helper.make_node("Add", ["h", "z"], ["s"]),
    helper.make_node("Gemm", ["s", "w2", "b2"], ["y"], transB=1),
], [x3], [y2], [tensor("w", f32(4, 3)), tensor("b", f32(4)), tensor("w2", f32(2, 4)), tensor("b2", f32(2))])

with open(os.path.join(HERE, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
    f.write("\n")
