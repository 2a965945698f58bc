import Foundation
import Testing
@testable import Backprop
@testable import Models

/// The layers a diffusion U-Net adds to chapter 6's (chapter 8, in progress): SiLU, group
/// normalisation and nearest-neighbour upsampling, each checked against central differences.
@Suite("The U-Net's layers")
struct DiffusionLayerTests {
    let rng = RandomGenerator(seed: 41)

    @Test func siluGradientAndValues() {
        expectAllPass(checkLayerGradients(SiLU(), input: randomInput([3, 7], rng: rng), rng: rng), "SiLU")
        let y = SiLU().forward(Tensor(shape: [3], values: [0, 2, -2]))
        #expect(y[0] == 0 && abs(y[1] - 2 * sigmoid(2)) < 1e-6 && abs(y[2] + 2 * sigmoid(-2)) < 1e-6)
    }

    @Test func theVectorExponentialIsWithinAMillionthOfTheTrueOne() {
        var worst = 0.0
        for start in stride(from: -87.0, to: 88.0, by: 0.37) {
            let xs = (0..<16).map { Float(start + 0.023 * Double($0)) }
            let e = exp16(Vector16(xs))
            for j in 0..<16 { worst = max(worst, abs(Double(e[j]) - Foundation.exp(Double(xs[j]))) / Foundation.exp(Double(xs[j]))) }
        }
        #expect(worst < 1e-6, "worst relative error \(worst)")
        #expect(exp16(Vector16(repeating: -200))[0] < 1e-37 && exp16(Vector16(repeating: 0))[0] == 1)
        // SiLU through it: x σ(x) for a batch that is not a multiple of 16 (the padded end)
        let x = Tensor(shape: [37], values: (0..<37).map { Float($0) * 0.7 - 13 })
        let y = SiLU().forward(x)
        for i in 0..<37 {
            let exact = Double(x[i]) / (1 + Foundation.exp(-Double(x[i])))
            #expect(abs(Double(y[i]) - exact) <= 1e-6 * max(1, abs(exact)), "SiLU(\(x[i])) = \(y[i]), not \(exact)")
        }
    }

    @Test func groupNormGradientsForEveryGrouping() {
        // 2 groups of 2 channels; one group (layer normalisation); a group per channel (instance normalisation)
        for (groups, what) in [(2, "2 groups"), (1, "1 group"), (4, "4 groups")] {
            let layer = GroupNorm(groups: groups, channels: 4)
            layer.gamma.value.fillUniform(using: rng, low: 0.5, high: 1.5)
            layer.beta.value.fillUniform(using: rng, low: -0.5, high: 0.5)
            expectAllPass(checkLayerGradients(layer, input: randomInput([2, 4, 3, 2], rng: rng), rng: rng,
                                              tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2)),
                          "GroupNorm, \(what)")
        }
    }

    @Test func groupNormNormalisesEachImagesGroupsAloneAndIgnoresTheBatch() {
        let layer = GroupNorm(groups: 2, channels: 4)
        let x = randomInput([2, 4, 2, 3], rng: rng)
        let y = Tensor(copying: layer.forward(x))
        for image in 0..<2 {
            for g in 0..<2 {
                let values = (0..<12).map { Double(y[(image * 4 + g * 2) * 6 + $0]) }
                let mean = values.reduce(0, +) / 12
                let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 12
                #expect(abs(mean) < 1e-5 && abs(variance - 1) < 1e-3, "image \(image), group \(g): \(mean), \(variance)")
            }
        }
        // The second image alone gives the same numbers as in the batch.
        let second = Tensor(shape: [1, 4, 2, 3], values: Array(x.values[24...]))
        #expect(layer.forward(second).values == Array(y.values[24...]))
    }

    @Test func joinChannelsPutsEachImagesChannelsSideBySide() {
        let join = JoinChannels()
        let a = Tensor(shape: [2, 1, 1, 2], values: [1, 2, 3, 4]), b = Tensor(shape: [2, 2, 1, 2], values: [5, 6, 7, 8, 9, 10, 11, 12])
        let y = join.forward(a, b)
        #expect(y.shape == [2, 3, 1, 2] && y.values == [1, 2, 5, 6, 7, 8, 3, 4, 9, 10, 11, 12])
        let (da, db) = join.backward(Tensor(shape: [2, 3, 1, 2], values: (1...12).map(Float.init)))
        #expect(da.shape == a.shape && da.values == [1, 2, 7, 8] && db.values == [3, 4, 5, 6, 9, 10, 11, 12])
    }

    @Test func upsampleGradientAndBlocks() {
        expectAllPass(checkLayerGradients(Upsample(), input: randomInput([2, 3, 2, 3], rng: rng), rng: rng), "Upsample")
        let y = Upsample().forward(Tensor(shape: [1, 1, 2, 2], values: [1, 2, 3, 4]))
        #expect(y.shape == [1, 1, 4, 4] && y.values == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }
}

@Suite("The U-Net, whole")
struct UNetTests {
    @Test func everyWeightsGradientMatchesCentralDifferences() {
        // A U-Net in miniature: 8 x 8 images, 4 channels in the first stage, 2 groups; two images at
        // steps 3 and 700. L = Σ ε̂ · r for a fixed random r.
        let rng = RandomGenerator(seed: 17)
        let net = UNet(side: 8, channels: 4, groups: 2, rng: rng)
        let x = randomInput([2, 64], rng: rng), r = randomInput([2, 64], rng: rng)
        net.steps = [3, 700]
        func loss() -> Double { let y = net.forward(x); return (0..<y.count).reduce(0.0) { $0 + Double(y[$1]) * Double(r[$1]) } }
        net.parameters.forEach { $0.gradient.fill(0) }
        _ = loss()
        _ = net.backward(r)
        let tensors = net.parameters.enumerated().map { index, p in
            (name: "parameter \(index) (\(p.name), \(p.value.shape))", value: p.value, gradient: Tensor(copying: p.gradient))
        }
        #expect(tensors.count == 6 + (10 + 12 + 10 + 12 + 12) + 2 + 2 + 2 + 2, "every layer's weights and biases: \(tensors.count)")
        let results = checkGradients(tensors, epsilon: 1e-2, tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2), loss: loss)
        expectAllPass(results, "the U-Net")
    }

    @Test func aConditionalUNetsLabelWeightsGetTheirGradient() {
        // The label's embedding is added to the step's: its weights get the sum of every block's dL/de, through
        // the one-hot rows (image 0 asks for a 3, image 1 for nothing).
        let rng = RandomGenerator(seed: 19)
        let net = UNet(side: 8, channels: 4, groups: 2, conditional: true, rng: rng)
        let x = randomInput([2, 64], rng: rng), r = randomInput([2, 64], rng: rng)
        net.steps = [40, 500]
        net.labels.reshape(to: [2, 10])
        net.labels.fill(0)
        net.labels[0, 3] = 1
        func loss() -> Double { let y = net.forward(x); return (0..<y.count).reduce(0.0) { $0 + Double(y[$1]) * Double(r[$1]) } }
        net.parameters.forEach { $0.gradient.fill(0) }
        _ = loss()
        _ = net.backward(r)
        let label = net.labelEmbed!.parameters, first = net.parameters.first!
        #expect(net.parameters.count == 72 && zip(net.parameters.suffix(2), label).allSatisfy { $0.value === $1.value })
        let tensors = (label + [first]).map { p in (name: "\(p.name) \(p.value.shape)", value: p.value, gradient: Tensor(copying: p.gradient)) }
        let results = checkGradients(tensors, epsilon: 1e-2, tolerance: GradientTolerance(absolute: 2e-3, relative: 1e-2), loss: loss)
        expectAllPass(results, "the conditional U-Net")
        #expect((0..<label[0].gradient.columns).allSatisfy { label[0].gradient[4, $0] == 0 }, "a digit nobody asked for learns nothing")
    }
}

@Suite("The U-Net on one thread and on two", .serialized)
struct UNetThreadTests {
    /// Group normalisation splits its (image, group) pairs over the threads and adds γ's and β's
    /// gradients in image order: the U-Net's gradients are the same bits on any number of threads.
    @Test func theGradientsAreTheSameOnOneAndTwoThreads() {
        func gradients(threads: Int) -> [UInt32] {
            var bits: [UInt32] = []
            withThreads(threads) {
                let rng = RandomGenerator(seed: 29)
                let net = UNet(side: 16, channels: 8, groups: 4, rng: rng)
                let x = randomInput([16, 256], rng: rng), r = randomInput([16, 256], rng: rng)
                net.steps = (0..<16).map { 1 + 60 * $0 }
                _ = net.forward(x)
                _ = net.backward(r)
                bits = net.parameters.flatMap { $0.gradient.values.map(\.bitPattern) }
            }
            return bits
        }
        #expect(gradients(threads: 1) == gradients(threads: 2), "two threads changed the U-Net's gradients")
    }
}
