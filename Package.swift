// swift-tools-version:6.0
import PackageDescription

/// The SDP certification harness: see README.md and Docs/.
let package = Package(
    name: "SDPCertHarness",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "experiments", targets: ["experiments"]),
        .library(name: "Certifiers", targets: ["Certifiers"]),
        .library(name: "Networks", targets: ["Networks"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        // C libraries, each wrapped once and found through pkg-config.
        .systemLibrary(
            name: "COpenBLAS", path: "Sources/COpenBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLAPACKE", path: "Sources/CLAPACKE", pkgConfig: "lapacke",
            providers: [.apt(["liblapacke-dev"])]),
        .systemLibrary(
            name: "CHDF5", path: "Sources/CHDF5", pkgConfig: "hdf5",
            providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(
            name: "CClp", path: "Sources/CClp", pkgConfig: "clp",
            providers: [.apt(["coinor-libclp-dev"])]),
        // CSDP has no pkg-config file: its headers are on the default path, the library is named here.
        .systemLibrary(name: "CCSDP", path: "Sources/CCSDP", providers: [.apt(["libsdp-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),

        // Swift modules (architecture.md).
        .target(
            name: "LinearAlgebra",
            dependencies: ["COpenBLAS", "CLAPACKE", .product(name: "RealModule", package: "swift-numerics")]),
        .target(name: "Networks", dependencies: ["LinearAlgebra", "CHDF5"]),
        .target(name: "Datasets", dependencies: ["LinearAlgebra", "CZlib"]),
        .target(name: "Attacks", dependencies: ["LinearAlgebra", "Networks"]),
        .target(name: "Certifiers", dependencies: ["LinearAlgebra", "Networks", "CClp", "CCSDP"]),
        .target(
            name: "Training", dependencies: ["LinearAlgebra", "Networks", "Datasets", "Attacks", "Certifiers"],
            // `squareRoot()` comes from a C shim: with errno semantics each SIMD lane becomes a
            // checked scalar call, without them one vector sqrt (Adam's update, 3× faster). Same
            // results: sqrt is correctly rounded either way.
            swiftSettings: [.unsafeFlags(["-Xcc", "-fno-math-errno"])]),
        .target(
            name: "Experiments",
            dependencies: [
                "LinearAlgebra", "Networks", "Datasets", "Training", "Attacks", "Certifiers",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
        .executableTarget(name: "experiments", dependencies: ["Experiments", "LinearAlgebra"]),

        // Tests. Fixtures and the scripts that made them live in Tests/Fixtures (TestSupport finds them).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra"]),
        .testTarget(
            name: "NetworksTests", dependencies: ["Networks", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "CertifiersTests", dependencies: ["Certifiers", "Networks", "LinearAlgebra", "TestSupport"]),
        .testTarget(
            name: "AttacksTests", dependencies: ["Attacks", "Certifiers", "Networks", "LinearAlgebra", "TestSupport"]),
        .testTarget(
            name: "TrainingTests",
            dependencies: ["Training", "Attacks", "Certifiers", "Networks", "Datasets", "LinearAlgebra", "TestSupport"]),
        .testTarget(
            name: "ExperimentsTests",
            dependencies: ["Experiments", "Networks", "Datasets", "Training", "LinearAlgebra", "TestSupport"]),
    ]
)
