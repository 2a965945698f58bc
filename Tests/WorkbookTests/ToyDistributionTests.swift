import Backprop
import Foundation
import Testing
@testable import Workbook

/// The toy distributions of the GAN-dynamics appendix, and the mode count that judges a generator on them.
@Suite("Toy distributions and mode coverage")
struct ToyDistributionTests {
    @Test(arguments: ToyDistribution.allCases)
    func theDataItselfCoversEveryMode(_ data: ToyDistribution) {
        let points = Tensor(shape: [0])
        data.sample(points, count: 4000, using: RandomGenerator(seed: 3))
        #expect(points.shape == [4000, data.dimensions])
        let coverage = data.coverage(of: points)
        #expect(coverage.covered == data.modes.count, "\(data): \(coverage.covered) of \(data.modes.count) modes")
        // Within 3σ: 99.7% on a line, 98.9% in the plane (1 − e^(−4.5)).
        #expect(coverage.goodShare > (data.dimensions == 1 ? 0.99 : 0.98), "\(data): \(coverage.goodShare) good")
        let fair = 4000 / data.modes.count
        #expect(coverage.perMode.allSatisfy { abs($0 - fair) < fair / 2 }, "\(data): \(coverage.perMode)")
    }

    @Test func theModesAreWhereTheTextSays() {
        #expect(ToyDistribution.ring.modes.allSatisfy { abs(($0[0] * $0[0] + $0[1] * $0[1]).squareRoot() - 2) < 1e-5 })
        #expect(Set(ToyDistribution.grid.modes.map { "\($0)" }).count == 25 && ToyDistribution.grid.modes.contains([-4, 4]))
        #expect(ToyDistribution.mixture.modes == [[-2], [2]] && ToyDistribution.line.modes == [[4]])
    }

    @Test func collapseAndMissesAreCounted() {
        let ring = ToyDistribution.ring, centres = ring.modes
        // Every sample on one mode: one mode covered, all samples good.
        let collapsed = Tensor(shape: [800, 2])
        for i in 0..<800 { collapsed[i, 0] = centres[5][0]; collapsed[i, 1] = centres[5][1] }
        var coverage = ring.coverage(of: collapsed)
        #expect(coverage.covered == 1 && coverage.goodShare == 1 && coverage.perMode[5] == 800)
        // Three modes, and a quarter of the samples at the centre of the ring (between modes).
        let three = Tensor(shape: [800, 2])
        for i in 0..<600 { let m = [0, 2, 4][i % 3]; three[i, 0] = centres[m][0] + 0.01; three[i, 1] = centres[m][1] }
        coverage = ring.coverage(of: three)
        #expect(coverage.covered == 3 && abs(coverage.goodShare - 0.75) < 1e-9)
        // A mode with a few stray samples is not covered: 5 of 800 is under a quarter of its fair share of 100.
        for i in 600..<605 { three[i, 0] = centres[7][0]; three[i, 1] = centres[7][1] }
        coverage = ring.coverage(of: three)
        #expect(coverage.covered == 3 && coverage.perMode[7] == 5)
        #expect(ring.coverage(of: three, minimumShare: 0.01).covered == 4)   // a laxer rule counts it
    }
}
