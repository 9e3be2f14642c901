import Foundation

/// The three MNIST splits used throughout the harness.
public enum Split: String, CaseIterable, Sendable, Codable {
    /// The first 59 000 images of the training file.
    case train
    /// The last 1 000 images of the training file (held out from training; paper 2's x̂).
    case verification
    /// The 10 000 images of the test file.
    case test
}

/// The MNIST IDX files in one directory, checked against their SHA-256 sums.
///
/// The directory holds `train-images-idx3-ubyte(.gz)`, `train-labels-idx1-ubyte(.gz)`,
/// `t10k-images-idx3-ubyte(.gz)`, `t10k-labels-idx1-ubyte(.gz)`, and `SHA256SUMS` (sums of the
/// `.gz` files) and/or `SHA256SUMS.uncompressed` (sums of the raw files), in `sha256sum` format.
/// The repository ships them in `Data/mnist/`.
public struct MNIST: Sendable {
    /// The directory of the IDX files.
    public let directory: String

    /// Number of training-file images in the `train` split.
    public static let trainCount = 59_000
    /// Number of training-file images in the `verification` split.
    public static let verificationCount = 1_000

    public init(directory: String) { self.directory = directory }

    /// The images of a split, at full resolution (28 × 28).
    ///
    /// - Throws: `DatasetError` naming the file for a missing, corrupt or mismatching file.
    public func load(_ split: Split) throws(DatasetError) -> ImageSet {
        switch split {
        case .test:
            return try loadPair(images: "t10k-images-idx3-ubyte", labels: "t10k-labels-idx1-ubyte")
        case .train, .verification:
            let all = try loadPair(images: "train-images-idx3-ubyte", labels: "train-labels-idx1-ubyte")
            guard all.count == Self.trainCount + Self.verificationCount else {
                throw DatasetError.inconsistent(
                    "\(directory)/train-images-idx3-ubyte: \(all.count) images, expected 60000")
            }
            return split == .train
                ? all.slice(0..<Self.trainCount)
                : all.slice(Self.trainCount..<(Self.trainCount + Self.verificationCount))
        }
    }

    private func loadPair(images: String, labels: String) throws(DatasetError) -> ImageSet {
        let imageFile = try read(images)
        let labelFile = try read(labels)
        guard imageFile.dimensions.count == 3 else {
            throw DatasetError.corrupt(file: path(images), reason: "expected 3 dimensions, found \(imageFile.dimensions)")
        }
        guard labelFile.dimensions.count == 1 else {
            throw DatasetError.corrupt(file: path(labels), reason: "expected 1 dimension, found \(labelFile.dimensions)")
        }
        guard imageFile.dimensions[0] == labelFile.dimensions[0] else {
            throw DatasetError.inconsistent(
                "\(path(images)) has \(imageFile.dimensions[0]) images but \(path(labels)) has \(labelFile.dimensions[0]) labels")
        }
        if let bad = labelFile.data.firstIndex(where: { $0 > 9 }) {
            throw DatasetError.corrupt(file: path(labels), reason: "label \(labelFile.data[bad]) at index \(bad) is not a digit")
        }
        return try ImageSet(
            shape: Array(imageFile.dimensions[1...]), pixels: imageFile.data,
            labels: labelFile.data.map { Int($0) })
    }

    private func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// Reads `name.gz` (checked against `SHA256SUMS`) or else `name` (against `SHA256SUMS.uncompressed`).
    private func read(_ name: String) throws(DatasetError) -> IDXFile {
        let fm = FileManager.default
        let (file, sums) = fm.fileExists(atPath: path(name + ".gz"))
            ? (name + ".gz", "SHA256SUMS") : (name, "SHA256SUMS.uncompressed")
        guard fm.fileExists(atPath: path(file)) else { throw DatasetError.missing(file: path(name + ".gz")) }
        let expected = try Self.checksum(of: file, in: path(sums))
        return try IDXFile.read(path(file), sha256: expected)
    }

    /// The recorded digest of `file` in a `sha256sum`-style list.
    static func checksum(of file: String, in sumsPath: String) throws(DatasetError) -> String {
        guard let data = FileManager.default.contents(atPath: sumsPath) else { throw DatasetError.missing(file: sumsPath) }
        for line in String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { continue }
            let name = parts[1].hasPrefix("*") ? parts[1].dropFirst() : parts[1]
            if name == file { return String(parts[0]) }
        }
        throw DatasetError.corrupt(file: sumsPath, reason: "no SHA-256 sum listed for \(file)")
    }

    /// Finds the MNIST directory: `$SDPCERT_MNIST` if set, else `Data/mnist` in the current
    /// directory or in an ancestor of the executable (so `swift run` and the built binary both
    /// find the copy shipped in the repository).
    public static func locateDirectory() -> String? {
        let fm = FileManager.default
        if let env = ProcessInfo.processInfo.environment["SDPCERT_MNIST"], !env.isEmpty { return env }
        var candidates = [fm.currentDirectoryPath]
        var url = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<6 {
            candidates.append(url.path)
            url.deleteLastPathComponent()
        }
        for dir in candidates {
            let d = (dir as NSString).appendingPathComponent("Data/mnist")
            if fm.fileExists(atPath: (d as NSString).appendingPathComponent("SHA256SUMS")) { return d }
        }
        return nil
    }
}
