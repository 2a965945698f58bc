import Foundation
import Testing
@testable import Backprop
@testable import Models

/// The forward process (Models/Diffusion/NoiseSchedule.swift, chapter 8 in progress).
@Suite("The noise schedule")
struct NoiseScheduleTests {
    @Test func theLinearScheduleIsThePapers() {
        let schedule = NoiseSchedule(.linear)
        #expect(schedule.steps == 1000 && abs(schedule.betas[0] - 1e-4) < 1e-12 && abs(schedule.betas[999] - 0.02) < 1e-12)
        // ᾱ_T ≈ 4.04e-5: after 1,000 steps about 0.6% of the signal's scale is left (√ᾱ_T)
        #expect(abs(schedule.alphaBars[999] - 4.04e-5) < 0.01e-5, "\(schedule.alphaBars[999])")
        let cosine = NoiseSchedule(.cosine)
        #expect(cosine.alphaBars.allSatisfy { $0 > 0 && $0 < 1 } && cosine.alphaBars[999] < 1e-4)
        #expect(zip(cosine.alphaBars, cosine.alphaBars.dropFirst()).allSatisfy { $0 > $1 }, "ᾱ must fall")
    }

    @Test func theJumpEqualsTheStepsInDistribution() {
        // Run the one-step process t times on 20,000 copies of one value, and compare the mean and
        // the variance with the jump's √ᾱ_t x_0 and 1 − ᾱ_t.
        let schedule = NoiseSchedule(.linear, steps: 100), rng = RandomGenerator(seed: 3), t = 60, x0: Float = 0.8
        var xs = [Float](repeating: x0, count: 20_000)
        for step in 1...t {
            let beta = Float(schedule.betas[step - 1])
            for i in xs.indices { xs[i] = (1 - beta).squareRoot() * xs[i] + beta.squareRoot() * rng.normalPair().0 }
        }
        let mean = xs.reduce(0.0) { $0 + Double($1) } / Double(xs.count)
        let variance = xs.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(xs.count)
        let alphaBar = schedule.alphaBars[t - 1]
        #expect(abs(mean - alphaBar.squareRoot() * Double(x0)) < 0.02, "mean \(mean)")
        #expect(abs(variance - (1 - alphaBar)) < 0.03, "variance \(variance) against \(1 - alphaBar)")
        // and noisy() makes the jump exactly
        let into = Tensor(shape: [0])
        schedule.noisy(Tensor(shape: [1, 2], values: [x0, -1]), noise: Tensor(shape: [1, 2], values: [0.5, 0]), at: [t], into: into)
        #expect(abs(Double(into[0]) - (alphaBar.squareRoot() * 0.8 + (1 - alphaBar).squareRoot() * 0.5)) < 1e-6)
        #expect(abs(Double(into[1]) + alphaBar.squareRoot()) < 1e-6)
    }
}

@Suite("The time embedding")
struct TimeEmbeddingTests {
    @Test func sinesAndCosinesAtEveryScale() {
        let e = Tensor(shape: [0])
        timeEmbedding([0, 1, 500], size: 8, into: e)
        #expect(e.shape == [3, 8])
        #expect((0..<4).allSatisfy { e[0, $0] == 0 && e[0, 4 + $0] == 1 }, "t = 0: every sine 0, every cosine 1")
        #expect(abs(e[1, 0] - sin(1)) < 1e-6 && abs(e[1, 3] - Float(sin(1e-4))) < 1e-7, "ω from 1 down to 1/10000")
        for b in 0..<3 { for i in 0..<4 { #expect(abs(e[b, i] * e[b, i] + e[b, 4 + i] * e[b, 4 + i] - 1) < 1e-5) } }
    }
}

@Suite("Sampling, the average, the step")
struct DiffusionSamplingTests {
    /// For data that is one point c, the perfect prediction of the noise in x_t is known exactly:
    /// ε = (x_t − √ᾱ_t c) / √(1 − ᾱ_t). Both samplers, given it, must end at c.
    @Test func bothSamplersRecoverAPointMassFromItsExactNoise() {
        let schedule = NoiseSchedule(.linear, steps: 200), c: [Float] = [0.7, -0.3, 0.1]
        func exact(_ x: Tensor, _ t: Int) -> Tensor {
            let a = Float(schedule.alphaBars[t - 1])
            return Tensor(shape: x.shape, values: (0..<x.count).map { (x[$0] - a.squareRoot() * c[$0 % 3]) / (1 - a).squareRoot() })
        }
        for ddim in [nil, 1, 10, 200] as [Int?] {
            let x = Tensor(shape: [2, 3]), rng = RandomGenerator(seed: 5)
            x.fillNormal(using: rng)
            var seen = 0
            if let count = ddim {
                schedule.sampleDDIM(x, count: count, predict: exact) { _, _ in seen += 1 }
            } else {
                schedule.sampleAncestral(x, using: rng, predict: exact) { _, _ in seen += 1 }
            }
            #expect(seen == (ddim ?? 200))
            for i in 0..<6 { #expect(abs(x[i] - c[i % 3]) < 1e-3, "\(ddim.map { "DDIM, \($0) steps" } ?? "ancestral"): \(x[i]) for \(c[i % 3])") }
        }
    }

    @Test func theAverageFollowsTheWeightsSlowlyAndStepsAside() {
        let p = Parameter("w", shape: [2])
        let average = ExponentialMovingAverage([p], decay: 0.9)
        p.value.fill(1)
        average.update()
        average.update()
        #expect(abs(average.averages[0][0] - (1 - 0.81)) < 1e-6, "after two updates towards 1 from 0: 1 − 0.9²")
        let inside = average.withAverages { p.value[0] }
        #expect(abs(inside - 0.19) < 1e-6 && p.value[0] == 1, "the averages stand in, then the weights come back")
        // Warmed up: at step 1 the decay is 2/11, not 0.9; at step 1,000 it is 0.9 again.
        p.value.fill(0)
        let warm = ExponentialMovingAverage([p], decay: 0.9)
        p.value.fill(1)
        warm.update(step: 1)
        #expect(abs(warm.averages[0][0] - 9.0 / 11) < 1e-6, "step 1: d = 2/11, so 9/11 of the way to 1")
        warm.update(step: 1000)
        #expect(abs(warm.averages[0][0] - (0.9 * 9.0 / 11 + 0.1)) < 1e-6, "step 1,000: d = 0.9")
    }

    @Test func theStepLearnsToPredictTheNoise() {
        // 8 x 8 images of one fixed pattern: after 150 steps the error is well under its start (about 1).
        let rng = RandomGenerator(seed: 23)
        let step = DiffusionStep(network: UNet(side: 8, channels: 4, groups: 2, rng: rng),
                                 schedule: NoiseSchedule(.linear, steps: 100), learningRate: 2e-3, rng: rng)
        let images = Tensor(shape: [8, 64], values: (0..<512).map { Float(($0 % 64) / 8 % 2 == 0 ? 0.8 : -0.8) })
        let errors = (0..<150).map { _ in step(images: images) }
        let first = errors.prefix(15).reduce(0, +) / 15, last = errors.suffix(15).reduce(0, +) / 15
        #expect(last < 0.6 * first, "the error went from \(first) to \(last)")
    }
}
