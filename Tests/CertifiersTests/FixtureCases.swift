import Networks
import TestSupport

/// One case of Tests/Fixtures/lp/cases.json (scipy's HiGHS, make_lp_fixtures.py) or
/// Tests/Fixtures/sdp/cases.json (cvxpy + Clarabel, make_sdp_fixtures.py).
struct FixtureCase: Decodable {
    let network: String
    let center: [Double]
    let eps: Double
    let label: Int
    /// LP optimum per target (as a string key), where known.
    let lp: [String: Double]?
    /// SDP optimum per target, in the SDP fixtures.
    let sdp: [String: Double]?

    /// Every LP case with its network.
    static func all() throws -> [(FixtureCase, ReLUNetwork<Double>)] {
        try TestPaths.json([FixtureCase].self, fixture: "lp/cases.json").map {
            ($0, try ReLUNetwork<Double>.read(from: TestPaths.fixture("lp/" + $0.network)))
        }
    }

    /// Every SDP case (network paths are relative to Tests/Fixtures).
    static func sdpCases() throws -> [FixtureCase] {
        try TestPaths.json([FixtureCase].self, fixture: "sdp/cases.json")
    }
}
