import XCTest
@testable import LinearAlgebra

/// The kernel override: only when OpenBLAS fell back to generic kernels, and only to kernels the
/// CPU's flags allow.
final class BLASCoreTests: XCTestCase {
    func testOverrideOnlyReplacesTheGenericFallback() {
        let avx512: Set = ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]
        XCTAssertEqual(BLASCore.override(current: "Prescott", cpuFlags: avx512), "SkylakeX")
        XCTAssertEqual(BLASCore.override(current: "Prescott", cpuFlags: ["avx", "avx2", "fma", "avx512f"]), "Haswell")
        XCTAssertNil(BLASCore.override(current: "Prescott", cpuFlags: ["sse4_2", "avx"]))
        XCTAssertNil(BLASCore.override(current: "Haswell", cpuFlags: avx512), "a recognised CPU keeps OpenBLAS's choice")
        XCTAssertFalse(BLASCore.name.isEmpty)
    }
}
