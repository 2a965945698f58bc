import Foundation
import Testing
@testable import Backprop

/// Geometries chosen to hit every path: one channel, odd sizes, stride 2, padding 0 and 1, a
/// kernel as large as the padded image, a 1 x 1 kernel, a batch of one, DCGAN's 4 x 4 stride-2 windows.
let awkwardGeometries: [(g: ConvolutionGeometry, outChannels: Int)] = [
    (ConvolutionGeometry(batch: 2, channels: 1, height: 5, width: 7, kernel: 3, stride: 1, padding: 0), 3),
    (ConvolutionGeometry(batch: 3, channels: 2, height: 7, width: 5, kernel: 3, stride: 2, padding: 1), 5),
    (ConvolutionGeometry(batch: 1, channels: 3, height: 8, width: 8, kernel: 4, stride: 2, padding: 1), 17),
    (ConvolutionGeometry(batch: 2, channels: 4, height: 3, width: 3, kernel: 5, stride: 1, padding: 1), 2),
    (ConvolutionGeometry(batch: 4, channels: 5, height: 6, width: 6, kernel: 1, stride: 1, padding: 0), 1),
    (ConvolutionGeometry(batch: 5, channels: 16, height: 9, width: 9, kernel: 4, stride: 2, padding: 1), 33),
    (ConvolutionGeometry(batch: 2, channels: 8, height: 4, width: 4, kernel: 4, stride: 1, padding: 0), 1),
    // Large enough for both cores, several tiles, groups and stripes of channels, and a weight
    // gradient summed in several blocks of positions; odd sizes give the pixel classes of the
    // input gradient different sizes; 48 and 40 channels fill one stripe of 32 lanes and part of
    // a second. The first takes the direct input gradient, the second (20 channels: 12 of 32
    // lanes idle) the patch gradients an image at a time; the smaller ones above, where the
    // lanes would be idle, take the whole batch's patch matrix.
    (ConvolutionGeometry(batch: 2, channels: 48, height: 17, width: 23, kernel: 4, stride: 2, padding: 1), 40),
    (ConvolutionGeometry(batch: 3, channels: 20, height: 21, width: 19, kernel: 4, stride: 2, padding: 1), 18),
    // An even width of 16 and 40 channels: two blocks of 16 channels turned round in registers,
    // then 8 value by value.
    (ConvolutionGeometry(batch: 2, channels: 40, height: 6, width: 16, kernel: 4, stride: 2, padding: 1), 24),
    // A small image, whose border the kernels skip (10 x 10: 5 x 5 positions, 10% of the
    // windows' reads on the border), large enough for both cores, with a block of 4 images after
    // one of 8 and the weight gradient's second block of 256 positions starting inside an image.
    (ConvolutionGeometry(batch: 12, channels: 40, height: 10, width: 10, kernel: 4, stride: 2, padding: 1), 36),
    // Windows as large as the image (the matrix products' path), large enough for both cores:
    // DCGAN's last layer of D with 40 logits, and a 3 x 3 one whose transpose grows 37 values to 3 x 3.
    (ConvolutionGeometry(batch: 20, channels: 16, height: 4, width: 4, kernel: 4, stride: 2, padding: 0), 40),
    (ConvolutionGeometry(batch: 9, channels: 7, height: 3, width: 3, kernel: 3, stride: 1, padding: 0), 37),
]

/// The first index where two tensors differ in any bit, or nil.
func firstBitDifference(_ a: Tensor, _ b: Tensor) -> Int? {
    guard a.count == b.count else { return -1 }
    return (0..<a.count).first { a[$0].bitPattern != b[$0].bitPattern }
}

@Suite("Convolutions, transposed convolutions, batch normalisation")
struct ConvolutionTests {
    let rng = RandomGenerator(seed: 11)

    @Test(arguments: awkwardGeometries.indices, [1, 2])
    func convolutionFastEqualsNaiveBitForBit(_ index: Int, threads: Int) {
        let (g, o) = awkwardGeometries[index]
        let layer = Conv2d(g.channels, o, kernel: g.kernel, stride: g.stride, padding: g.padding, rng: rng)
        let x = randomTensor([g.batch, g.channels, g.height, g.width], rng), dy = randomTensor([g.batch, o, g.outHeight, g.outWidth], rng)
        let naiveY = Tensor(shape: dy.shape), naiveDW = Tensor(shape: layer.weight.value.shape), naiveDX = Tensor(shape: x.shape)
        convolutionForwardNaive(naiveY.data, x.data, layer.weight.value.data, layer.bias!.value.data, g, outChannels: o)
        convolutionWeightGradientNaive(naiveDW.data, x.data, dy.data, g, outChannels: o)
        convolutionInputGradientNaive(naiveDX.data, dy.data, layer.weight.value.data, g, outChannels: o)
        var y = Tensor(shape: [0]), dx = Tensor(shape: [0])
        withThreads(threads) {
            y = Tensor(copying: layer.forward(x))
            dx = Tensor(copying: layer.backward(dy))
        }
        #expect(y.shape == naiveY.shape && firstBitDifference(y, naiveY) == nil, "forward \(g) → \(o)")
        #expect(firstBitDifference(layer.weight.gradient, naiveDW) == nil, "weight gradient \(g) → \(o)")
        #expect(firstBitDifference(dx, naiveDX) == nil, "input gradient \(g) → \(o)")
    }

    /// The images with their border of zeros: every value of the padded planes is written (over
    /// garbage), the pixels in place and zeros around them, for widths around the register sizes.
    @Test(arguments: [(1, 3, 1, 0, 2, 1), (8, 2, 1, 1, 1, 1), (13, 4, 2, 1, 0, 2), (21, 3, 0, 2, 2, 0), (32, 2, 1, 1, 1, 1)])
    func bordersAreZerosAndPixelsStayInPlace(_ sizes: (width: Int, height: Int, top: Int, bottom: Int, left: Int, right: Int)) {
        let (w, h, top, bottom, left, right) = sizes, planes = 3
        let x = randomTensor([planes, h, w], rng)
        let paddedWidth = left + w + right, paddedHeight = top + h + bottom
        let padded = Tensor(shape: [planes, paddedHeight, paddedWidth], repeating: .nan)
        addBorder(x.data, planes: planes, height: h, width: w, top: top, bottom: bottom, left: left, right: right, into: padded.data)
        for plane in 0..<planes {
            for row in 0..<paddedHeight {
                for column in 0..<paddedWidth {
                    let (i, j) = (row - top, column - left)
                    let expected: Float = (0..<h).contains(i) && (0..<w).contains(j) ? x[(plane * h + i) * w + j] : 0
                    #expect(padded[(plane * paddedHeight + row) * paddedWidth + column].bitPattern == expected.bitPattern,
                            "plane \(plane), row \(row), column \(column) of \(sizes)")
                }
            }
        }
    }

    /// The 16 x 16 transpose in registers puts every value in its place and writes nothing else.
    @Test func aBlockTurnsRoundInRegisters() {
        let source = randomTensor([16, 21], rng), target = Tensor(shape: [17, 19], repeating: -7)
        transpose16x16(source.data + 3, stride: 21, into: target.data + 2, stride: 19)
        for c in 0..<17 {
            for column in 0..<19 {
                let inside = c < 16 && (2..<18).contains(column)
                let expected = inside ? source[(column - 2) * 21 + 3 + c] : -7
                #expect(target[c * 19 + column].bitPattern == expected.bitPattern, "row \(c), column \(column)")
            }
        }
    }

    /// The direct kernels compute what the definition of appendix B says: the products with the
    /// patch matrix P = im2col(x), y = W·P and dW = dy·Pᵀ, and dx = col2im(Wᵀ·dy), bit for bit,
    /// with either tile.
    @Test(arguments: awkwardGeometries.indices, [false, true])
    func directKernelsEqualThePatchMatrixProducts(_ index: Int, wide: Bool) {
        let (g, o) = awkwardGeometries[index]
        let x = randomTensor([g.batch, g.channels, g.height, g.width], rng), w = randomTensor([o, g.patch], rng)
        let dy = randomTensor([g.batch, o, g.outHeight, g.outWidth], rng), positions = g.outHeight * g.outWidth
        let patches = Tensor(shape: [g.patch, g.rows]), byChannel = Tensor(shape: [o, g.rows])
        im2col(patches.data, x.data, g)
        let y = Tensor(shape: dy.shape), dw = randomTensor(w.shape, rng), dx = Tensor(shape: x.shape)
        let viaPatches = (y: Tensor(shape: dy.shape), dw: Tensor(copying: dw), dx: Tensor(shape: x.shape))
        withThreads(2, wideTile: wide) {
            convolutionForward(y.data, w.data, x.data, g, outChannels: o)
            convolutionWeightGradient(dw.data, x.data, dy.data, g, outChannels: o)
            convolutionInputGradient(dx.data, dy.data, w.data, g, outChannels: o)
            matmulForward(byChannel.data, w.data, patches.data, nil, m: o, k: g.patch, n: g.rows)              // W·P: [O, B·Ho·Wo]
            swapOuterAxes(byChannel.data, into: viaPatches.y.data, outer: o, inner: g.batch, block: positions)
            swapOuterAxes(dy.data, into: byChannel.data, outer: g.batch, inner: o, block: positions)          // dy: [O, B·Ho·Wo]
            let dwFresh = Tensor(shape: w.shape)
            matmulBackwardInput(dwFresh.data, byChannel.data, patches.data, m: o, k: g.patch, n: g.rows)       // dy·Pᵀ
            viaPatches.dw.add(dwFresh)
            let dP = Tensor(shape: [g.patch, g.rows])
            matmulBackwardWeights(dP.data, w.data, byChannel.data, m: o, k: g.patch, n: g.rows)               // Wᵀ·dy
            col2im(viaPatches.dx.data, dP.data, g)
        }
        #expect(firstBitDifference(y, viaPatches.y) == nil, "forward \(g) → \(o), wide \(wide)")
        #expect(firstBitDifference(dw, viaPatches.dw) == nil, "weight gradient \(g) → \(o), wide \(wide)")
        #expect(firstBitDifference(dx, viaPatches.dx) == nil, "input gradient \(g) → \(o), wide \(wide)")
    }

    @Test(arguments: awkwardGeometries.indices, [1, 2])
    func transposedConvolutionIsTheConvolutionReadBackwards(_ index: Int, threads: Int) {
        // ConvTranspose2d(C → O) is the input gradient of a Conv2d(O → C) on the larger images.
        let (g, c) = awkwardGeometries[index]
        let layer = ConvTranspose2d(c, g.channels, kernel: g.kernel, stride: g.stride, padding: g.padding, rng: rng)
        let x = randomTensor([g.batch, c, g.outHeight, g.outWidth], rng)
        var y = Tensor(shape: [0])
        withThreads(threads) { y = Tensor(copying: layer.forward(x)) }
        let h = (g.outHeight - 1) * g.stride - 2 * g.padding + g.kernel, w = (g.outWidth - 1) * g.stride - 2 * g.padding + g.kernel
        #expect(y.shape == [g.batch, g.channels, h, w])   // (a stride-2 window on an odd size loses a pixel: h may be g.height − 1)
        let back = ConvolutionGeometry(batch: g.batch, channels: g.channels, height: h, width: w, kernel: g.kernel, stride: g.stride, padding: g.padding)
        let naiveY = Tensor(shape: y.shape)
        convolutionInputGradientNaive(naiveY.data, x.data, layer.weight.value.data, back, outChannels: c)
        addToChannels(naiveY.data, layer.bias!.value.data, batch: g.batch, channels: g.channels, plane: h * w)
        #expect(firstBitDifference(y, naiveY) == nil, "transposed forward \(back)")
        let dy = randomTensor(y.shape, rng)
        var dx = Tensor(shape: [0])
        withThreads(threads) { dx = Tensor(copying: layer.backward(dy)) }
        let naiveDX = Tensor(shape: x.shape), naiveDW = Tensor(shape: layer.weight.value.shape)
        convolutionForwardNaive(naiveDX.data, dy.data, layer.weight.value.data, nil, back, outChannels: c)
        convolutionWeightGradientNaive(naiveDW.data, dy.data, x.data, back, outChannels: c)
        #expect(firstBitDifference(dx, naiveDX) == nil, "transposed input gradient \(back)")
        #expect(firstBitDifference(layer.weight.gradient, naiveDW) == nil, "transposed weight gradient \(back)")
    }

    /// L = Σ y · r for a fixed random r, so dL/dy = r: every gradient of the layer against central differences.
    func checkLayer(_ layer: Layer, input x: Tensor, _ what: String, tolerance: GradientTolerance = GradientTolerance()) {
        let r = randomTensor(layer.forward(x).shape, rng)
        func loss() -> Double { let y = layer.forward(x); return (0..<y.count).reduce(0.0) { $0 + Double(y[$1]) * Double(r[$1]) } }
        layer.parameters.forEach { $0.gradient.fill(0) }
        _ = loss()
        let dx = Tensor(copying: layer.backward(r))
        let tensors = [("input", x, dx)] + layer.parameters.map { ($0.name, $0.value, Tensor(copying: $0.gradient)) }
        expectAllPass(checkGradients(tensors.map { (name: $0.0, value: $0.1, gradient: $0.2) }, tolerance: tolerance, loss: loss), what)
    }

    @Test func convolutionGradients() {
        checkLayer(Conv2d(2, 3, kernel: 3, stride: 2, padding: 1, rng: rng), input: randomInput([2, 2, 5, 6], rng: rng), "Conv2d stride 2 pad 1")
        checkLayer(Conv2d(1, 2, kernel: 2, rng: rng), input: randomInput([3, 1, 4, 3], rng: rng), "Conv2d one channel, pad 0")
        checkLayer(Conv2d(3, 2, kernel: 4, stride: 2, padding: 1, bias: false, rng: rng), input: randomInput([1, 3, 6, 6], rng: rng), "Conv2d DCGAN-like")
    }

    @Test func transposedConvolutionGradients() {
        checkLayer(ConvTranspose2d(3, 2, kernel: 4, stride: 2, padding: 1, rng: rng), input: randomInput([2, 3, 3, 2], rng: rng), "ConvTranspose2d stride 2")
        checkLayer(ConvTranspose2d(4, 1, kernel: 4, stride: 1, padding: 0, bias: false, rng: rng), input: randomInput([2, 4, 1, 1], rng: rng),
                   "ConvTranspose2d from 1 x 1 (DCGAN's first layer)")
        checkLayer(ConvTranspose2d(2, 3, kernel: 3, stride: 1, padding: 1, rng: rng), input: randomInput([1, 2, 3, 3], rng: rng), "ConvTranspose2d pad 1")
    }

    @Test func batchNormGradients() {
        let images = BatchNorm(3)
        images.gamma.value.fillUniform(using: rng, low: 0.5, high: 1.5)
        images.beta.value.fillUniform(using: rng, low: -0.5, high: 0.5)
        checkLayer(images, input: randomInput([2, 3, 3, 4], rng: rng), "BatchNorm over [B, C, H, W], training (planes of 12: eight at a time, then four)")
        checkLayer(BatchNorm(4), input: randomInput([5, 4], rng: rng), "BatchNorm over [B, C], training")
        let evaluation = BatchNorm(2)
        evaluation.runningMean.fillUniform(using: rng, low: -1, high: 1)
        evaluation.runningVariance.fillUniform(using: rng, low: 0.5, high: 2)
        evaluation.setTraining(false)
        checkLayer(evaluation, input: randomInput([1, 2, 2, 3], rng: rng), "BatchNorm in evaluation, batch of 1")
        checkLayer(Reshape([2, 3, 1]), input: randomInput([4, 6], rng: rng), "Reshape")
    }

    /// Appendix C's remedy for mode collapse: the batch's spread as one more feature.
    @Test func minibatchDeviationGradientsAndValue() {
        checkLayer(MinibatchDeviation(), input: randomInput([5, 3], rng: rng), "MinibatchDeviation, batch 5")
        checkLayer(MinibatchDeviation(), input: randomInput([2, 1], rng: rng), "MinibatchDeviation, batch 2, one feature")
        // The feature by hand: columns (1, 3) and (0, 0): σ = 1 and 0 (plus ε), so s = 1/2 on every row.
        let y = MinibatchDeviation(epsilon: 0).forward(Tensor(shape: [2, 2], values: [1, 0, 3, 0]))
        #expect(y.shape == [2, 3] && y.values == [1, 0, 0.5, 3, 0, 0.5])
    }

    @Test func batchNormStatisticsAsPyTorchKeepsThem() {
        let layer = BatchNorm(2)
        let x = Tensor(shape: [2, 2, 1, 2], values: [1, 2, 10, 20, 3, 4, 30, 40])   // channel 0: 1, 2, 3, 4; channel 1: 10, 20, 30, 40
        let y = layer.forward(x)
        #expect(abs(layer.runningMean[0] - 0.25) < 1e-6 && abs(layer.runningMean[1] - 2.5) < 1e-5)     // 0.1 · the means 2.5 and 25
        #expect(abs(layer.runningVariance[0] - (0.9 + 0.1 * 5 / 3)) < 1e-6)                          // unbiased variance 5/3
        #expect(abs(layer.runningVariance[1] - (0.9 + 0.1 * 500 / 3)) < 1e-4)
        let channel0 = [y[0], y[1], y[4], y[5]]
        #expect(abs(channel0.reduce(0, +)) < 1e-6 && abs(channel0.map { $0 * $0 }.reduce(0, +) / 4 - 1) < 1e-4)   // mean 0, variance 1
        layer.setTraining(false)                                                    // evaluation: the running averages
        let z = layer.forward(x)
        #expect(abs(z[0] - (1 - 0.25) / (layer.runningVariance[0] + 1e-5).squareRoot()) < 1e-6)
    }

    /// A small convolutional discriminator end to end: Conv2d, BatchNorm, LeakyReLU, a reshape
    /// and a Linear layer to one logit, under the binary cross-entropy.
    @Test func aSmallConvolutionalNetwork() {
        let net = Sequential(Conv2d(2, 3, kernel: 4, stride: 2, padding: 1, bias: false, rng: rng), BatchNorm(3), LeakyReLU(slope: 0.2),
                             ConvTranspose2d(3, 2, kernel: 4, stride: 2, padding: 1, rng: rng), Reshape([2 * 6 * 6]), Linear(72, 1, rng: rng))
        let x = randomInput([3, 2, 6, 6], rng: rng), t = Tensor(shape: [3, 1], values: [1, 0, 1])
        let bce = BCEWithLogitsLoss()
        func loss() -> Double { Double(bce.forward(net.forward(x), t)) }
        net.parameters.forEach { $0.gradient.fill(0) }
        _ = loss()
        let dx = Tensor(copying: net.backward(bce.backward()))
        let tensors = [(name: "input", value: x, gradient: dx)]
            + net.parameters.enumerated().map { (name: "parameter \($0.offset) \($0.element.name)", value: $0.element.value, gradient: Tensor(copying: $0.element.gradient)) }
        // Nudges of 3e-4: with 1e-3 one LeakyReLU input crosses its kink at 0 and the slope measured
        // across the kink is neither side's (the numeric value moves from -0.0044 to -0.0093 to the
        // backward's -0.0159 as the nudge shrinks from 3e-3 to 3e-4).
        expectAllPass(checkGradients(tensors, epsilon: 3e-4, loss: loss), "small convolutional network")
    }

    @Test func frozenConvolutionsSkipTheirWeightGradients() {
        let layer = Conv2d(2, 2, kernel: 3, padding: 1, initializer: .normal(std: 0.02), rng: rng)
        #expect(layer.bias!.value.values.allSatisfy { $0 == 0 })                    // DCGAN's initialisation: bias 0
        layer.isFrozen = true
        _ = layer.forward(randomInput([2, 2, 4, 4], rng: rng))
        let dx = layer.backward(randomInput([2, 2, 4, 4], rng: rng))
        #expect(layer.weight.gradient.values.allSatisfy { $0 == 0 } && layer.bias!.gradient.values.allSatisfy { $0 == 0 })
        #expect(dx.values.contains { $0 != 0 })                                     // the gradient still flows through

        // A network whose input is data, with a reshape in front: the convolution behind it is told too.
        let net = Sequential(Reshape([2, 4, 4]), Conv2d(2, 2, kernel: 3, rng: rng), ReLU(), Conv2d(2, 1, kernel: 2, rng: rng))
        net.needsInputGradient = false
        #expect(!net.needsInputGradient)                                            // and it says so
        #expect((net.layers[1] as! Conv2d).needsInputGradient == false && (net.layers[3] as! Conv2d).needsInputGradient)
        _ = net.forward(randomInput([3, 32], rng: rng))
        #expect(net.backward(randomInput([3, 1, 1, 1], rng: rng)).values.allSatisfy { $0 == 0 })   // no dx was computed
    }
}
