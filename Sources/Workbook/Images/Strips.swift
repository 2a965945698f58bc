import Backprop
import Foundation

public extension Image {
    /// Rows `top..<top + height` of the image.
    func cropped(top: Int, height: Int) -> Image {
        let rowBytes = width * channels
        let bottom = min(top + height, self.height)
        return Image(width: width, height: bottom - top, channels: channels,
                     pixels: Array(pixels[(top * rowBytes)..<(bottom * rowBytes)]))
    }

    /// Images of the same width and channels, one above the other.
    static func stacked(_ images: [Image]) -> Image {
        precondition(
            !images.isEmpty && images.allSatisfy { $0.width == images[0].width && $0.channels == images[0].channels },
            "stacked images need the same width and channels")
        return Image(
            width: images[0].width, height: images.reduce(0) { $0 + $1.height }, channels: images[0].channels,
            pixels: images.flatMap(\.pixels))
    }

    /// The image with black columns added on the right up to `width` (no narrower).
    func padded(toWidth width: Int) -> Image {
        guard width > self.width else { return self }
        var pixels = [UInt8](repeating: 0, count: width * height * channels)
        for y in 0..<height {
            let row = self.width * channels
            pixels.replaceSubrange((y * width * channels)..<(y * width * channels + row),
                                   with: self.pixels[(y * row)..<((y + 1) * row)])
        }
        return Image(width: width, height: height, channels: channels, pixels: pixels)
    }

    /// An RGB image from one row of a `[batch, 3 * height * width]` tensor in channel-first order
    /// (all red values, then green, then blue, as PyTorch lays out images), mapping `range` onto 0...255.
    init(planarRGBRow row: Int, of tensor: Tensor, width: Int, height: Int, range: ClosedRange<Float> = -1...1) {
        let plane = width * height
        precondition(
            tensor.columns == 3 * plane, "a row of \(tensor.columns) values is not a 3x\(height)x\(width) image")
        let source = tensor.data + row * tensor.columns
        let scale = 255 / (range.upperBound - range.lowerBound)
        var pixels = [UInt8](repeating: 0, count: 3 * plane)
        for p in 0..<plane {
            for c in 0..<3 {
                let v = ((source[c * plane + p] - range.lowerBound) * scale).rounded()
                pixels[p * 3 + c] = v.isNaN ? 0 : UInt8(min(max(v, 0), 255))
            }
        }
        self.init(width: width, height: height, channels: 3, pixels: pixels)
    }
}

/// A strip showing training progress: the first row of each chosen epoch's sample grid, one under
/// another (grids with `padding` pixels around tiles `tileHeight` high). Missing files are skipped.
public func progressStrip(gridFiles: [URL], tileHeight: Int, padding: Int = 2) -> Image? {
    let rows = gridFiles.compactMap { try? PNG.read($0) }.map { $0.cropped(top: 0, height: padding + tileHeight) }
    guard let first = rows.first, rows.allSatisfy({ $0.width == first.width }) else { return nil }
    let bottom = Image(width: first.width, height: padding, channels: first.channels,
                       pixels: [UInt8](repeating: 0, count: first.width * padding * first.channels))
    return Image.stacked(rows + [bottom])
}

/// Which epochs a progress strip shows: the first few, then every so often, always the last;
/// at most `limit` of them.
public func progressEpochs(upTo last: Int, limit: Int = 12) -> [Int] {
    let candidates = (1...max(last, 1)).filter { [1, 2, 3, 5].contains($0) || $0 % 5 == 0 || $0 == last }
    guard candidates.count > limit else { return candidates }
    return (0..<limit).map { candidates[$0 * (candidates.count - 1) / (limit - 1)] }
}


/// Up to `count` of the snapshots taken at `steps` (every `every` steps up to `last`) for a strip:
/// the start, then steps spaced evenly on a log scale from the first snapshot to the end (a game
/// changes fastest early); each the snapshot nearest its step. Returns their indices, in order.
public func logSpacedChoice(_ count: Int, of steps: [Int], every: Int, last: Int) -> [Int] {
    let ratio = Double(last) / Double(every)
    let targets = [0.0] + (0..<(count - 1)).map { Double(every) * pow(ratio, Double($0) / Double(count - 2)) }
    let chosen = targets.map { target in
        steps.indices.min { abs(Double(steps[$0]) - target) < abs(Double(steps[$1]) - target) }!
    }
    return Array(Set(chosen)).sorted()
}
