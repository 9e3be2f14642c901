import COpenBLAS
import Foundation

/// OpenBLAS's kernel set, and a better one where its CPU detection falls back to generic code.
///
/// OpenBLAS picks its kernels when it loads, from the CPU model. On virtual CPUs it does not know
/// (seen here: "Intel Xeon Processor" with AVX-512) it falls back to "Prescott", SSE3 kernels
/// four times slower than the SkylakeX ones the CPU can run (dgemm 500³: 15.6 against
/// 64 GFLOP/s on one core). The environment variable `OPENBLAS_CORETYPE` overrides the choice, but
/// only before the library loads, so the command-line tool re-executes itself with it set.
public enum BLASCore {
    /// The kernel set OpenBLAS chose.
    public static var name: String { String(cString: copenblas_corename()) }

    /// The kernel set to force for a CPU with these `/proc/cpuinfo` flags when OpenBLAS chose
    /// `current`: `SkylakeX` with AVX-512 F/CD/BW/DQ/VL, `Haswell` with AVX2 and FMA, and nil when
    /// OpenBLAS did not fall back to the generic `Prescott` (or the CPU has neither).
    public static func override(current: String, cpuFlags: Set<String>) -> String? {
        guard current.lowercased() == "prescott" else { return nil }
        if ["avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if cpuFlags.contains("avx2") && cpuFlags.contains("fma") { return "Haswell" }
        return nil
    }

    /// The flags of the first CPU in `/proc/cpuinfo` (empty where there is none).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes this process with `OPENBLAS_CORETYPE` set when OpenBLAS fell back to generic
    /// kernels on a CPU that runs better ones; returns when there is nothing to do (the variable is
    /// already set, no better kernels, or the re-execution failed).
    public static func reexecuteWithBetterKernelsIfNeeded() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
              let core = override(current: name, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }
}
