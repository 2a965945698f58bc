import Testing
import Models
@testable import Backprop

@Suite("Reproducibility")
struct DeterminismTests {
    /// Trains a small model with Adam and dropout for a few steps and returns all its weights.
    func trainedWeights(threads: Int, seed: UInt64) -> [Float] {
        var weights: [Float] = []
        withThreads(threads) {
            let rng = RandomGenerator(seed: seed)
            // Wide enough that the kernels split their work over two threads.
            let model = Sequential(Linear(200, 256, rng: rng), LeakyReLU(slope: 0.2), Dropout(probability: 0.3, rng: rng),
                                   Linear(256, 300, initializer: .normal(std: 0.02), rng: rng), Tanh())
            let loss = MSELoss()
            let optimizer = Adam(model.parameters, learningRate: 1e-3, beta1: 0.5)
            let x = Tensor(shape: [64, 200]), target = Tensor(shape: [64, 300])
            for _ in 0..<5 {
                x.fillNormal(using: rng)
                target.fillUniform(using: rng, low: -1, high: 1)
                optimizer.zeroGradients()
                _ = loss.forward(model.forward(x), target)
                _ = model.backward(loss.backward())
                optimizer.step()
            }
            weights = model.parameters.flatMap { $0.value.values }
        }
        return weights
    }

    @Test func sameSeedSameWeightsOnOneOrTwoThreads() {
        let one = trainedWeights(threads: 1, seed: 11)
        let two = trainedWeights(threads: 2, seed: 11)
        #expect(one.count == 200 * 256 + 256 + 256 * 300 + 300)
        #expect(one.map(\.bitPattern) == two.map(\.bitPattern), "training on 2 threads changed the weights")
        #expect(trainedWeights(threads: 2, seed: 11).map(\.bitPattern) == two.map(\.bitPattern))
        #expect(trainedWeights(threads: 2, seed: 12).map(\.bitPattern) != two.map(\.bitPattern))
    }

    /// Normal draws are transformed in parallel; the values and the generator's final state must be
    /// those of drawing the pairs one after another (an odd count leaves half a pair unused).
    @Test(arguments: [1, 2, 12_345, 100_001])
    func parallelNormalsEqualSequentialDraws(_ count: Int) {
        for threads in [1, 2] {
            let filled = RandomGenerator(seed: 11), drawn = RandomGenerator(seed: 11)
            let t = Tensor(shape: [count])
            withThreads(threads) { t.fillNormal(using: filled, mean: 0.5, std: 2) }
            var expected: [Float] = []
            while expected.count < count {
                let (a, b) = drawn.normalPair()
                expected += [0.5 + 2 * a, 0.5 + 2 * b]
            }
            #expect(t.values == Array(expected.prefix(count)), "\(count) values on \(threads) threads")
            #expect(filled.stateWords == drawn.stateWords, "state after \(count) values on \(threads) threads")
        }
    }
}

@Suite("Memory in a training step", .serialized)
struct AllocationTests {
    @Test func aWarmedUpGANStepAllocatesNoFloatMemory() {
        // Chapter 3's step in miniature: D on real and fake, then G through a frozen D.
        let rng = RandomGenerator(seed: 3)
        let g = Sequential(Linear(16, 64, rng: rng), LeakyReLU(slope: 0.2), Linear(64, 196, rng: rng), Tanh())
        let d = Sequential(Linear(196, 64, rng: rng), LeakyReLU(slope: 0.2), Dropout(probability: 0.3, rng: rng), Linear(64, 1, rng: rng))
        g.needsInputGradient = false
        let gAdam = Adam(g.parameters, learningRate: 2e-4, beta1: 0.5), dAdam = Adam(d.parameters, learningRate: 2e-4, beta1: 0.5)
        let bce = BCEWithLogitsLoss()
        let real = Tensor(shape: [32, 196]), z = Tensor(shape: [32, 16])
        let ones = Tensor(shape: [32, 1], repeating: 1), zeros = Tensor(shape: [32, 1])
        real.fillUniform(using: rng, low: -1, high: 1)
        func step() {
            d.isFrozen = false; d.needsInputGradient = false
            dAdam.zeroGradients()
            _ = bce.forward(d.forward(real), ones); _ = d.backward(bce.backward())
            z.fillNormal(using: rng)
            _ = bce.forward(d.forward(g.forward(z)), zeros); _ = d.backward(bce.backward())
            dAdam.step()
            d.isFrozen = true; d.needsInputGradient = true
            gAdam.zeroGradients()
            z.fillNormal(using: rng)
            _ = bce.forward(d.forward(g.forward(z)), ones)
            _ = g.backward(d.backward(bce.backward()))
            gAdam.step()
        }
        // The layers' tensors are made on this thread, so this thread's tensors are counted (the
        // kernels' scratch buffers grow on whichever threads run the shares; bench counts them).
        step(); step()                               // the first steps size every buffer
        let before = Allocations.tensorsOnThisThread
        for _ in 0..<5 { step() }
        #expect(Allocations.tensorsOnThisThread == before, "\(Allocations.tensorsOnThisThread - before) tensors allocated in 5 warmed-up steps")
        _ = Tensor(shape: [3])                       // and the counter does count
        #expect(Allocations.tensorsOnThisThread == before + 1)
    }

    /// Chapter 6's step (bench's dcgan-mnist step at width 4): convolutions, transposed
    /// convolutions, batch normalisation and reshapes keep their buffers too.
    @Test func aWarmedUpDCGANStepAllocatesNoFloatMemory() {
        let rng = RandomGenerator(seed: 4)
        let (g, d) = DCGAN.digits(width: 4).networks(rng: rng)
        let step = SameFakesGANStep(generator: g, discriminator: d, learningRate: 2e-4,
                                latentSize: 100, discriminatorLossWeight: 1, rng: rng)
        let real = Tensor(shape: [16, 32 * 32])
        real.fillUniform(using: rng, low: -1, high: 1)
        _ = step(real: real); _ = step(real: real)
        let before = Allocations.tensorsOnThisThread
        for _ in 0..<3 { _ = step(real: real) }
        #expect(Allocations.tensorsOnThisThread == before, "\(Allocations.tensorsOnThisThread - before) tensors allocated in 3 warmed-up DCGAN steps")
    }

    /// Chapter 8's step (a narrow U-Net, conditional): group norms, skips, upsampling, the time and label
    /// embeddings and the moving average keep their buffers too.
    @Test func aWarmedUpDiffusionStepAllocatesNoFloatMemory() {
        let rng = RandomGenerator(seed: 5)
        let step = DiffusionStep(network: UNet(side: 16, channels: 8, groups: 4, conditional: true, rng: rng),
                                 schedule: NoiseSchedule(.linear, steps: 100), rng: rng)
        let images = Tensor(shape: [8, 16 * 16]), labels = Tensor(shape: [8, 10])
        images.fillUniform(using: rng, low: -1, high: 1)
        for i in 0..<8 { labels[i, i % 10] = 1 }
        _ = step(images: images, labels: labels); _ = step(images: images, labels: labels)
        let before = Allocations.tensorsOnThisThread
        for _ in 0..<3 { _ = step(images: images, labels: labels) }
        #expect(Allocations.tensorsOnThisThread == before, "\(Allocations.tensorsOnThisThread - before) tensors allocated in 3 warmed-up diffusion steps")
    }
}
