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
