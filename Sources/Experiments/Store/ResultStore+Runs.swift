import Foundation
import GRDB

/// One process run of an experiment that wrote rows to a store: how long it ran and how many
/// rows it committed, so that a table computed over several (interrupted, resumed) runs can
/// report the wall-clock it took.
public struct RunRecord: Equatable, Sendable, Encodable {
    /// The experiment (`table1`, `figure3`, …).
    public var experiment: String
    /// The command line, for the record.
    public var command: String
    /// Start time, ISO 8601 (UTC).
    public var started: String
    /// Wall-clock seconds from the start to the last committed row (to the end when finished).
    public var seconds: Double
    /// Rows committed by the run.
    public var rows: Int
    /// `finished`, `interrupted`, `failed: …`, or `running` (still running, or killed).
    public var status: String
}

/// The run whose inserts `ResultStore` is counting.
struct ActiveRun {
    var experiment: String
    var command: String
    var start: Date
    /// The record's id once the first row is committed (runs that commit nothing leave no record).
    var id: Int64?
}

extension ResultStore {
    static func createRunsTable(_ db: Database) throws {
        try db.execute(sql: """
            CREATE TABLE IF NOT EXISTS runs (
                id INTEGER PRIMARY KEY AUTOINCREMENT, experiment TEXT NOT NULL, command TEXT NOT NULL,
                started TEXT NOT NULL, seconds REAL NOT NULL, rows INTEGER NOT NULL, status TEXT NOT NULL)
            """)
    }

    /// Starts counting the rows this process commits for `experiment`. The record is written with
    /// the first committed row and updated with every further one (in the row's transaction), so
    /// a run killed at any moment still reports the wall-clock up to its last committed row.
    public func beginRun(experiment: String, command: String = CommandLine.arguments.joined(separator: " ")) {
        runLock.lock()
        defer { runLock.unlock() }
        activeRun = ActiveRun(experiment: experiment, command: command, start: Date(), id: nil)
    }

    /// Closes the run's record with its status (`finished`, `interrupted`, `failed: …`).
    ///
    /// - Complexity: one SQLite transaction when the run committed rows, none otherwise.
    public func endRun(status: String) throws {
        runLock.lock()
        defer { runLock.unlock() }
        guard let run = activeRun else { return }
        activeRun = nil
        guard let id = run.id else { return }
        try queue.write { db in
            try db.execute(
                sql: "UPDATE runs SET seconds = ?, status = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince(run.start), status, id])
        }
    }

    /// Counts one committed row for the active run (inside the row's transaction; the caller
    /// holds `runLock`).
    func recordInsert(_ db: Database) throws {
        guard var run = activeRun else { return }
        let seconds = Date().timeIntervalSince(run.start)
        if let id = run.id {
            try db.execute(sql: "UPDATE runs SET seconds = ?, rows = rows + 1 WHERE id = ?", arguments: [seconds, id])
        } else {
            try db.execute(
                sql: "INSERT INTO runs (experiment, command, started, seconds, rows, status) VALUES (?, ?, ?, ?, 1, 'running')",
                arguments: [run.experiment, run.command, Self.timestamp(run.start), seconds])
            run.id = db.lastInsertedRowID
            activeRun = run
        }
    }

    /// `date` as ISO 8601 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    /// The run records, oldest first; only those of `experiment` when given.
    public func runs(experiment: String? = nil) throws -> [RunRecord] {
        try queue.read { db in
            let rows = try Row.fetchAll(
                db, sql: "SELECT * FROM runs WHERE ? IS NULL OR experiment = ? ORDER BY started, id",
                arguments: [experiment, experiment])
            return rows.map {
                RunRecord(
                    experiment: $0["experiment"], command: $0["command"], started: $0["started"], seconds: $0["seconds"],
                    rows: $0["rows"], status: $0["status"])
            }
        }
    }

    /// Adds a run record from another store unless this store has it already.
    static func insertRun(_ r: RunRecord, _ db: Database) throws {
        let exists = try Bool.fetchOne(
            db, sql: "SELECT EXISTS(SELECT 1 FROM runs WHERE experiment = ? AND command = ? AND started = ?)",
            arguments: [r.experiment, r.command, r.started]) ?? false
        guard !exists else { return }
        try db.execute(
            sql: "INSERT INTO runs (experiment, command, started, seconds, rows, status) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [r.experiment, r.command, r.started, r.seconds, r.rows, r.status])
    }
}
