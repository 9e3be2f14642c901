#!/usr/bin/env python3
"""Makes the IDX/MNIST fixtures of the Swift tests, independently of the Swift code.

Writes into idx/ (next to this script):
  good/      a tiny MNIST-like folder: 3 "test" images of 4x4 and their labels, gzip-compressed,
             with SHA256SUMS (of the .gz files)
  raw/       the same uncompressed, with SHA256SUMS.uncompressed
  truncated-idx3-ubyte, bad-magic-idx3-ubyte, wrong-count-idx3-ubyte, float-type-idx3-ubyte,
  truncated-gz-idx3-ubyte.gz     one broken file each
  badsum/    the good .gz files with a SHA256SUMS that does not match
  mnist_reference.json           facts about the real MNIST files in Data/mnist computed with
                                 numpy: labels of test images 0-9, the 4x4 max-pool of test images
                                 0-2, the pixel sum of verification image 0
Run: python3 Tests/Fixtures/make_idx_fixtures.py   (needs numpy)
"""
import gzip
import hashlib
import json
import os
import shutil
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fixture_common import load_mnist  # noqa: E402

ROOT = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(ROOT, "idx")
REPO = os.path.dirname(os.path.dirname(ROOT))
shutil.rmtree(OUT, ignore_errors=True)
os.makedirs(os.path.join(OUT, "good"))
os.makedirs(os.path.join(OUT, "raw"))
os.makedirs(os.path.join(OUT, "badsum"))


def idx(array, type_code=0x08):
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def gz(data):
    return gzip.compress(data, mtime=0)


rng = np.random.default_rng(7)
images = rng.integers(0, 256, size=(3, 4, 4), dtype=np.uint8)
labels = np.array([7, 2, 1], dtype=np.uint8)
files = {"t10k-images-idx3-ubyte": idx(images), "t10k-labels-idx1-ubyte": idx(labels)}
sums, sums_raw = [], []
for name, data in files.items():
    for d, folder, fname in ((gz(data), "good", name + ".gz"), (data, "raw", name)):
        with open(os.path.join(OUT, folder, fname), "wb") as f:
            f.write(d)
    sums.append(f"{hashlib.sha256(gz(data)).hexdigest()}  {name}.gz")
    sums_raw.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
    with open(os.path.join(OUT, "badsum", name + ".gz"), "wb") as f:
        f.write(gz(data))
with open(os.path.join(OUT, "good", "SHA256SUMS"), "w") as f:
    f.write("\n".join(sums) + "\n")
with open(os.path.join(OUT, "raw", "SHA256SUMS.uncompressed"), "w") as f:
    f.write("\n".join(sums_raw) + "\n")
with open(os.path.join(OUT, "badsum", "SHA256SUMS"), "w") as f:
    f.write("\n".join(("0" * 64) + "  " + s.split()[1] for s in sums) + "\n")
with open(os.path.join(OUT, "expected_good.json"), "w") as f:
    json.dump({"shape": [4, 4], "pixels": images.reshape(-1).tolist(), "labels": labels.tolist()}, f)

good = idx(images)
broken = {
    "truncated-idx3-ubyte": good[:-5],
    "truncated-header-idx3-ubyte": good[:9],
    "bad-magic-idx3-ubyte": b"\x08\x03" + good[2:],
    "wrong-count-idx3-ubyte": good + bytes(16),
    "float-type-idx3-ubyte": good[:2] + b"\x0d" + good[3:],
    "truncated-gz-idx3-ubyte.gz": gz(good)[:-20],
}
for name, data in broken.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)

# Facts about the real MNIST files shipped in Data/mnist.

test_images = load_mnist("t10k-images-idx3-ubyte")
test_labels = load_mnist("t10k-labels-idx1-ubyte")
train_images = load_mnist("train-images-idx3-ubyte")
train_labels = load_mnist("train-labels-idx1-ubyte")
pooled = test_images[:3].reshape(3, 7, 4, 7, 4).max(axis=(2, 4))
with open(os.path.join(OUT, "mnist_reference.json"), "w") as f:
    json.dump({
        "test_labels_0_9": test_labels[:10].tolist(),
        "test_pooled_0_2": pooled.reshape(3, -1).tolist(),
        "verification_label_0": int(train_labels[59000]),
        "verification_pixel_sum_0": int(train_images[59000].astype(np.int64).sum()),
        "train_label_58999": int(train_labels[58999]),
        "test_pixel_sum_all": int(test_images.astype(np.int64).sum()),
    }, f)
print("wrote", OUT)
