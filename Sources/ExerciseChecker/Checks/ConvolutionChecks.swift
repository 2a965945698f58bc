import Exercises
import Foundation

// Chapter 6's convolutions, judged by their definition (written here in Double, six loops) and by
// calculus: the backward pass against central differences, the transposed convolution by the
// identity that defines a transpose, <conv(x), y> = <x, convᵀ(y)> for every x and y.

/// How a known mistake bends the definition.
struct ConvolutionVariant {
    var flipped = false          // a true convolution: the kernel turned round
    var ignorePadding = false    // row = i·stride + p, the padding forgotten
    var channelsSwapped = false  // the weight read as [C, O, k, k]
    var bias = true
}

/// y = conv(x) by the definition, in Double.
func convolution(_ x: [Double], _ w: [Double], _ bias: [Double]?, _ s: ConvolutionShape,
                 _ variant: ConvolutionVariant = ConvolutionVariant()) -> [Double] {
    var y = [Double](repeating: 0, count: s.outputCount)
    let k = s.kernel
    for b in 0..<s.batch {
        for o in 0..<s.outChannels {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    var sum = variant.bias ? bias?[o] ?? 0 : 0
                    for c in 0..<s.channels {
                        for p in 0..<k {
                            for q in 0..<k {
                                let shift = variant.ignorePadding ? 0 : s.padding
                                let row = i * s.stride + p - shift, column = j * s.stride + q - shift
                                guard row >= 0, row < s.height, column >= 0, column < s.width else { continue }
                                let (pp, qq) = variant.flipped ? (k - 1 - p, k - 1 - q) : (p, q)
                                let wIndex = variant.channelsSwapped
                                    ? ((c * s.outChannels + o) * k + pp) * k + qq : ((o * s.channels + c) * k + pp) * k + qq
                                sum += w[wIndex] * x[((b * s.channels + c) * s.height + row) * s.width + column]
                            }
                        }
                    }
                    y[((b * s.outChannels + o) * s.outHeight + i) * s.outWidth + j] = sum
                }
            }
        }
    }
    return y
}

private let flipped = Hint(
    "kernel-flipped",
    "The convolution of deep learning (PyTorch's Conv2d) is a cross-correlation: weight[o, c, p, q] meets the "
        + "pixel p rows and q columns into the window, the kernel not turned round.")
private let padding = Hint(
    "padding-ignored",
    "The padding shifts every window up and left: window row p of output row i reads image row i·stride + p − padding "
        + "(and reads 0 where that falls outside the image).")
private let channels = Hint(
    "channels-swapped",
    "The weight is [O, C, k, k]: from input channel c to output channel o is weight[o, c, ·, ·]. Check the order "
        + "of the two channel indices.")
private let noBias = Hint("bias-missing", "Each output channel adds its bias once, at every position.")
private let batchMean = Hint(
    "batch-mean",
    "Every example and every position adds its part to dweight and dbias: sums, not means. Any 1/B came with dy.")
private let sign = Hint("sign", "The gradient points uphill, in the direction the loss grows. Check its sign.")

private let shapes = [
    ConvolutionShape(batch: 2, channels: 3, height: 5, width: 6, outChannels: 4, kernel: 3, stride: 1, padding: 1),
    ConvolutionShape(batch: 1, channels: 2, height: 7, width: 7, outChannels: 3, kernel: 3, stride: 2, padding: 0),
    ConvolutionShape(batch: 2, channels: 1, height: 8, width: 8, outChannels: 2, kernel: 4, stride: 2, padding: 1),
    // Padding as wide as the kernel: the corner windows are all padding (they read nothing but 0).
    ConvolutionShape(batch: 1, channels: 1, height: 2, width: 2, outChannels: 2, kernel: 2, stride: 1, padding: 2),
]

/// `convolution-forward`.
public enum ConvolutionForwardCheck {
    public static let hints = (flipped: flipped, padding: padding, channels: channels, bias: noBias)

    public static func check(_ answer: ([Float], [Float], [Float], ConvolutionShape) throws -> [Float]) -> Verdict {
        judge {
            for (index, s) in shapes.enumerated() {
                let numbers = CheckNumbers(seed: 41 + UInt64(index))
                let x = numbers.uniform(s.inputCount), w = numbers.uniform(s.weightCount), bias = numbers.uniform(s.outChannels)
                let (xd, wd, bd) = (x.doubles, w.doubles, bias.doubles)
                let expected = convolution(xd, wd, bd, s)
                let variants: [(Hint, ConvolutionVariant)] = [
                    (flipped, ConvolutionVariant(flipped: true)), (padding, ConvolutionVariant(ignorePadding: true)),
                    (channels, ConvolutionVariant(channelsSwapped: true)), (noBias, ConvolutionVariant(bias: false)),
                ]
                try expectClose("y", try answer(x, w, bias, s), expected,
                                shape: [s.batch, s.outChannels, s.outHeight, s.outWidth], how: "the definition",
                                mistakes: variants.map { Mistake($0.0, convolution(xd, wd, bd, s, $0.1)) },
                                context: s.description)
            }
            return "y matches the definition for four shapes (padding 0, 1 and 2, stride 1 and 2, windows of nothing but padding)"
        }
    }
}

/// `convolution-backward`.
public enum ConvolutionBackwardCheck {
    public static func check(_ answer: ([Float], [Float], [Float], ConvolutionShape) throws
        -> (input: [Float], weight: [Float], bias: [Float])) -> Verdict
    {
        judge {
            for (index, s) in shapes.enumerated() {
                let numbers = CheckNumbers(seed: 51 + UInt64(index))
                let x = numbers.uniform(s.inputCount), w = numbers.uniform(s.weightCount),
                    dy = numbers.uniform(s.outputCount)
                let (xd, wd, dyd) = (x.doubles, w.doubles, dy.doubles)
                let bd = [Double](repeating: 0, count: s.outChannels)
                // L = <dy, conv(x)>: its gradients are what backward must return.
                let dx = centralDifferences(xd) { sumOfProducts(dyd, convolution($0, wd, bd, s)) }
                let dw = centralDifferences(wd) { sumOfProducts(dyd, convolution(xd, $0, bd, s)) }
                let db = centralDifferences(bd) { sumOfProducts(dyd, convolution(xd, wd, $0, s)) }
                let got = try answer(x, w, dy, s)
                let (how, b) = ("central difference", Double(s.batch))
                try expectClose("dx", got.input, dx, shape: [s.batch, s.channels, s.height, s.width], how: how,
                                mistakes: [Mistake(sign, dx.map { -$0 })], context: s.description)
                try expectClose("dweight", got.weight, dw, shape: [s.outChannels, s.channels, s.kernel, s.kernel], how: how,
                                mistakes: [Mistake(batchMean, dw.map { $0 / b }), Mistake(sign, dw.map { -$0 })],
                                context: s.description)
                try expectClose("dbias", got.bias, db, shape: [s.outChannels], how: how,
                                mistakes: [Mistake(batchMean, db.map { $0 / b }), Mistake(sign, db.map { -$0 })],
                                context: s.description)
            }
            return "dx, dweight and dbias match central differences for four shapes"
        }
    }
}

/// `transposed-convolution`: the learner's T must satisfy <conv(x), y> = <x, T(y)> for all x, so
/// T(y)[i] is the derivative of x ↦ <conv(x), y> with respect to x[i], whatever x is.
public enum TransposedConvolutionCheck {
    public static let hints = (flipped: flipped, channels: channels)

    public static func check(_ answer: ([Float], [Float], ConvolutionShape) throws -> [Float]) -> Verdict {
        judge {
            for (index, s) in shapes.enumerated() {
                let numbers = CheckNumbers(seed: 61 + UInt64(index))
                let y = numbers.uniform(s.outputCount), w = numbers.uniform(s.weightCount)
                let (yd, wd) = (y.doubles, w.doubles)
                let zeros = [Double](repeating: 0, count: s.inputCount)
                func transposed(_ variant: ConvolutionVariant) -> [Double] {
                    centralDifferences(zeros) { sumOfProducts(yd, convolution($0, wd, nil, s, variant)) }
                }
                try expectClose("x", try answer(y, w, s), transposed(ConvolutionVariant()),
                                shape: [s.batch, s.channels, s.height, s.width],
                                how: "<conv(x), y> = <x, convᵀ(y)>",
                                mistakes: [Mistake(flipped, transposed(ConvolutionVariant(flipped: true))),
                                           Mistake(channels, transposed(ConvolutionVariant(channelsSwapped: true)))],
                                context: "the transpose of " + s.description)
            }
            return "<conv(x), y> = <x, convᵀ(y)> holds for four shapes (convᵀ is the convolution's input gradient)"
        }
    }
}
