/// Two batches side by side: each row of `a` followed by the same row of `b`. A conditional model
/// joins its input with the label this way (chapter 5's conditional VAE: the pixels and a one-hot
/// digit into the encoder, the code z and the digit into the decoder).
///
///     a: [B, m]   b: [B, n]   y: [B, m + n]
///     forward:   y[i, 0..<m] = a[i, ·],   y[i, m..<m+n] = b[i, ·]
///     backward:  da = dy[·, 0..<m],  db = dy[·, m..<m+n]      (each value came from one place)
public final class JoinColumns {
    private let output = Tensor(shape: [0]), leftGradient = Tensor(shape: [0]), rightGradient = Tensor(shape: [0])
    private var leftColumns = 0, rightColumns = 0

    public init() {}

    public func forward(_ a: Tensor, _ b: Tensor) -> Tensor {
        precondition(a.shape.count == 2 && b.shape.count == 2 && a.rows == b.rows,
                     "JoinColumns: \(a.shape) and \(b.shape) must be [B, m] and [B, n]")
        (leftColumns, rightColumns) = (a.columns, b.columns)
        let m = leftColumns, n = rightColumns, width = m + n
        output.reshape(to: [a.rows, width])
        for i in 0..<a.rows {
            (output.data + i * width).update(from: a.data + i * m, count: m)
            (output.data + i * width + m).update(from: b.data + i * n, count: n)
        }
        return output
    }

    /// dLoss/da and dLoss/db from dLoss/dy, for the most recent forward.
    public func backward(_ dy: Tensor) -> (a: Tensor, b: Tensor) {
        let m = leftColumns, n = rightColumns, width = m + n
        precondition(
            dy.shape.count == 2 && dy.columns == width,
            "JoinColumns.backward: dy has shape \(dy.shape), expected [B, \(width)]")
        leftGradient.reshape(to: [dy.rows, m])
        rightGradient.reshape(to: [dy.rows, n])
        for i in 0..<dy.rows {
            leftGradient.data.advanced(by: i * m).update(from: dy.data + i * width, count: m)
            rightGradient.data.advanced(by: i * n).update(from: dy.data + i * width + m, count: n)
        }
        return (leftGradient, rightGradient)
    }
}

/// Labels as one-hot rows: row i is all zeros but a 1 in column labels[i].
///
///     labels: B integers in 0..<classes   ->   into: [B, classes]
public func oneHot(_ labels: some Collection<Int>, classes: Int, into tensor: Tensor) {
    tensor.reshape(to: [labels.count, classes])
    tensor.fill(0)
    for (row, label) in labels.enumerated() {
        precondition((0..<classes).contains(label), "oneHot: label \(label) is not in 0..<\(classes)")
        tensor[row, label] = 1
    }
}
