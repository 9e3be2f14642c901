/// A matrix in compressed sparse row form (CSR), for the mostly-zero dense expansions of
/// convolutions: products with a few vectors at a time cost O(nonzeros) instead of O(rows · columns).
///
/// ```
/// A[i, columnIndices[k]] = values[k]   for k in rowStarts[i] ..< rowStarts[i + 1]
/// ```
public struct SparseRowMatrix: Sendable, Equatable {
    /// Number of rows.
    public let rows: Int
    /// Number of columns.
    public let columns: Int
    /// Start of each row's entries in `values` (`rows + 1` entries, the last = nonzero count).
    public let rowStarts: [Int]
    /// Column of each stored entry.
    public let columnIndices: [Int]
    /// The stored entries, row by row.
    public let values: [Double]

    /// The nonzero entries of a dense matrix.
    public init(_ dense: Matrix<Double>) {
        var starts = [0], indices: [Int] = [], values: [Double] = []
        for i in 0..<dense.rows {
            let base = i * dense.columns
            for j in 0..<dense.columns where dense.elements[base + j] != 0 {
                indices.append(j)
                values.append(dense.elements[base + j])
            }
            starts.append(indices.count)
        }
        rows = dense.rows
        columns = dense.columns
        rowStarts = starts
        columnIndices = indices
        self.values = values
    }

    /// Fraction of entries stored.
    public var density: Double { Double(values.count) / Double(max(1, rows * columns)) }

    /// `x Aᵀ` for a `p × columns` matrix x (each row of x multiplied by A): a `p × rows` matrix.
    ///
    /// - Throws: `LinearAlgebraError` when x has the wrong number of columns.
    /// - Complexity: O(p · nonzeros).
    public func timesTransposed(_ x: Matrix<Double>) throws -> Matrix<Double> {
        guard x.columns == columns else {
            throw LinearAlgebraError.dimensionMismatch("sparse product: \(x.rows)×\(x.columns) times (\(rows)×\(columns))ᵀ")
        }
        var out = [Double](repeating: 0, count: x.rows * rows)
        x.elements.withUnsafeBufferPointer { xe in
            values.withUnsafeBufferPointer { v in
                columnIndices.withUnsafeBufferPointer { ci in
                    out.withUnsafeMutableBufferPointer { o in
                        for c in 0..<x.rows {
                            let xb = c * columns, ob = c * rows
                            for i in 0..<rows {
                                var s = 0.0
                                for k in rowStarts[i]..<rowStarts[i + 1] { s += v[k] * xe[xb + ci[k]] }
                                o[ob + i] = s
                            }
                        }
                    }
                }
            }
        }
        return try Matrix(rows: x.rows, columns: rows, elements: out)
    }

    /// `out += y A` for a `p × rows` matrix y and a `p × columns` matrix out (Aᵀ applied to each row of y).
    ///
    /// - Throws: `LinearAlgebraError` when the shapes do not chain.
    /// - Complexity: O(p · nonzeros).
    public func accumulateProduct(_ y: Matrix<Double>, into out: inout Matrix<Double>) throws {
        guard y.columns == rows, out.columns == columns, out.rows == y.rows else {
            throw LinearAlgebraError.dimensionMismatch("sparse product: \(y.rows)×\(y.columns) times \(rows)×\(columns) into \(out.rows)×\(out.columns)")
        }
        y.elements.withUnsafeBufferPointer { ye in
            values.withUnsafeBufferPointer { v in
                columnIndices.withUnsafeBufferPointer { ci in
                    out.elements.withUnsafeMutableBufferPointer { o in
                        for c in 0..<y.rows {
                            let yb = c * rows, ob = c * columns
                            for i in 0..<rows {
                                let a = ye[yb + i]
                                if a == 0 { continue }
                                for k in rowStarts[i]..<rowStarts[i + 1] { o[ob + ci[k]] += a * v[k] }
                            }
                        }
                    }
                }
            }
        }
    }
}
