import LinearAlgebra

/// Labelled images stored as bytes; a pixel's value is `byte / 255`, so inputs lie in [0, 1].
public struct ImageSet: Equatable, Sendable {
    /// The shape of one image, e.g. `[28, 28]` or `[7, 7]`.
    public let shape: [Int]
    /// The pixel bytes, image after image, each row-major.
    public let pixels: [UInt8]
    /// The class label of each image.
    public let labels: [Int]

    /// A set of `labels.count` images of the given shape.
    ///
    /// - Throws: `DatasetError.inconsistent` when the pixel count does not fit.
    public init(shape: [Int], pixels: [UInt8], labels: [Int]) throws(DatasetError) {
        let size = shape.reduce(1, *)
        guard pixels.count == size * labels.count else {
            throw DatasetError.inconsistent(
                "\(pixels.count) pixel bytes for \(labels.count) images of shape \(shape)")
        }
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    private init(uncheckedShape shape: [Int], pixels: [UInt8], labels: [Int]) {
        self.shape = shape
        self.pixels = pixels
        self.labels = labels
    }

    /// Number of images.
    public var count: Int { labels.count }
    /// Pixels per image.
    public var pixelCount: Int { shape.reduce(1, *) }

    /// The images at `indices` as network inputs, one per row, each pixel `byte / 255`.
    ///
    /// - Throws: `DatasetError.inconsistent` for an index outside `0..<count`.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func inputs<Scalar: BLASScalar>(_ indices: [Int], as _: Scalar.Type = Scalar.self) throws(DatasetError) -> Matrix<Scalar> {
        let n = pixelCount
        var m = Matrix<Scalar>(rows: indices.count, columns: n)
        if let bad = indices.first(where: { $0 < 0 || $0 >= count }) {
            throw DatasetError.inconsistent("index \(bad) is outside 0..<\(count)")
        }
        m.elements.withUnsafeMutableBufferPointer { out in
            pixels.withUnsafeBufferPointer { source in
                for (r, i) in indices.enumerated() {
                    let row = out.baseAddress! + r * n, image = source.baseAddress! + i * n
                    for p in 0..<n { row[p] = Scalar(image[p]) / 255 }
                }
            }
        }
        return m
    }

    /// The labels at `indices`.
    public func labels(_ indices: [Int]) -> [Int] { indices.map { labels[$0] } }

    /// The images `range` as a new set.
    public func slice(_ range: Range<Int>) -> ImageSet {
        let n = pixelCount
        return ImageSet(
            uncheckedShape: shape, pixels: Array(pixels[(range.lowerBound * n)..<(range.upperBound * n)]),
            labels: Array(labels[range]))
    }

    /// Each image max-pooled over non-overlapping `size × size` windows (28 × 28 → 7 × 7 for 4).
    ///
    /// ```
    /// pooled[r, c] = max_{0 ≤ a, b < size} image[size·r + a, size·c + b]
    /// ```
    /// - Throws: `DatasetError.inconsistent` unless the images are 2-D with sides divisible by `size`.
    public func maxPooled(_ size: Int) throws(DatasetError) -> ImageSet {
        guard shape.count == 2, size > 0, shape[0] % size == 0, shape[1] % size == 0 else {
            throw DatasetError.inconsistent("cannot max-pool images of shape \(shape) by \(size)")
        }
        let (h, w) = (shape[0], shape[1])
        let (ph, pw) = (h / size, w / size)
        var out = [UInt8](repeating: 0, count: count * ph * pw)
        for i in 0..<count {
            let base = i * h * w
            for r in 0..<ph {
                for c in 0..<pw {
                    var m: UInt8 = 0
                    for a in 0..<size {
                        for b in 0..<size { m = max(m, pixels[base + (size * r + a) * w + size * c + b]) }
                    }
                    out[(i * ph + r) * pw + c] = m
                }
            }
        }
        return ImageSet(uncheckedShape: [ph, pw], pixels: out, labels: labels)
    }
}
