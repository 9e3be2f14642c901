/// A data file that cannot be used, named with the file and what is wrong with it.
public enum DatasetError: Error, Equatable, CustomStringConvertible {
    /// The file is missing or unreadable.
    case missing(file: String)
    /// The file's contents are not a valid IDX (or gzip) stream.
    case corrupt(file: String, reason: String)
    /// The file's SHA-256 differs from the recorded sum.
    case checksumMismatch(file: String, expected: String, actual: String)
    /// Images and labels do not match, or a request falls outside the data.
    case inconsistent(String)

    public var description: String {
        switch self {
        case .missing(let file): return "\(file): no such file (or unreadable)"
        case .corrupt(let file, let reason): return "\(file): \(reason)"
        case .checksumMismatch(let file, let expected, let actual):
            return "\(file): SHA-256 \(actual) does not match the recorded sum \(expected)"
        case .inconsistent(let what): return what
        }
    }
}
