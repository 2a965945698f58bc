import Backprop

/// The U-Net's building block (the DDPM paper's, as most diffusion code writes it): two 3 x 3
/// convolutions, each after group normalisation and SiLU, with the step's embedding added between
/// them (one number per channel, the same at every position), and the input added to the result
/// (through a 1 x 1 convolution when the channels change).
///
///     x: [B, In, H, W]   e: [B, E] (the step's embedding)   y: [B, Out, H, W]
///     h = conv1(SiLU(norm1(x))) + project(e)[b, c]     (broadcast over H, W)
///     y = conv2(SiLU(norm2(h))) + skip(x)               skip: x itself, or a 1 x 1 convolution
///     backward: dproject[b, c] = Σ over positions of dh[b, c, ·, ·];  dx = the main path's + the skip's
public final class ResidualBlock {
    let norm1: GroupNorm, act1 = SiLU(), conv1: Conv2d, project: Linear
    let norm2: GroupNorm, act2 = SiLU(), conv2: Conv2d, skip: Conv2d?
    private let output = Tensor(shape: [0])
    private let projectGradient = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])

    public init(_ inChannels: Int, _ outChannels: Int, embedding: Int, groups: Int, rng: RandomGenerator) {
        norm1 = GroupNorm(groups: groups, channels: inChannels)
        conv1 = Conv2d(inChannels, outChannels, kernel: 3, padding: 1, rng: rng)
        project = Linear(embedding, outChannels, rng: rng)
        norm2 = GroupNorm(groups: groups, channels: outChannels)
        conv2 = Conv2d(outChannels, outChannels, kernel: 3, padding: 1, rng: rng)
        skip = inChannels == outChannels ? nil : Conv2d(inChannels, outChannels, kernel: 1, rng: rng)
    }

    public var parameters: [Parameter] {
        ([norm1, conv1, project, norm2, conv2] as [Layer]).flatMap(\.parameters) + (skip?.parameters ?? [])
    }

    public func forward(_ x: Tensor, embedding e: Tensor) -> Tensor {
        // The shift is added to conv1's output in place: conv1's backward needs its input, not its output.
        let h = conv1.forward(act1.forward(norm1.forward(x)))               // [B, Out, H, W]
        let p = project.forward(e)                                          // [B, Out]
        let (c, plane) = (h.shape[1], h.shape[2] * h.shape[3]), values = h.data, shifts = p.data
        Parallel.forEachRange(h.shape[0] * c, unit: 1, work: h.count) { planes in
            for bc in planes { let shift = shifts[bc]; for i in (bc * plane)..<((bc + 1) * plane) { values[i] += shift } }
        }
        let y = conv2.forward(act2.forward(norm2.forward(h)))
        output.setSum(y, skip?.forward(x) ?? x)
        return output
    }

    /// dLoss/dx, and dLoss/de (owned by the block's projection: add it up before the next call).
    public func backward(_ dy: Tensor) -> (input: Tensor, embedding: Tensor) {
        let dh = norm2.backward(act2.backward(conv2.backward(dy)))         // [B, Out, H, W]
        let (b, c, plane) = (dh.shape[0], dh.shape[1], dh.shape[2] * dh.shape[3])
        projectGradient.reshape(to: [b, c])
        for image in 0..<b { for channel in 0..<c {
            let values = dh.data + (image * c + channel) * plane
            var sum: Float = 0
            for i in 0..<plane { sum += values[i] }
            projectGradient[image, channel] = sum
        } }
        let de = project.backward(projectGradient)
        inputGradient.setSum(norm1.backward(act1.backward(conv1.backward(dh))), skip?.backward(dy) ?? dy)
        return (inputGradient, de)
    }
}
