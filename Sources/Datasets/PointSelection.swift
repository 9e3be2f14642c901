import LinearAlgebra

/// Which points of a split a command works on: explicit indices, N seeded random ones, or all.
///
/// Random selection is a partial Fisher–Yates shuffle of `0..<n` driven by `SplitMix64(seed)`,
/// returned in ascending order, so `--points 1000 --seed 0` names the same points on every machine:
///
/// ```
/// a = [0, 1, …, n−1];  for i in 0..<N: j = i + uniform(n − i); swap a[i], a[j];  sort a[0..<N]
/// ```
public enum PointSelection: Equatable, Sendable {
    /// Every point of the split.
    case all
    /// These indices, in this order.
    case indices([Int])
    /// `count` distinct points drawn with `seed`.
    case random(count: Int, seed: UInt64)

    /// Parses an index list such as `0-99`, `3,17,42` or `0-9,100-109` (ranges are inclusive).
    ///
    /// - Throws: `PointSelectionError` naming the bad piece.
    public static func parseIndices(_ text: String) throws(PointSelectionError) -> PointSelection {
        var result: [Int] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            let part = piece.trimmingCharacters(in: " ")
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false)
            if bounds.count == 1, let i = Int(bounds[0]), i >= 0 {
                result.append(i)
            } else if bounds.count == 2, let a = Int(bounds[0]), let b = Int(bounds[1]), a >= 0, a <= b {
                result.append(contentsOf: a...b)
            } else {
                throw PointSelectionError(message: "'\(part)' in '\(text)' is not an index or an increasing range like 0-99")
            }
        }
        return .indices(result)
    }

    /// The concrete indices for a split of `size` points.
    ///
    /// - Throws: `PointSelectionError` for an index outside the split or more random points than it has.
    public func resolve(size: Int) throws(PointSelectionError) -> [Int] {
        switch self {
        case .all:
            return Array(0..<size)
        case .indices(let list):
            if let bad = list.first(where: { $0 >= size }) {
                throw PointSelectionError(message: "index \(bad) is outside the split (0-\(size - 1))")
            }
            return list
        case .random(let count, let seed):
            guard count >= 0, count <= size else {
                throw PointSelectionError(message: "cannot draw \(count) distinct points from a split of \(size)")
            }
            var generator = SplitMix64(seed: seed)
            var a = Array(0..<size)
            for i in 0..<count {
                let j = i + generator.uniform(below: size - i)
                a.swapAt(i, j)
            }
            return a[0..<count].sorted()
        }
    }
}

/// A point selection that cannot be parsed or applied.
public struct PointSelectionError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
