import Backprop

/// The deep convolutional GAN (Radford, Metz and Chintala, 2015) as the PyTorch example builds it,
/// for `size` x `size` images of `channels` colours: 64 x 64 x 3 faces (four stages) or 32 x 32 x 1
/// digits (three). `width` is ngf = ndf, the channel count of the outermost stage.
///
///     G: z [B, 100] -> [B, 100, 1, 1] -> ConvT(4, 1, 0) -> 4 x 4 -> ConvT(4, 2, 1) -> 8 -> ... -> size x size, tanh
///        channels 8w, 4w, 2w, w (faces) or 4w, 2w, w (digits), then `channels`; BatchNorm and ReLU after
///        every transposed convolution but the last
///     D: the mirror image: Conv(4, 2, 1) stages halving the size, LeakyReLU(0.2), BatchNorm from the
///        second stage on, then Conv(4, 1, 0) from 4 x 4 to one logit [B, 1]
///
/// No layer has a bias (BatchNorm's β does that job). Weights start from N(0, 0.02), γ from N(1, 0.02).
public struct DCGAN: Sendable {
    public var channels: Int, size: Int, width: Int
    public var latentSize = 100

    public init(channels: Int, size: Int, width: Int) {
        precondition(size == 64 || size == 32, "DCGAN: 64 x 64 or 32 x 32 images")
        (self.channels, self.size, self.width) = (channels, size, width)
    }

    /// 64 x 64 colour faces, or MNIST padded to 32 x 32.
    public static func faces(width: Int) -> DCGAN { DCGAN(channels: 3, size: 64, width: width) }
    public static func digits(width: Int) -> DCGAN { DCGAN(channels: 1, size: 32, width: width) }

    /// The channel multipliers of the stages, from 4 x 4 outwards: [8, 4, 2, 1] or [4, 2, 1].
    public var stages: [Int] { size == 64 ? [8, 4, 2, 1] : [4, 2, 1] }
    public var imageSize: Int { channels * size * size }

    /// G and D, their weights drawn from `rng` (G's first, layer by layer). `normalizeD: false`
    /// leaves BatchNorm out of D, as a Wasserstein critic with a gradient penalty must (chapter 7).
    public func networks(rng: RandomGenerator, normalizeD: Bool = true) -> (generator: Sequential, discriminator: Sequential) {
        let initial = Initializer.normal(std: 0.02)
        func norm(_ c: Int) -> BatchNorm { let layer = BatchNorm(c); layer.initializeLikeDCGAN(rng: rng); return layer }
        var g: [Layer] = [
            Reshape([latentSize, 1, 1]),
            ConvTranspose2d(
                latentSize, width * stages[0], kernel: 4, stride: 1, padding: 0, bias: false, initializer: initial,
                rng: rng),
            norm(width * stages[0]), ReLU(),
        ]
        for (a, b) in zip(stages, stages.dropFirst()) {
            g += [
                ConvTranspose2d(
                    width * a, width * b, kernel: 4, stride: 2, padding: 1, bias: false, initializer: initial, rng: rng),
                norm(width * b), ReLU(),
            ]
        }
        g += [
            ConvTranspose2d(
                width, channels, kernel: 4, stride: 2, padding: 1, bias: false, initializer: initial, rng: rng), Tanh(),
            Reshape([imageSize]),
        ]

        let reversed = Array(stages.reversed())
        var d: [Layer] = [
            Reshape([channels, size, size]),
            Conv2d(channels, width, kernel: 4, stride: 2, padding: 1, bias: false, initializer: initial, rng: rng),
            LeakyReLU(slope: 0.2),
        ]
        for (a, b) in zip(reversed, reversed.dropFirst()) {
            d += [
                Conv2d(
                    width * a, width * b, kernel: 4, stride: 2, padding: 1, bias: false, initializer: initial, rng: rng),
            ]
            d += normalizeD ? [norm(width * b), LeakyReLU(slope: 0.2)] : [LeakyReLU(slope: 0.2)]
        }
        d += [
            Conv2d(width * stages[0], 1, kernel: 4, stride: 1, padding: 0, bias: false, initializer: initial, rng: rng),
            Reshape([1]),
        ]
        let generator = Sequential(g)
        generator.needsInputGradient = false   // z is noise: nothing to pass a gradient back to
        return (generator, Sequential(d))
    }

    /// The shapes an image passes through, as channels x height x width:
    /// "100x1x1 > 256x4x4 > 128x8x8 > 64x16x16 > 32x32x32 > 3x64x64" for G at width 32.
    public var generatorDescription: String { shapes.map { "\($0.c)x\($0.s)x\($0.s)" }.joined(separator: " > ") }
    public var discriminatorDescription: String {
        (shapes.reversed().dropLast().map { "\($0.c)x\($0.s)x\($0.s)" } + ["1"]).joined(separator: " > ")
    }
    private var shapes: [(c: Int, s: Int)] {
        [(latentSize, 1)] + stages.enumerated().map { (width * $0.element, 4 << $0.offset) } + [(channels, size)]
    }

    /// Multiply-adds of one image through each network's convolutions, as torch_ref.py counts them.
    public var multiplyAdds: (generator: Int, discriminator: Int) {
        var g = latentSize * width * stages[0] * 16                     // 1 x 1 -> 4 x 4: each input pixel paints 16
        var side = 4
        for (a, b) in zip(stages, stages.dropFirst()) { g += side * side * width * a * width * b * 16; side *= 2 }
        g += side * side * width * channels * 16
        var d = 0
        side = size / 2
        d += side * side * channels * width * 16                         // output positions · in channels · 16
        let reversed = Array(stages.reversed())
        for (a, b) in zip(reversed, reversed.dropFirst()) { side /= 2; d += side * side * width * a * width * b * 16 }
        d += width * stages[0] * 16
        return (g, d)
    }
}

public extension DCGAN {
    /// Chapter 6's two data sets (its `--dataset`): the run each makes, the run it is put beside,
    /// and its default length.
    enum Dataset: String, CaseIterable, Sendable {
        case celeba   // 64 x 64 colour faces, from the same folders and cache as chapter 4
        case mnist    // MNIST digits padded to 32 x 32 (one stage fewer), as chapter 3's

        public var chapter: String { self == .celeba ? "chapter06-dcgan" : "chapter06-dcgan-mnist" }
        /// Chapter 4's perceptron GAN on the same faces, or chapter 3's on the digits.
        public var besideReference: String {
            self == .celeba ? "output/reference/chapter04-celeba-gan" : "output/reference/chapter03-gan"
        }
        /// Faces: nil, as many epochs as make about 2,500 steps.
        public var defaultEpochs: Int? { self == .celeba ? nil : 5 }
    }
}
