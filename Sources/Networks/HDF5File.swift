import CHDF5

/// A failure inside the HDF5 wrapper, before it is attached to a file name.
struct HDF5Failure: Error {
    /// The HDF5 path of the object (e.g. `/layers/0/weight` or `/@format` for an attribute).
    var path: String
    /// What went wrong.
    var reason: String
}

/// An element type of an HDF5 dataset or attribute.
enum HDF5TypeClass: Equatable {
    case integer, float, string, other
}

/// A handle on an HDF5 object (file, group, dataset) that is closed when released.
///
/// The only place in the harness that sees `hid_t`. Not thread-safe: the Debian HDF5 build is
/// the serial one, so the network reader/writer must not be used from several threads at once.
final class HDF5Object {
    let id: hid_t
    let path: String
    private let close: (hid_t) -> herr_t

    private init(id: hid_t, path: String, close: @escaping (hid_t) -> herr_t) {
        self.id = id
        self.path = path
        self.close = close
    }

    deinit { _ = close(id) }

    private static let silenced: Void = { chdf5_silence_errors() }()

    /// Opens an existing file read-only.
    static func openFile(_ filePath: String) throws(HDF5Failure) -> HDF5Object {
        _ = silenced
        guard H5Fis_hdf5(filePath) > 0 else {
            throw HDF5Failure(path: "/", reason: "not an HDF5 file (or unreadable)")
        }
        let id = H5Fopen(filePath, chdf5_acc_rdonly(), chdf5_p_default())
        guard id >= 0 else { throw HDF5Failure(path: "/", reason: "HDF5 could not open the file") }
        return HDF5Object(id: id, path: "/", close: H5Fclose)
    }

    /// Creates (or truncates) a file.
    static func createFile(_ filePath: String) throws(HDF5Failure) -> HDF5Object {
        _ = silenced
        let id = H5Fcreate(filePath, chdf5_acc_trunc(), chdf5_p_default(), chdf5_p_default())
        guard id >= 0 else { throw HDF5Failure(path: "/", reason: "HDF5 could not create the file") }
        return HDF5Object(id: id, path: "/", close: H5Fclose)
    }

    private func childPath(_ name: String) -> String {
        path == "/" ? "/" + name : path + "/" + name
    }

    /// Whether a link (group or dataset) of that name exists below this object.
    func hasChild(_ name: String) -> Bool { H5Lexists(id, name, chdf5_p_default()) > 0 }

    /// Opens a child group.
    func group(_ name: String) throws(HDF5Failure) -> HDF5Object {
        guard hasChild(name) else { throw HDF5Failure(path: childPath(name), reason: "missing group") }
        let gid = H5Gopen2(id, name, chdf5_p_default())
        guard gid >= 0 else { throw HDF5Failure(path: childPath(name), reason: "not a group") }
        return HDF5Object(id: gid, path: childPath(name), close: H5Gclose)
    }

    /// Creates a child group.
    func createGroup(_ name: String) throws(HDF5Failure) -> HDF5Object {
        let gid = H5Gcreate2(id, name, chdf5_p_default(), chdf5_p_default(), chdf5_p_default())
        guard gid >= 0 else { throw HDF5Failure(path: childPath(name), reason: "could not create group") }
        return HDF5Object(id: gid, path: childPath(name), close: H5Gclose)
    }

    /// The names of the links directly below this group.
    func childNames() throws(HDF5Failure) -> [String] {
        var info = H5G_info_t()
        guard H5Gget_info(id, &info) >= 0 else {
            throw HDF5Failure(path: path, reason: "could not list the group")
        }
        var names: [String] = []
        for i in 0..<info.nlinks {
            let size = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, nil, 0, chdf5_p_default())
            guard size >= 0 else { throw HDF5Failure(path: path, reason: "could not read link \(i)") }
            var buffer = [CChar](repeating: 0, count: Int(size) + 1)
            _ = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, i, &buffer, Int(size) + 1, chdf5_p_default())
            names.append(String(decoding: buffer.prefix(Int(size)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    // MARK: Datasets

    /// Reads a floating-point dataset as `Double`s with its shape.
    func readFloatDataset(_ name: String) throws(HDF5Failure) -> (shape: [Int], values: [Double]) {
        let p = childPath(name)
        guard hasChild(name) else { throw HDF5Failure(path: p, reason: "missing dataset") }
        let did = H5Dopen2(id, name, chdf5_p_default())
        guard did >= 0 else { throw HDF5Failure(path: p, reason: "not a dataset") }
        defer { H5Dclose(did) }
        let tid = H5Dget_type(did)
        defer { H5Tclose(tid) }
        guard Self.typeClass(tid) == .float else {
            throw HDF5Failure(path: p, reason: "element type must be float32 or float64")
        }
        let sid = H5Dget_space(did)
        defer { H5Sclose(sid) }
        let shape = try Self.shape(of: sid, path: p)
        var values = [Double](repeating: 0, count: shape.reduce(1, *))
        if !values.isEmpty {
            let status = values.withUnsafeMutableBytes { buffer in
                H5Dread(did, chdf5_native_double(), chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress)
            }
            guard status >= 0 else { throw HDF5Failure(path: p, reason: "could not read the data") }
        }
        return (shape, values)
    }

    /// Datasets with more elements than this are written chunked and compressed.
    static let compressionThreshold = 4096

    /// Writes a floating-point dataset, stored as float32 (`single`) or float64.
    ///
    /// A dataset of more than `compressionThreshold` elements is stored in chunks of whole rows
    /// (about 64 Ki elements each), byte-shuffled and deflate-compressed (level 6), which shrinks the
    /// mostly-zero matrices of convolutions; readers need nothing special.
    func writeFloatDataset(_ name: String, shape: [Int], values: [Double], single: Bool) throws(HDF5Failure) {
        let p = childPath(name)
        var dims = shape.map { hsize_t($0) }
        let sid = H5Screate_simple(Int32(dims.count), &dims, nil)
        defer { H5Sclose(sid) }
        let fileType = single ? chdf5_ieee_f32le() : chdf5_ieee_f64le()
        var creation = chdf5_p_default()
        if values.count > Self.compressionThreshold, !shape.isEmpty {
            let rowSize = shape.dropFirst().reduce(1, *)
            var chunk = dims
            chunk[0] = hsize_t(max(1, min(shape[0], (1 << 16) / max(rowSize, 1))))
            let plist = chdf5_deflate_plist(Int32(chunk.count), &chunk, 6)
            if plist >= 0 { creation = plist }
        }
        defer { if creation != chdf5_p_default() { H5Pclose(creation) } }
        let did = H5Dcreate2(id, name, fileType, sid, chdf5_p_default(), creation, chdf5_p_default())
        guard did >= 0 else { throw HDF5Failure(path: p, reason: "could not create dataset") }
        defer { H5Dclose(did) }
        let status = values.withUnsafeBytes { buffer in
            H5Dwrite(did, chdf5_native_double(), chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress)
        }
        guard status >= 0 else { throw HDF5Failure(path: p, reason: "could not write the data") }
    }

    // MARK: Attributes

    private func attributePath(_ name: String) -> String { "\(path)@\(name)" }

    /// Whether this object carries the attribute.
    func hasAttribute(_ name: String) -> Bool { H5Aexists(id, name) > 0 }

    private func withAttribute<T>(
        _ name: String, _ body: (hid_t, hid_t, Int, String) throws(HDF5Failure) -> T
    ) throws(HDF5Failure) -> T {
        let p = attributePath(name)
        guard hasAttribute(name) else { throw HDF5Failure(path: p, reason: "missing attribute") }
        let aid = H5Aopen(id, name, chdf5_p_default())
        guard aid >= 0 else { throw HDF5Failure(path: p, reason: "could not open attribute") }
        defer { H5Aclose(aid) }
        let tid = H5Aget_type(aid)
        defer { H5Tclose(tid) }
        let sid = H5Aget_space(aid)
        defer { H5Sclose(sid) }
        let count = Int(H5Sget_simple_extent_npoints(sid))
        return try body(aid, tid, count, p)
    }

    /// The element type class of an attribute.
    func attributeClass(_ name: String) throws(HDF5Failure) -> HDF5TypeClass {
        try withAttribute(name) { _, tid, _, _ throws(HDF5Failure) in Self.typeClass(tid) }
    }

    /// Reads a string attribute (variable- or fixed-length, scalar or one-element array).
    func readStringAttribute(_ name: String) throws(HDF5Failure) -> String {
        try withAttribute(name) { aid, tid, count, p throws(HDF5Failure) in
            guard Self.typeClass(tid) == .string else { throw HDF5Failure(path: p, reason: "must be a string") }
            guard count == 1 else { throw HDF5Failure(path: p, reason: "must be a single string, has \(count) elements") }
            let memType = H5Tcopy(chdf5_c_s1())
            defer { H5Tclose(memType) }
            H5Tset_cset(memType, H5Tget_cset(tid))
            if H5Tis_variable_str(tid) > 0 {
                H5Tset_size(memType, chdf5_variable())
                var pointer: UnsafeMutablePointer<CChar>? = nil
                guard H5Aread(aid, memType, &pointer) >= 0 else {
                    throw HDF5Failure(path: p, reason: "could not read the string")
                }
                defer { if let pointer { H5free_memory(pointer) } }
                return pointer.map { String(cString: $0) } ?? ""
            }
            let size = H5Tget_size(tid)
            H5Tset_size(memType, size)
            var buffer = [CChar](repeating: 0, count: size + 1)
            guard H5Aread(aid, memType, &buffer) >= 0 else {
                throw HDF5Failure(path: p, reason: "could not read the string")
            }
            let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
            return String(decoding: bytes, as: UTF8.self).trimmingTrailingSpaces()
        }
    }

    /// Reads an integer attribute (scalar or array) as `Int`s.
    func readIntegerAttribute(_ name: String) throws(HDF5Failure) -> [Int] {
        try withAttribute(name) { aid, tid, count, p throws(HDF5Failure) in
            guard Self.typeClass(tid) == .integer else { throw HDF5Failure(path: p, reason: "must be an integer") }
            var values = [Int64](repeating: 0, count: count)
            guard H5Aread(aid, chdf5_native_int64(), &values) >= 0 else {
                throw HDF5Failure(path: p, reason: "could not read the value")
            }
            return values.map { Int($0) }
        }
    }

    /// Reads a numeric (integer or float) attribute as `Double`s.
    func readNumericAttribute(_ name: String) throws(HDF5Failure) -> [Double] {
        try withAttribute(name) { aid, tid, count, p throws(HDF5Failure) in
            let c = Self.typeClass(tid)
            guard c == .float || c == .integer else { throw HDF5Failure(path: p, reason: "must be a number") }
            var values = [Double](repeating: 0, count: count)
            guard H5Aread(aid, chdf5_native_double(), &values) >= 0 else {
                throw HDF5Failure(path: p, reason: "could not read the value")
            }
            return values
        }
    }

    /// Writes a variable-length UTF-8 string attribute (what h5py writes for a Python `str`).
    func writeStringAttribute(_ name: String, _ value: String) throws(HDF5Failure) {
        let memType = H5Tcopy(chdf5_c_s1())
        defer { H5Tclose(memType) }
        H5Tset_size(memType, chdf5_variable())
        H5Tset_cset(memType, H5T_CSET_UTF8)
        try writeAttribute(name, type: memType, dims: nil) { aid throws(HDF5Failure) in
            let status = value.withCString { cString -> herr_t in
                var pointer: UnsafePointer<CChar>? = cString
                return H5Awrite(aid, memType, &pointer)
            }
            guard status >= 0 else { throw HDF5Failure(path: attributePath(name), reason: "could not write") }
        }
    }

    /// Writes an int64 attribute: a scalar when `asArray` is false, else a 1-D array.
    func writeIntegerAttribute(_ name: String, _ values: [Int], asArray: Bool) throws(HDF5Failure) {
        var data = values.map { Int64($0) }
        try writeAttribute(name, type: chdf5_std_i64le(), dims: asArray ? [data.count] : nil) { aid throws(HDF5Failure) in
            guard H5Awrite(aid, chdf5_native_int64(), &data) >= 0 else {
                throw HDF5Failure(path: attributePath(name), reason: "could not write")
            }
        }
    }

    /// Writes a float64 scalar attribute.
    func writeDoubleAttribute(_ name: String, _ value: Double) throws(HDF5Failure) {
        var data = value
        try writeAttribute(name, type: chdf5_ieee_f64le(), dims: nil) { aid throws(HDF5Failure) in
            guard H5Awrite(aid, chdf5_native_double(), &data) >= 0 else {
                throw HDF5Failure(path: attributePath(name), reason: "could not write")
            }
        }
    }

    private func writeAttribute(
        _ name: String, type: hid_t, dims: [Int]?, _ body: (hid_t) throws(HDF5Failure) -> Void
    ) throws(HDF5Failure) {
        let sid: hid_t
        if var d = dims?.map({ hsize_t($0) }) {
            sid = H5Screate_simple(Int32(d.count), &d, nil)
        } else {
            sid = H5Screate(H5S_SCALAR)
        }
        defer { H5Sclose(sid) }
        let aid = H5Acreate2(id, name, type, sid, chdf5_p_default(), chdf5_p_default())
        guard aid >= 0 else { throw HDF5Failure(path: attributePath(name), reason: "could not create attribute") }
        defer { H5Aclose(aid) }
        try body(aid)
    }

    // MARK: Helpers

    private static func typeClass(_ tid: hid_t) -> HDF5TypeClass {
        switch H5Tget_class(tid) {
        case H5T_INTEGER: return .integer
        case H5T_FLOAT: return .float
        case H5T_STRING: return .string
        default: return .other
        }
    }

    private static func shape(of sid: hid_t, path: String) throws(HDF5Failure) -> [Int] {
        let rank = H5Sget_simple_extent_ndims(sid)
        guard rank >= 0 else { throw HDF5Failure(path: path, reason: "unreadable dataspace") }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        H5Sget_simple_extent_dims(sid, &dims, nil)
        return dims.map { Int($0) }
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var s = Substring(self)
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}
