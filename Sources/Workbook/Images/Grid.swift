/// Lays images out in a grid, like torchvision's `make_grid`: `perRow` images per row, `padding`
/// pixels of `background` around and between them. All images must have the same size.
///
///     width  = columns * (imageWidth + padding) + padding
///     height = rows * (imageHeight + padding) + padding
public func makeGrid(_ images: [Image], perRow: Int, padding: Int = 2, background: UInt8 = 0) -> Image {
    precondition(!images.isEmpty && perRow > 0, "a grid needs images and at least one per row")
    let w = images[0].width, h = images[0].height, c = images[0].channels
    precondition(images.allSatisfy { $0.width == w && $0.height == h && $0.channels == c },
                 "grid images must all have the same size and channels")
    let columns = min(perRow, images.count)
    let rows = (images.count + columns - 1) / columns
    let gridWidth = columns * (w + padding) + padding
    let gridHeight = rows * (h + padding) + padding
    var pixels = [UInt8](repeating: background, count: gridWidth * gridHeight * c)
    for (n, image) in images.enumerated() {
        let left = padding + (n % columns) * (w + padding)
        let top = padding + (n / columns) * (h + padding)
        for y in 0..<h {
            let source = y * w * c
            let target = ((top + y) * gridWidth + left) * c
            pixels.replaceSubrange(target..<(target + w * c), with: image.pixels[source..<(source + w * c)])
        }
    }
    return Image(width: gridWidth, height: gridHeight, channels: c, pixels: pixels)
}

public extension Image {
    /// The image `factor` times larger, each pixel a `factor` x `factor` block (nearest neighbour:
    /// a 28-pixel digit stays crisp at 56 pixels instead of blurring).
    func scaled(by factor: Int) -> Image {
        precondition(factor >= 1, "a scale factor is at least 1")
        guard factor > 1 else { return self }
        let newWidth = width * factor
        var scaled = [UInt8](repeating: 0, count: newWidth * height * factor * channels)
        for y in 0..<height {
            var row = [UInt8](repeating: 0, count: newWidth * channels)
            for x in 0..<width {
                let source = (y * width + x) * channels
                for copy in 0..<factor {
                    let target = ((x * factor + copy) * channels)
                    for c in 0..<channels { row[target + c] = pixels[source + c] }
                }
            }
            for copy in 0..<factor {
                let start = (y * factor + copy) * newWidth * channels
                scaled.replaceSubrange(start..<(start + row.count), with: row)
            }
        }
        return Image(width: newWidth, height: height * factor, channels: channels, pixels: scaled)
    }
}
