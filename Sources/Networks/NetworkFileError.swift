/// A network file that cannot be read or written, with the file and the HDF5 path at fault.
///
/// Printed as one line: `net.h5: /layers/1/weight: shape [10, 21] does not fit …`.
public struct NetworkFileError: Error, Equatable, CustomStringConvertible {
    /// The file on disk.
    public var file: String
    /// The HDF5 path of the offending object; attributes are written `/@name`,
    /// `/layers/0@name`.
    public var path: String
    /// What is wrong.
    public var reason: String

    public init(file: String, path: String, reason: String) {
        self.file = file
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(file): \(path): \(reason)" }
}
