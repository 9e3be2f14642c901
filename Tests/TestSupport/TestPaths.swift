import Foundation

/// Where the tests find the repository, its fixtures and the built `experiments` binary.
public enum TestPaths {
    /// The repository root (two folders above this file's folder).
    public static let repository: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/<relative>`: fixtures and the scripts that generated them.
    public static func fixture(_ relative: String) -> String {
        repository.appendingPathComponent("Tests/Fixtures").appendingPathComponent(relative).path
    }

    /// `<repository>/<relative>` (e.g. `Data/mnist`, `networks/eran/mnist_2_20.h5`).
    public static func inRepository(_ relative: String) -> String {
        repository.appendingPathComponent(relative).path
    }

    /// `../shared/networks` beside the repository, when present (optional checks only).
    public static var sharedNetworks: String? {
        let path = repository.deletingLastPathComponent().appendingPathComponent("shared/networks").path
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    /// The folder of the build products (the test bundle sits beside the `experiments` binary).
    public static var products: URL {
        let candidates = [Bundle.main.bundleURL, URL(fileURLWithPath: CommandLine.arguments[0])]
        for url in candidates {
            var dir = url
            for _ in 0..<3 {
                if FileManager.default.isExecutableFile(atPath: dir.appendingPathComponent("experiments").path) { return dir }
                dir.deleteLastPathComponent()
            }
        }
        return Bundle.main.bundleURL.deletingLastPathComponent()
    }

    /// A fresh temporary folder for one test, inside one folder per test process that is removed
    /// when the process exits.
    public static func temporaryDirectory() throws -> URL {
        let url = temporaryParent.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// `sdpcert-tests-<UUID>` in the system's temporary folder, removed at exit.
    private static let temporaryParent: URL = {
        atexit { try? FileManager.default.removeItem(at: TestPaths.temporaryParent) }
        return FileManager.default.temporaryDirectory.appendingPathComponent("sdpcert-tests-\(UUID().uuidString)")
    }()

    /// Decodes a JSON fixture.
    public static func json<T: Decodable>(_ type: T.Type, fixture relative: String) throws -> T {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture(relative)))
        return try JSONDecoder().decode(T.self, from: data)
    }
}
