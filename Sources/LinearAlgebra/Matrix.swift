/// A dense matrix in row-major order over contiguous storage.
///
/// Element `(i, j)` is `elements[i * columns + j]`. Vectors are plain `[Scalar]` arrays.
/// Products go through BLAS (`Matrix+BLAS.swift`), eigen-decompositions through LAPACK
/// (`Matrix+SymmetricEigen.swift`).
public struct Matrix<Scalar: BLASScalar>: Equatable, Sendable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// The entries, row by row (`rows × columns` of them).
    public var elements: [Scalar]

    /// A matrix with every entry equal to `value`.
    public init(rows: Int, columns: Int, repeating value: Scalar = 0) {
        precondition(rows >= 0 && columns >= 0, "Matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.elements = [Scalar](repeating: value, count: rows * columns)
    }

    /// A matrix over the given row-major entries.
    ///
    /// - Throws: `LinearAlgebraError.dimensionMismatch` when `elements.count != rows * columns`.
    public init(rows: Int, columns: Int, elements: [Scalar]) throws {
        guard rows >= 0, columns >= 0, elements.count == rows * columns else {
            throw LinearAlgebraError.dimensionMismatch(
                "\(elements.count) entries for a \(rows) × \(columns) matrix")
        }
        self.rows = rows
        self.columns = columns
        self.elements = elements
    }

    /// A matrix from nested rows (all of the same length); convenient in tests.
    public init(_ nestedRows: [[Scalar]]) throws {
        let columns = nestedRows.first?.count ?? 0
        guard nestedRows.allSatisfy({ $0.count == columns }) else {
            throw LinearAlgebraError.dimensionMismatch("rows of different lengths")
        }
        try self.init(rows: nestedRows.count, columns: columns, elements: nestedRows.flatMap { $0 })
    }

    /// The `n × n` identity.
    public static func identity(_ n: Int) -> Matrix {
        var m = Matrix(rows: n, columns: n)
        for i in 0..<n { m.elements[i * n + i] = 1 }
        return m
    }

    /// Entry `(i, j)`.
    @inlinable
    public subscript(i: Int, j: Int) -> Scalar {
        get { elements[i * columns + j] }
        set { elements[i * columns + j] = newValue }
    }

    /// Row `i` as a slice of the storage.
    @inlinable
    public func row(_ i: Int) -> ArraySlice<Scalar> {
        elements[(i * columns)..<((i + 1) * columns)]
    }

    /// The shape as `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// The transpose, as a new matrix.
    ///
    /// - Complexity: O(rows × columns) copies.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func transposed() -> Matrix {
        var t = Matrix(rows: columns, columns: rows)
        let (r, c) = (rows, columns), block = 32
        t.elements.withUnsafeMutableBufferPointer { pt in
            elements.withUnsafeBufferPointer { pe in
                // 32 × 32 tiles: both the reads and the writes stay in cache lines already loaded.
                for i0 in stride(from: 0, to: r, by: block) {
                    for j0 in stride(from: 0, to: c, by: block) {
                        for i in i0..<min(i0 + block, r) {
                            for j in j0..<min(j0 + block, c) { pt[j * r + i] = pe[i * c + j] }
                        }
                    }
                }
            }
        }
        return t
    }

    /// The same entries in another precision.
    public func converted<Other: BLASScalar>(to _: Other.Type = Other.self) -> Matrix<Other> {
        // The count matches by construction.
        var m = Matrix<Other>(rows: rows, columns: columns)
        m.elements = elements.map { Other($0) }
        return m
    }

    /// Whether every entry is finite (no NaN or infinity).
    @inlinable
    public var isFinite: Bool {
        @_specialize(where Scalar == Float)
        @_specialize(where Scalar == Double)
        get { elements.allSatisfy { $0.isFinite } }
    }

    /// The largest absolute difference to another matrix of the same shape.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func maxAbsDifference(_ other: Matrix) -> Scalar {
        precondition(rows == other.rows && columns == other.columns, "shape mismatch")
        var d: Scalar = 0
        for (a, b) in zip(elements, other.elements) { d = Swift.max(d, abs(a - b)) }
        return d
    }
}

extension Matrix: CustomStringConvertible {
    public var description: String {
        let body = (0..<rows).map { i in row(i).map { "\($0)" }.joined(separator: ", ") }
        return "Matrix \(rows)×\(columns) [\(body.joined(separator: "; "))]"
    }
}
