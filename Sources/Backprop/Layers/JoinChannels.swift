/// Two stacks of feature maps side by side, channel after channel: a U-Net's skip connection
/// joins the maps it kept on the way down with those coming back up.
///
///     a: [B, C1, H, W]   b: [B, C2, H, W]   y: [B, C1 + C2, H, W]
///     forward:   y[i, 0..<C1] = a[i],   y[i, C1..<C1+C2] = b[i]
///     backward:  da = dy[·, 0..<C1],  db = dy[·, C1..<C1+C2]      (each value came from one place)
///
/// In memory an image's channels follow each other, so this is JoinColumns on [B, C·H·W] rows.
public final class JoinChannels {
    private let output = Tensor(shape: [0]), leftGradient = Tensor(shape: [0]), rightGradient = Tensor(shape: [0])
    private var left: [Int] = [], right: [Int] = []

    public init() {}

    public func forward(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape.count == 4 && b.shape.count == 4 && a.shape[0] == b.shape[0] && a.shape[2...] == b.shape[2...],
                     "JoinChannels: \(a.shape) and \(b.shape) must be [B, C1, H, W] and [B, C2, H, W]")
        (left, right) = (a.shape, b.shape)
        let m = a.count / a.shape[0], n = b.count / b.shape[0]
        output.reshape(to: [a.shape[0], a.shape[1] + b.shape[1], a.shape[2], a.shape[3]])
        for i in 0..<a.shape[0] {
            (output.data + i * (m + n)).update(from: a.data + i * m, count: m)
            (output.data + i * (m + n) + m).update(from: b.data + i * n, count: n)
        }
        return output
    }

    /// dLoss/da and dLoss/db from dLoss/dy, for the most recent forward.
    public func backward(_ dy: Tensor) -> (a: Tensor, b: Tensor) {
        let m = left.dropFirst().reduce(1, *), n = right.dropFirst().reduce(1, *)
        precondition(dy.count == left[0] * (m + n), "JoinChannels.backward: dy has shape \(dy.shape)")
        leftGradient.reshape(to: left)
        rightGradient.reshape(to: right)
        for i in 0..<left[0] {
            leftGradient.data.advanced(by: i * m).update(from: dy.data + i * (m + n), count: m)
            rightGradient.data.advanced(by: i * n).update(from: dy.data + i * (m + n) + m, count: n)
        }
        return (leftGradient, rightGradient)
    }
}
