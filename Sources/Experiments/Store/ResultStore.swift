import Foundation
import GRDB

/// One finished (network, method, options, ε, point) of an experiment.
public struct ResultRow: Equatable, Sendable {
    /// SHA-256 of the network file (so a retrained network never reuses old rows).
    public var networkHash: String
    /// The network's name in the configuration (for reading the store by eye).
    public var network: String
    /// `pgd`, `interval`, `lp`, `sdp`, `grad`, …
    public var method: String
    /// The options that change the result, canonically encoded (e.g. `iterations=2000,lr=0.1`).
    public var options: String
    public var eps: Double
    public var split: String
    /// Index of the point in its split.
    public var point: Int
    public var label: Int
    public var predicted: Int
    /// Certified (certifiers) or robust to the attack (pgd: the attack did not succeed).
    public var certified: Bool
    /// Certifiers: the largest bound over the targets; pgd: the margin of the attacked point.
    public var value: Double
    /// Certifiers: bound per target, JSON object; pgd: empty object.
    public var details: String
    public var seconds: Double
    /// How the solver ended, or why the point was skipped (`skipped: attacked by PGD`).
    public var status: String

    public init(
        networkHash: String, network: String, method: String, options: String, eps: Double, split: String,
        point: Int, label: Int, predicted: Int, certified: Bool, value: Double, details: String, seconds: Double,
        status: String
    ) {
        self.networkHash = networkHash
        self.network = network
        self.method = method
        self.options = options
        self.eps = eps
        self.split = split
        self.point = point
        self.label = label
        self.predicted = predicted
        self.certified = certified
        self.value = value
        self.details = details
        self.seconds = seconds
        self.status = status
    }
}

/// Which rows a query asks for: one cell of an experiment.
public struct ResultKey: Hashable, Sendable {
    public var networkHash: String
    public var method: String
    public var options: String
    public var eps: Double
    public var split: String
}

/// The crash-safe result store: an SQLite file (GRDB, write-ahead log) with one row per
/// (network file hash, method, options, ε, split, point). Every point is committed by itself as
/// it finishes, so a run killed at any moment loses only the points in flight.
public final class ResultStore: @unchecked Sendable {
    let queue: DatabaseQueue
    /// The file the store lives in.
    public let path: String
    /// The run that inserts are counted for (`beginRun`), guarded by `runLock`.
    var activeRun: ActiveRun?
    let runLock = NSLock()

    /// Opens (creating when missing) the store at `path`.
    ///
    /// - Throws: `CommandError` naming the file when it is not an SQLite database of this schema.
    public init(path: String) throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        do {
            var configuration = Configuration()
            configuration.busyMode = .timeout(30)
            queue = try DatabaseQueue(path: path, configuration: configuration)
            try queue.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
            }
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS results (
                        network_hash TEXT NOT NULL, network TEXT NOT NULL, method TEXT NOT NULL,
                        options TEXT NOT NULL, eps REAL NOT NULL, split TEXT NOT NULL, point INTEGER NOT NULL,
                        label INTEGER NOT NULL, predicted INTEGER NOT NULL, certified INTEGER NOT NULL,
                        value REAL, details TEXT NOT NULL, seconds REAL NOT NULL, status TEXT NOT NULL,
                        PRIMARY KEY (network_hash, method, options, eps, split, point))
                    """)
                try Self.createRunsTable(db)
            }
        } catch let error as DatabaseError {
            throw CommandError("\(path): not a usable result store (\(error.message ?? error.description))")
        }
    }

    /// Stores one finished point (replacing an older row with the same key).
    ///
    /// - Complexity: one SQLite transaction.
    public func insert(_ row: ResultRow) throws {
        runLock.lock()
        defer { runLock.unlock() }
        try queue.write { db in
            try Self.insert(row, db)
            try recordInsert(db)
        }
    }

    private static func insert(_ r: ResultRow, _ db: Database) throws {
        let value: Double? = r.value.isFinite ? r.value : nil
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO results (network_hash, network, method, options, eps, split, point, label,
                    predicted, certified, value, details, seconds, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                r.networkHash, r.network, r.method, r.options, r.eps, r.split, r.point, r.label, r.predicted,
                r.certified ? 1 : 0, value, r.details, r.seconds, r.status,
            ])
    }

    /// The rows of one cell, keyed by point.
    public func rows(_ key: ResultKey) throws -> [Int: ResultRow] {
        try queue.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM results WHERE network_hash = ? AND method = ? AND options = ? AND eps = ? AND split = ?
                    """,
                arguments: [key.networkHash, key.method, key.options, key.eps, key.split])
            var out: [Int: ResultRow] = [:]
            for row in rows {
                let r = Self.decode(row)
                out[r.point] = r
            }
            return out
        }
    }

    /// Every row of the store.
    public func allRows() throws -> [ResultRow] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM results ORDER BY network, method, eps, point").map(Self.decode)
        }
    }

    /// Copies every row of `other` into this store (rows with the same key are replaced), and its
    /// run records (`runs()`) not already here.
    ///
    /// - Returns: the number of rows copied.
    @discardableResult
    public func merge(_ other: ResultStore) throws -> Int {
        let rows = try other.allRows()
        let runs = try other.runs()
        try queue.write { db in
            for r in rows { try Self.insert(r, db) }
            for run in runs { try Self.insertRun(run, db) }
        }
        return rows.count
    }

    private static func decode(_ row: Row) -> ResultRow {
        let value: Double? = row["value"]
        return ResultRow(
            networkHash: row["network_hash"], network: row["network"], method: row["method"], options: row["options"],
            eps: row["eps"], split: row["split"], point: row["point"], label: row["label"], predicted: row["predicted"],
            certified: (row["certified"] as Int) != 0, value: value ?? .nan, details: row["details"],
            seconds: row["seconds"], status: row["status"])
    }
}
