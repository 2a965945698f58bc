/// Nearest-neighbour upsampling by 2: each value becomes a 2 x 2 block. A U-Net's way back up
/// (followed by a convolution, which smooths the blocks; transposed convolutions, chapter 6's
/// way, leave a checkerboard pattern where their windows overlap unevenly).
///
///     x: [B, C, H, W]   y: [B, C, 2H, 2W]
///     forward:   y[b, c, 2i + p, 2j + q] = x[b, c, i, j]   for p, q in {0, 1}
///     backward:  dx[b, c, i, j] = Σ over p, q of dy[b, c, 2i + p, 2j + q]   (each x went to four places)
public final class Upsample: Layer {
    private let output = Tensor(shape: [0]), inputGradient = Tensor(shape: [0])
    public init() {}

    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 4, "Upsample: x must be [B, C, H, W], not \(x.shape)")
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        output.reshape(to: [x.shape[0], x.shape[1], 2 * h, 2 * w])
        for p in 0..<planes {
            let xs = x.data + p * h * w, ys = output.data + p * 4 * h * w
            for i in 0..<2 * h { for j in 0..<2 * w { ys[i * 2 * w + j] = xs[(i / 2) * w + j / 2] } }
        }
        return output
    }

    public func backward(_ dy: Tensor) -> Tensor {
        let (planes, h, w) = (dy.shape[0] * dy.shape[1], dy.shape[2] / 2, dy.shape[3] / 2)
        inputGradient.reshape(to: [dy.shape[0], dy.shape[1], h, w])
        inputGradient.fill(0)
        for p in 0..<planes {
            let dys = dy.data + p * 4 * h * w, dxs = inputGradient.data + p * h * w
            for i in 0..<2 * h { for j in 0..<2 * w { dxs[(i / 2) * w + j / 2] += dys[i * 2 * w + j] } }
        }
        return inputGradient
    }
}
