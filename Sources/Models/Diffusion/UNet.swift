import Backprop

/// The noise predictor of chapter 8: a small U-Net (Ronneberger et al. 2015, as the DDPM paper
/// shapes it) for 1-channel images of side S (32 for padded digits; S divisible by 4). It sees a
/// noisy image x_t and its step t (`steps`, set before `forward`) and predicts the noise ε in it.
///
///     x_t [B, S·S] -> stem conv -> [B, c, S, S]
///       down1: block(c -> c)      keep s1 -> conv stride 2 -> S/2
///       down2: block(c -> 2c)     keep s2 -> conv stride 2 -> S/4
///       middle: block(2c -> 2c)
///       up2: upsample -> S/2, join s2 (4c) -> block(4c -> 2c)
///       up1: upsample -> S,   join s1 (3c) -> block(3c -> c)
///     -> group norm, SiLU, conv -> ε̂ [B, S·S]
///     t -> sines and cosines (c numbers) -> Linear(c, 4c), SiLU, Linear(4c, 4c), SiLU -> e, into every block
///     conditional: e += Linear(10, 4c) · y, y the digit one-hot [B, 10] (all zeros: no digit asked)
///
/// The skips carry the fine detail the way down threw away; the way back up only has to decide
/// what to do with it. Every block gets e, so every block knows how much noise to expect.
public final class UNet: Layer {
    public let side: Int, channels: Int
    /// The step of each image of the next forward pass (1 ... T).
    public var steps: [Int] = []
    /// Conditional only: the digit asked of each image, one-hot [B, 10] (a row of zeros asks for none), set before
    /// `forward`. The label's embedding is added to the step's: every block hears both.
    public let labels = Tensor(shape: [0])
    public let labelEmbed: Linear?
    public var isConditional: Bool { labelEmbed != nil }
    let embed1: Linear, embedAct1 = SiLU(), embed2: Linear, embedAct2 = SiLU()
    let stem: Conv2d, down1: ResidualBlock, downsample1: Conv2d, down2: ResidualBlock, downsample2: Conv2d
    let middle: ResidualBlock
    let upsample2 = Upsample(), join2 = JoinChannels(), up2: ResidualBlock
    let upsample1 = Upsample(), join1 = JoinChannels(), up1: ResidualBlock
    let outNorm: GroupNorm, outAct = SiLU(), outConv: Conv2d
    private let sinusoid = Tensor(shape: [0]), embeddingGradient = Tensor(shape: [0]), labelled = Tensor(shape: [0])
    private let skipGradient = Tensor(shape: [0]), skip2Gradient = Tensor(shape: [0]), output = Tensor(shape: [0])
    private let image = Tensor(shape: [0]), imageGradient = Tensor(shape: [0]), noInputGradient = Tensor(shape: [0])

    /// `channels`: c, the first stage's width (32 by default); `groups`: group norm's groups (8).
    /// `conditional`: the network also hears a digit (`labels`).
    public init(side: Int = 32, channels c: Int = 32, groups: Int = 8, conditional: Bool = false, rng: RandomGenerator) {
        precondition(side % 4 == 0 && c % groups == 0, "UNet: the side must divide by 4 and the channels by the groups")
        (self.side, channels) = (side, c)
        embed1 = Linear(c, 4 * c, rng: rng)
        embed2 = Linear(4 * c, 4 * c, rng: rng)
        stem = Conv2d(1, c, kernel: 3, padding: 1, rng: rng)
        stem.needsInputGradient = false
        down1 = ResidualBlock(c, c, embedding: 4 * c, groups: groups, rng: rng)
        downsample1 = Conv2d(c, c, kernel: 3, stride: 2, padding: 1, rng: rng)
        down2 = ResidualBlock(c, 2 * c, embedding: 4 * c, groups: groups, rng: rng)
        downsample2 = Conv2d(2 * c, 2 * c, kernel: 3, stride: 2, padding: 1, rng: rng)
        middle = ResidualBlock(2 * c, 2 * c, embedding: 4 * c, groups: groups, rng: rng)
        up2 = ResidualBlock(4 * c, 2 * c, embedding: 4 * c, groups: groups, rng: rng)
        up1 = ResidualBlock(3 * c, c, embedding: 4 * c, groups: groups, rng: rng)
        outNorm = GroupNorm(groups: groups, channels: c)
        outConv = Conv2d(c, 1, kernel: 3, padding: 1, rng: rng)
        labelEmbed = conditional ? Linear(10, 4 * c, rng: rng) : nil   // drawn last: the unconditional net is unchanged
        labelEmbed?.needsInputGradient = false
    }

    /// Multiply-adds of one image's forward pass through the convolutions (the bulk of the work):
    /// out · in · k² per output position.
    public var multiplyAdds: Int {
        let (s, c) = (side, channels)
        func conv(_ i: Int, _ o: Int, _ k: Int, _ r: Int) -> Int { o * r * r * i * k * k }
        var total = conv(1, c, 3, s) + 2 * conv(c, c, 3, s) + conv(c, c, 3, s / 2)               // stem, down1, downsample1
        total += conv(c, 2 * c, 3, s / 2) + conv(2 * c, 2 * c, 3, s / 2) + conv(c, 2 * c, 1, s / 2)  // down2
        total += conv(2 * c, 2 * c, 3, s / 4) + 2 * conv(2 * c, 2 * c, 3, s / 4)                   // downsample2, middle
        total += conv(4 * c, 2 * c, 3, s / 2) + conv(2 * c, 2 * c, 3, s / 2) + conv(4 * c, 2 * c, 1, s / 2)  // up2
        total += conv(3 * c, c, 3, s) + conv(c, c, 3, s) + conv(3 * c, c, 1, s) + conv(c, 1, 3, s)  // up1, out
        return total
    }

    public var parameters: [Parameter] {
        var all: [Parameter] = embed1.parameters + embed2.parameters + stem.parameters
        all += down1.parameters + downsample1.parameters
        all += down2.parameters + downsample2.parameters
        all += middle.parameters + up2.parameters + up1.parameters
        return all + outNorm.parameters + outConv.parameters + (labelEmbed?.parameters ?? [])
    }

    /// ε̂ for x_t [B, S·S] at `steps`: [B, S·S].
    public func forward(_ x: Tensor) -> Tensor {
        let b = x.rows
        precondition(x.count == b * side * side && steps.count == b, "UNet: x \(x.shape) with \(steps.count) steps")
        timeEmbedding(steps, size: channels, into: sinusoid)
        var e = embedAct2.forward(embed2.forward(embedAct1.forward(embed1.forward(sinusoid))))   // [B, 4c]
        if let labelEmbed {                                                                      // e + W y + b
            precondition(labels.shape == [b, 10], "UNet: conditional, labels \(labels.shape) for \(b) images")
            labelled.setSum(e, labelEmbed.forward(labels))
            e = labelled
        }
        image.reshape(to: [b, 1, side, side])
        image.data.update(from: x.data, count: x.count)
        // The skips are the blocks' own outputs, which nothing overwrites before the way up reads them.
        let skip1 = down1.forward(stem.forward(image), embedding: e)                             // [B, c, S, S]
        let skip2 = down2.forward(downsample1.forward(skip1), embedding: e)                      // [B, 2c, S/2, S/2]
        let m = middle.forward(downsample2.forward(skip2), embedding: e)                         // [B, 2c, S/4, S/4]
        let r2 = up2.forward(join2.forward(upsample2.forward(m), skip2), embedding: e)           // [B, 2c, S/2, S/2]
        let r1 = up1.forward(join1.forward(upsample1.forward(r2), skip1), embedding: e)          // [B, c, S, S]
        let y = outConv.forward(outAct.forward(outNorm.forward(r1)))                             // [B, 1, S, S]
        output.reshape(to: [b, side * side])
        output.data.update(from: y.data, count: y.count)
        return output
    }

    /// Adds every weight's gradient. The input's is not needed (x_t is data) and not computed: the
    /// tensor returned is empty.
    public func backward(_ dy: Tensor) -> Tensor {
        let b = dy.rows
        imageGradient.reshape(to: [b, 1, side, side])
        imageGradient.data.update(from: dy.data, count: dy.count)
        let dr1 = outNorm.backward(outAct.backward(outConv.backward(imageGradient)))
        embeddingGradient.reshape(to: [b, 4 * channels])
        embeddingGradient.fill(0)
        let (dj1, de1) = up1.backward(dr1)
        embeddingGradient.add(de1)
        let (du1, ds1) = join1.backward(dj1)                           // ds1: s1's gradient by the skip
        let (dj2, de2) = up2.backward(upsample1.backward(du1))
        embeddingGradient.add(de2)
        let (du2, ds2) = join2.backward(dj2)
        let (dm, de3) = middle.backward(upsample2.backward(du2))
        embeddingGradient.add(de3)
        skip2Gradient.setSum(ds2, downsample2.backward(dm))            // s2 went two ways: add both
        let (dd1, de4) = down2.backward(skip2Gradient)
        embeddingGradient.add(de4)
        skipGradient.setSum(ds1, downsample1.backward(dd1))            // s1 went two ways too
        let (dh0, de5) = down1.backward(skipGradient)
        embeddingGradient.add(de5)
        _ = stem.backward(dh0)
        _ = labelEmbed?.backward(embeddingGradient)                    // e = t's part + y's part: both get de
        _ = embed1.backward(embedAct1.backward(embed2.backward(embedAct2.backward(embeddingGradient))))
        return noInputGradient
    }
}
