import Foundation
import Testing
@testable import Backprop

/// The two pieces a variational autoencoder adds: sampling z = μ + σ·ε, and the KL term.
@Suite("Reparameterised sampling and the KL divergence")
struct VariationalTests {
    let rng = RandomGenerator(seed: 23)

    @Test func samplingGradientsWithTheNoiseHeldFixed() {
        // ε is drawn from its own generator, restored before every forward pass: the same noise
        // each time, as the formula's derivative assumes.
        let noise = RandomGenerator(seed: 41), start = noise.stateWords
        let layer = Reparameterize(rng: noise)
        let mean = randomInput([3, 5], rng: rng), logVariance = randomInput([3, 5], rng: rng)
        let r = randomInput([3, 5], rng: rng)                       // L = Σ z · r, so dL/dz = r
        func loss() -> Double {
            noise.restore(stateWords: start)
            let z = layer.forward(mean: mean, logVariance: logVariance)
            return (0..<z.count).reduce(0.0) { $0 + Double(z[$1] * r[$1]) }
        }
        _ = loss()
        let (dMean, dLogVariance) = layer.backward(r)
        let gradients = (Tensor(copying: dMean), Tensor(copying: dLogVariance))
        expectAllPass(checkGradients([("μ", mean, gradients.0), ("log σ²", logVariance, gradients.1)], loss: loss), "Reparameterize")
    }

    @Test func theSamplesHaveTheAskedMeanAndSpread() {
        let count = 20_000
        let mean = Tensor(shape: [count, 2], repeating: 2), logVariance = Tensor(shape: [count, 2], repeating: log(0.25))
        let layer = Reparameterize(rng: rng)
        let z = layer.forward(mean: mean, logVariance: logVariance)
        let values = z.values.map(Double.init)
        let average = values.reduce(0, +) / Double(values.count)
        let spread = (values.map { ($0 - average) * ($0 - average) }.reduce(0, +) / Double(values.count)).squareRoot()
        #expect(abs(average - 2) < 0.01 && abs(spread - 0.5) < 0.01, "mean \(average), standard deviation \(spread)")
        layer.setTraining(false)                                    // evaluation: z = μ, and no gradient to log σ²
        #expect(layer.forward(mean: mean, logVariance: logVariance).values == mean.values)
        #expect(layer.backward(Tensor(shape: [count, 2], repeating: 1)).logVariance.values.allSatisfy { $0 == 0 })
    }

    @Test func klGradientsAndKnownValues() {
        let kl = KLDivergenceLoss()
        let mean = randomInput([4, 3], rng: rng), logVariance = randomInput([4, 3], rng: rng)
        func loss() -> Double { Double(kl.forward(mean: mean, logVariance: logVariance, weight: 0.7)) }
        _ = loss()
        let (dMean, dLogVariance) = kl.backward()
        let gradients = (Tensor(copying: dMean), Tensor(copying: dLogVariance))
        expectAllPass(checkGradients([("μ", mean, gradients.0), ("log σ²", logVariance, gradients.1)], loss: loss), "KL divergence")

        // The prior itself is 0 away from the prior; a code shifted by 1 in both of 2 numbers, with
        // σ² = 1, is 1/2 · (1 + 1) = 1 nat away; σ² = e with μ = 0 is 1/2 · (e − 2) per number.
        #expect(kl.forward(mean: Tensor(shape: [5, 4]), logVariance: Tensor(shape: [5, 4])) == 0)
        #expect(kl.forward(mean: Tensor(shape: [3, 2], repeating: 1), logVariance: Tensor(shape: [3, 2])) == 1)
        let wide = kl.forward(mean: Tensor(shape: [1, 1]), logVariance: Tensor(shape: [1, 1], repeating: 1))
        #expect(abs(Double(wide) - 0.5 * (exp(1) - 2)) < 1e-6)
    }
}
