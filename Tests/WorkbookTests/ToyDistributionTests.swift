import Backprop
import Foundation
import Testing
@testable import Workbook

/// The toy distributions of the GAN-dynamics appendix, and the mode count that judges a generator on them.
@Suite("Toy distributions and mode coverage")
struct ToyDistributionTests {
    @Test func theLineDensitiesIntegrateToOneAndPeakWhereTheModesAre() {
        for data in [ToyDistribution.line, .mixture] {
            let step = 0.001, xs = stride(from: -10.0, through: 10.0, by: step)
            let total = xs.reduce(0.0) { $0 + data.density(at: $1) * step }
            #expect(abs(total - 1) < 1e-4, "\(data): integrates to \(total)")
        }
        #expect(abs(ToyDistribution.line.density(at: 4) - 1 / (0.5 * (2 * Double.pi).squareRoot())) < 1e-12)
        #expect(ToyDistribution.mixture.density(at: 2) > 10 * ToyDistribution.mixture.density(at: 0))
    }

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

@Suite("The plane's picture")
struct PlanePictureTests {
    @Test func pixelsAndPointsAgreeAndTheColoursSayWhatDBelieves() throws {
        let picture = PlanePicture(side: 40, extent: 2)
        // Pixel centres map back to their pixel; y grows upwards; the corners are inside.
        for (row, column) in [(0, 0), (39, 39), (7, 31), (20, 20)] {
            let p = picture.point(row: row, column: column)
            #expect(picture.pixel(x: p.x, y: p.y)! == (row, column))
        }
        #expect(picture.point(row: 0, column: 0).y > picture.point(row: 39, column: 0).y)
        #expect(picture.pixel(x: 2.5, y: 0) == nil)
        // D says "fake" (0) on the left half and "real" (1) on the right; one real and one generated point.
        let probabilities = (0..<1600).map { Float($0 % 40 < 20 ? 0 : 1) }
        let real = Tensor(shape: [1, 2], values: [1, 1]), generated = Tensor(shape: [1, 2], values: [-1, -1])
        let image = picture.draw(probabilities: probabilities, real: real, generated: generated)
        #expect(image.width == 40 && image.height == 40 && image.channels == 3)
        func rgb(_ row: Int, _ column: Int) -> [UInt8] { Array(image.pixels[((row * 40 + column) * 3)..<((row * 40 + column) * 3 + 3)]) }
        #expect(rgb(0, 0) == [40, 70, 200] && rgb(0, 39) == [200, 40, 40])           // blue where "fake", red where "real"
        let (rr, rc) = picture.pixel(x: 1, y: 1)!, (gr, gc) = picture.pixel(x: -1, y: -1)!
        #expect(rgb(rr, rc) == [0, 0, 0] && rgb(gr, gc) == [0, 160, 60])             // the points on top
        let half = PlanePicture.colour(0.5)
        #expect(half == (255, 255, 255))                                              // "cannot tell" is white
        _ = try PNG.encode(image)                                                      // and it is a picture libpng writes
    }
}
