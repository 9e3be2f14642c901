import Networks
import TestSupport

/// One case of Tests/Fixtures/lp/cases.json (made by make_lp_fixtures.py with scipy's HiGHS).
struct FixtureCase: Decodable {
    let network: String
    let center: [Double]
    let eps: Double
    let label: Int
    /// LP optimum per target (as a string key).
    let lp: [String: Double]

    /// Every case with its network.
    static func all() throws -> [(FixtureCase, ReLUNetwork<Double>)] {
        try TestPaths.json([FixtureCase].self, fixture: "lp/cases.json").map {
            ($0, try ReLUNetwork<Double>.read(from: TestPaths.fixture("lp/" + $0.network)))
        }
    }
}
