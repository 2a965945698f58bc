import Foundation
import Testing
@testable import Backprop
import Models
@testable import Workbook

@Suite("Statistics for the digit score")
struct StatisticsTests {
    /// Q diag(values) Qᵀ for a rotation Q mixing every coordinate (a product of plane rotations).
    func rotated(_ values: [Double]) -> SymmetricMatrix {
        let n = values.count
        var q = SymmetricMatrix(n: n, values: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
        for p in 0..<(n - 1) {
            let angle = 0.3 + Double(p), c = cos(angle), s = sin(angle)
            var r = SymmetricMatrix(n: n, values: (0..<(n * n)).map { $0 / n == $0 % n ? 1 : 0 })
            r[p, p] = c; r[p + 1, p + 1] = c; r[p, p + 1] = -s; r[p + 1, p] = s
            q = q.multiplied(by: r)
        }
        let d = SymmetricMatrix(n: n, values: (0..<(n * n)).map { $0 / n == $0 % n ? values[$0 / n] : 0 })
        let qt = SymmetricMatrix(n: n, values: (0..<(n * n)).map { q.values[($0 % n) * n + $0 / n] })
        return q.multiplied(by: d).multiplied(by: qt)
    }

    @Test func eigenDecompositionAndSquareRootOfAKnownMatrix() {
        let a = rotated([1, 4, 9, 16, 0.25])
        #expect(a.eigen().values.sorted().enumerated().allSatisfy { abs($0.element - [0.25, 1, 4, 9, 16][$0.offset]) < 1e-10 })
        // The square root has eigenvalues 1, 2, 3, 4, 0.5 along the same directions, and squares back to A.
        let root = a.squareRoot()
        let expected = rotated([1, 2, 3, 4, 0.5])
        #expect(zip(root.values, expected.values).allSatisfy { abs($0 - $1) < 1e-10 })
        #expect(zip(root.multiplied(by: root).values, a.values).allSatisfy { abs($0 - $1) < 1e-10 })
        // A 2 x 2 case by hand: [[5, 4], [4, 5]] has the root [[2, 1], [1, 2]].
        let small = SymmetricMatrix(n: 2, values: [5, 4, 4, 5]).squareRoot()
        #expect(zip(small.values, [2, 1, 1, 2]).allSatisfy { abs($0 - $1) < 1e-12 })
    }

    @Test func frechetDistanceIsZeroForTheSameSetAndGrowsWithAShift() {
        let rng = RandomGenerator(seed: 3)
        let features = Tensor(shape: [2000, 6]); features.fillNormal(using: rng)
        for i in 0..<2000 { features[i, 1] = features[i, 1] * 2 + features[i, 0] }   // some correlation
        let a = FeatureStatistics(features)
        #expect(abs(a.frechetDistance(to: a)) < 1e-9)
        var previous = 0.0
        for shift: Float in [0.1, 0.5, 1, 2] {
            let moved = Tensor(copying: features)
            for i in 0..<2000 { moved[i, 2] += shift }
            let d = a.frechetDistance(to: FeatureStatistics(moved))
            #expect(abs(d - Double(shift * shift)) < 1e-6, "a pure shift by \(shift) gives its square, got \(d)")
            #expect(d > previous)
            previous = d
        }
        // In one dimension, same mean: d² = (σa − σb)². The sample variances of {-1, 1} and {-2, 2}
        // are 2 and 8, so d² = (√2 − √8)² = 2.
        let narrow = Tensor(shape: [2, 1], values: [-1, 1]), wide = Tensor(shape: [2, 1], values: [-2, 2])
        #expect(abs(FeatureStatistics(narrow).frechetDistance(to: FeatureStatistics(wide)) - 2) < 1e-12)
    }

    @Test func coverageWarningNamesTheMissingDigits() {
        var shares = [Double](repeating: 0.11, count: 10)
        shares[3] = 0.01
        shares[0] = 0.1
        let score = DigitScore(classShares: shares, meanConfidence: 0.9, frechetDistance: 5)
        #expect(score.rarestDigit == 3 && score.coverageWarning(epoch: 7)?.contains("digit(s) 3") == true)
        #expect(DigitScore(classShares: [Double](repeating: 0.1, count: 10), meanConfidence: 0.9, frechetDistance: 5).coverageWarning(epoch: 7) == nil)
    }
}

@Suite("The digit classifier and the GAN diagnosis")
struct DigitClassifierTests {
    /// 600 "digits": digit k is a vertical bar at column 3 + 2k, with a random height.
    func bars(seed: UInt64) -> MNIST {
        let rng = RandomGenerator(seed: seed)
        var pixels = [UInt8](repeating: 0, count: 600 * 784), labels: [UInt8] = []
        for i in 0..<600 {
            let digit = i % 10, top = rng.index(below: 8)
            for row in top..<(top + 16) { pixels[i * 784 + row * 28 + 3 + 2 * digit] = 255 }
            labels.append(UInt8(digit))
        }
        return MNIST(pixels: pixels, labels: labels)
    }

    @Test func learnsSeparableDigitsAndIsCachedByItsTrainingData() throws {
        let cache = temporaryFolder()
        let (classifier, file, fresh) = try DigitClassifier.trained(on: bars(seed: 1), cacheFolder: cache)
        #expect(fresh && file != nil)
        #expect(classifier.accuracy(on: bars(seed: 2)) > 0.95)
        let (again, _, freshAgain) = try DigitClassifier.trained(on: bars(seed: 1), cacheFolder: cache)
        #expect(!freshAgain && again.network.parameters.map(\.value.values) == classifier.network.parameters.map(\.value.values))
        let (_, _, otherData) = try DigitClassifier.trained(on: bars(seed: 3), cacheFolder: cache)
        #expect(otherData, "a classifier trained on other images must not be reused")

        // Scoring: the test set against itself is near 0, one class only is far and flagged.
        let test = bars(seed: 2)
        let scorer = DigitScorer(classifier: classifier, reference: test)
        let all = Tensor(shape: [0]); test.fill(all, with: 0..<600)
        let same = scorer.score(all)
        #expect(same.frechetDistance < 1e-6 && abs(same.rarestShare - 0.1) < 0.02 && same.coverageWarning(epoch: 9) == nil)
        let sevens = Tensor(shape: [0]); test.fill(sevens, with: Array(stride(from: 7, to: 600, by: 10)))
        let collapsed = scorer.score(sevens)
        #expect(collapsed.commonDigit == 7 && collapsed.commonShare > 0.95 && collapsed.frechetDistance > 10 * max(same.frechetDistance, 0.1))
        #expect(collapsed.coverageWarning(epoch: 9)?.contains("possible mode collapse") == true)
    }

    @Test func collapseWarningsWaitForTheEarlyBlur() {
        let blurry = GANEpoch(epoch: 3, GANStepNumbers(discriminatorLoss: 1, generatorLoss: 1, realScore: 0.7, fakeScore: 0.3),
                              diversity: 0.1, seconds: 1)
        #expect(GANDiagnosis.warnings(for: [blurry], stepsPerEpoch: 100).isEmpty)            // 300 steps: too early to tell
        #expect(GANDiagnosis.warnings(for: [blurry], stepsPerEpoch: 1000).first?.contains("mode collapse") == true)
        var won = blurry; won.fakeScore = 0.01; won.diversity = 1
        #expect(GANDiagnosis.warnings(for: [won], stepsPerEpoch: 100).first?.hasPrefix("D has won") == true)
    }
}
