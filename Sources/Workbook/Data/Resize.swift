/// Resizing and cropping, as torchvision's `Resize(side)` then `CenterCrop(side)` do it for the
/// CelebA tutorial: scale so the shorter side is `side`, keeping the aspect ratio, then cut the
/// middle square.
///
/// The scaling averages areas: an output pixel is the mean of the source pixels under it, each
/// weighted by how much of it lies under. Picking one source pixel per output pixel (nearest
/// neighbour) would alias: a fine pattern, such as hair or a checkerboard, turns into stripes.
public extension Image {
    /// The image scaled so that its shorter side is `side`, center-cropped to `side` x `side`, RGB.
    func resizedAndCropped(to side: Int) -> Image {
        precondition(side > 0 && width > 0 && height > 0, "resizing needs a positive size")
        // torchvision's geometry: the longer side becomes int(side * long / short), and the crop
        // starts at round((size - side) / 2), Python's round (halves go to the even neighbour).
        let (scaledWidth, scaledHeight) = width <= height
            ? (side, Int(Double(side) * Double(height) / Double(width)))
            : (Int(Double(side) * Double(width) / Double(height)), side)
        let left = Int((Double(scaledWidth - side) / 2).rounded(.toNearestOrEven))
        let top = Int((Double(scaledHeight - side) / 2).rounded(.toNearestOrEven))
        let columns = AreaWeights(from: width, to: scaledWidth, outputs: left..<(left + side))
        let rows = AreaWeights(from: height, to: scaledHeight, outputs: top..<(top + side))

        // Pass 1, along each row: the source rows the crop needs, scaled to `side` columns.
        // rowPass: [source rows, side, 3]
        let sourceRows = rows.sourceRange
        var rowPass = [Float](repeating: 0, count: sourceRows.count * side * 3)
        for (r, y) in sourceRows.enumerated() {
            for x in 0..<side {
                var sum: (Float, Float, Float) = (0, 0, 0)
                for (k, weight) in columns.weights[x].enumerated() {
                    let i = (y * width + columns.first[x] + k) * channels
                    if channels == 3 {
                        sum.0 += weight * Float(pixels[i]); sum.1 += weight * Float(pixels[i + 1]);
                        sum.2 += weight * Float(pixels[i + 2])
                    } else {
                        let v = weight * Float(pixels[i]); sum.0 += v; sum.1 += v; sum.2 += v
                    }
                }
                let o = (r * side + x) * 3
                rowPass[o] = sum.0; rowPass[o + 1] = sum.1; rowPass[o + 2] = sum.2
            }
        }
        // Pass 2, down each column: `side` rows from the scaled source rows.
        var output = [UInt8](repeating: 0, count: side * side * 3)
        for y in 0..<side {
            for x in 0..<side {
                for c in 0..<3 {
                    var sum: Float = 0
                    for (k, weight) in rows.weights[y].enumerated() {
                        sum += weight * rowPass[((rows.first[y] + k - sourceRows.lowerBound) * side + x) * 3 + c]
                    }
                    output[(y * side + x) * 3 + c] = UInt8(min(max(sum.rounded(), 0), 255))
                }
            }
        }
        return Image(width: side, height: side, channels: 3, pixels: output)
    }
}

/// How `inputs` pixels map onto `outputs` of a row of `outputCount` pixels by area averaging.
/// Output pixel o covers the source interval [o s, (o + 1) s) with s = inputs / outputCount; source
/// pixel j covers [j, j + 1) and weighs (length of the overlap) / s. The weights of an output sum to 1.
struct AreaWeights {
    /// For each output: the first source pixel, and the weights of it and the following ones.
    var first: [Int] = []
    var weights: [[Float]] = []

    init(from inputs: Int, to outputCount: Int, outputs: Range<Int>) {
        let s = Double(inputs) / Double(outputCount)
        for o in outputs {
            let low = Double(o) * s, high = min(Double(o + 1) * s, Double(inputs))
            let start = Int(low.rounded(.down)), end = min(Int(high.rounded(.up)), inputs)
            first.append(start)
            weights.append((start..<max(end, start + 1)).map { j in
                Float((min(high, Double(j + 1)) - max(low, Double(j))) / (high - low))
            })
        }
    }

    /// The source pixels any output uses.
    var sourceRange: Range<Int> { first.min()!..<zip(first, weights).map { $0 + $1.count }.max()! }
}
