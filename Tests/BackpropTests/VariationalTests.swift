import Foundation
import Testing
@testable import Backprop
import Models

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

    @Test func joiningColumnsSendsEachGradientBackToItsSource() {
        let join = JoinColumns()
        let a = randomInput([3, 4], rng: rng), b = randomInput([3, 2], rng: rng), r = randomInput([3, 6], rng: rng)
        func loss() -> Double { let y = join.forward(a, b); return (0..<y.count).reduce(0.0) { $0 + Double(y[$1] * r[$1]) } }
        _ = loss()
        let (da, db) = join.backward(r)
        expectAllPass(checkGradients([("a", a, Tensor(copying: da)), ("b", b, Tensor(copying: db))], loss: loss), "JoinColumns")
        let labels = Tensor(shape: [0])
        oneHot([2, 0, 1], classes: 3, into: labels)
        #expect(labels.values == [0, 0, 1, 1, 0, 0, 0, 1, 0])
    }

    /// The whole VAE, conditional (so the joins are in the path), small enough to check every
    /// weight: its loss, reconstruction + β · KL, against the gradients the chapter's step computes.
    @Test func theWholeVariationalAutoencoderWithTheNoiseHeldFixed() {
        let noise = RandomGenerator(seed: 5)
        let vae = VariationalAutoencoder(latentSize: 3, conditional: true, imageSize: 12, hiddenSize: 7, rng: noise)
        let step = VAEStep(vae: vae, optimizer: SGD(vae.parameters, learningRate: 0), beta: 0.7)
        let x = Tensor(shape: [4, 12]), labels = Tensor(shape: [0])
        x.fillUniform(using: rng, low: 0.05, high: 0.95)
        oneHot([3, 1, 4, 1], classes: 10, into: labels)
        let start = noise.stateWords                                  // the same ε at every forward pass
        func loss() -> Double { noise.restore(stateWords: start); return step.forward(images: x, labels: labels).loss }
        noise.restore(stateWords: start)
        step.optimizer.zeroGradients()
        _ = step.forward(images: x, labels: labels)
        step.backward()
        let gradients = vae.parameters.enumerated().map { (name: "parameter \($0.offset) \($0.element.name)", value: $0.element.value,
                                                            gradient: Tensor(copying: $0.element.gradient)) }
        #expect(gradients.count == 10)
        expectAllPass(checkGradients(gradients, loss: loss), "VAE")
    }

    @Test func aWarmedUpVAEStepAllocatesNothing() {
        let vae = VariationalAutoencoder(latentSize: 20, conditional: true, rng: rng)
        let step = VAEStep(vae: vae, optimizer: Adam(vae.parameters), beta: 1)
        let x = Tensor(shape: [128, 784]), labels = Tensor(shape: [0])
        x.fillUniform(using: rng, low: 0, high: 1)
        oneHot((0..<128).map { $0 % 10 }, classes: 10, into: labels)
        _ = step(images: x, labels: labels); _ = step(images: x, labels: labels)   // the first steps size every buffer
        let before = Allocations.tensorsOnThisThread
        for _ in 0..<5 { _ = step(images: x, labels: labels) }
        #expect(Allocations.tensorsOnThisThread == before, "\(Allocations.tensorsOnThisThread - before) tensors allocated in 5 warmed-up steps")
    }

    /// The VAE's loss runs on the fast cross-entropy kernel (SIMD polynomials for e^x and
    /// log(1 + x), both cores); the naive loop with the C library's exp and log1p is its oracle.
    @Test(arguments: [1, 2])
    func theFastCrossEntropyAgreesWithTheDefinition(threads: Int) {
        let n = 4 * 4096 + 13                                       // parallel chunks and a ragged end
        let z = Tensor(shape: [n]), t = Tensor(shape: [n])
        z.fillUniform(using: rng, low: -30, high: 30)
        t.fillUniform(using: rng, low: 0, high: 1)
        for (i, value) in [0, -0.0, 100, -100, 1e-6, -1e-6, 88, -88, 200, -200].enumerated() { z[i * 997] = Float(value) }
        for i in stride(from: 5, to: n, by: 7) { t[i] = i % 2 == 0 ? 0 : 1 }   // hard targets too
        let scale: Float = 784 / Float(n)
        let naiveGradient = Tensor(shape: [n]), fastGradient = Tensor(shape: [n]), again = Tensor(shape: [n])
        var partials = [Double](repeating: 0, count: 8)
        let naive = binaryCrossEntropyNaive(logits: z.data, targets: t.data, gradient: naiveGradient.data, count: n, scale: scale)
        var fast = 0.0
        withThreads(threads) {
            fast = partials.withUnsafeMutableBufferPointer { binaryCrossEntropyFast(logits: z.data, targets: t.data, gradient: fastGradient.data,
                                                                                      count: n, scale: scale, partials: $0.baseAddress!) }
        }
        #expect(abs(fast - naive) <= 1e-6 * abs(naive), "sum \(fast) against \(naive)")
        var worst: Float = 0
        for i in 0..<n { worst = max(worst, abs(fastGradient[i] - naiveGradient[i])) }
        #expect(worst <= 1e-6 * scale, "gradient off by \(worst / scale) of its scale")
        // The same on the other thread count, bit for bit: the chunks do not depend on the threads.
        var other = 0.0
        withThreads(3 - threads) {
            other = partials.withUnsafeMutableBufferPointer { binaryCrossEntropyFast(logits: z.data, targets: t.data, gradient: again.data,
                                                                                       count: n, scale: scale, partials: $0.baseAddress!) }
        }
        #expect(other.bitPattern == fast.bitPattern && again.values.map(\.bitPattern) == fastGradient.values.map(\.bitPattern))
        #expect(fastGradient.values.allSatisfy(\.isFinite) && fast.isFinite)
    }
}
