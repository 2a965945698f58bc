// Where a window reaches past its image: the bookkeeping of the direct kernels' border.
//
// A window near the edge of an image reads some of the border of zeros; their products add
// nothing. The output positions whose windows keep the same rows and columns inside the image
// form rectangles (parts): the edges, the corners, the inside. The kernels cut the output (or,
// for the input gradient, each class of pixels) into parts, and a tile takes positions of one part
// only, reading the window values that part keeps. `skipsBorder` says where that pays.

/// Whether the forward pass and the weight gradient skip the window values that fall on the
/// border of zeros, reading the images as they are, or read the images with their border: they
/// skip where the border is at least a tenth of what the windows read (small images).
/// `padImages` gives the images with their border only to a layer whose kernels read them.
func skipsBorder(_ g: ConvolutionGeometry) -> Bool {
    let inside =
        windowReadsInside(size: g.height, positions: g.outHeight, g)
        * windowReadsInside(size: g.width, positions: g.outWidth, g)
    return g.padding > 0 && Double(inside) < 0.9 * Double(g.outHeight * g.outWidth * g.kernel * g.kernel)
}

/// How many of the window rows of the `positions` positions along one side lie inside the image
/// (`size` pixels, the geometry's padding around it), out of positions · k.
func windowReadsInside(size: Int, positions: Int, _ g: ConvolutionGeometry) -> Int {
    var inside = 0
    for i in 0..<positions {
        inside += max(0, min(g.kernel, size + g.padding - i * g.stride) - max(0, g.padding - i * g.stride))
    }
    return inside
}

/// The tiles of a kernel whose rows are the points of rectangles (parts) of every image: a block
/// of images goes through every part before the next block, so that the block's images (or its
/// part of dx) stay in the cache meanwhile, and a tile takes `tileRows` points of one part, image
/// after image. `table` holds 3 · parts + 2 integers: each part's size in one image, and the tiles
/// of the parts before each, in a full block and in the last one.
struct PartTiles {
    let blockImages: Int, lastImages: Int, blocks: Int, perBlock: Int, count: Int, tileRows: Int
    private let sizes: UnsafeMutablePointer<Int>, before: UnsafeMutablePointer<Int>,
        lastBefore: UnsafeMutablePointer<Int>

    init(batch: Int, blockImages: Int, tileRows: Int, parts: Int, table: UnsafeMutablePointer<Int>, size: (Int) -> Int)
    {
        self.blockImages = min(batch, blockImages)
        lastImages = batch - (batch - 1) / self.blockImages * self.blockImages
        blocks = (batch + self.blockImages - 1) / self.blockImages
        self.tileRows = tileRows
        (sizes, before, lastBefore) = (table, table + parts, table + 2 * parts + 1)
        before[0] = 0
        lastBefore[0] = 0
        for part in 0..<parts {
            sizes[part] = size(part)
            before[part + 1] = before[part] + (self.blockImages * sizes[part] + tileRows - 1) / tileRows
            lastBefore[part + 1] = lastBefore[part] + (lastImages * sizes[part] + tileRows - 1) / tileRows
        }
        perBlock = before[parts]
        count = (blocks - 1) * perBlock + lastBefore[parts]
    }

    /// Tile number `tile`: its part, the image of its first point and that point's number among
    /// the part's points in an image, and its number of rows.
    func locate(_ tile: Int) -> (part: Int, image: Int, point: Int, rows: Int) {
        let block = tile / perBlock, inBlock = tile % perBlock, last = block == blocks - 1
        let before = last ? lastBefore : self.before, images = last ? lastImages : blockImages
        var part = 0
        while before[part + 1] <= inBlock { part += 1 }
        let first = (inBlock - before[part]) * tileRows, size = sizes[part]
        return (part, block * blockImages + first / size, first % size, min(tileRows, images * size - first))
    }
}

/// The output rows i (of `outputs`) whose window has its row p inside an image `size` pixels long
/// with `padding` pixels of zeros around it: i·s + p − padding in 0..<size, that is i from
/// ⌈(padding − p) / s⌉ up to ⌈(size + padding − p) / s⌉. The same for columns.
func outputsSeeing(row p: Int, size: Int, padding: Int, outputs: Int, _ g: ConvolutionGeometry) -> Range<Int> {
    func ceilingDivision(_ a: Int, _ b: Int) -> Int { a >= 0 ? (a + b - 1) / b : -(-a / b) }
    let first = min(outputs, max(0, ceilingDivision(padding - p, g.stride)))
    return first..<max(first, min(outputs, ceilingDivision(size + padding - p, g.stride)))
}

/// Cuts the `positions` output positions along one side where the window rows inside the image
/// change (`outputsSeeing`). Writes the cuts in order, 0 and `positions` included, and returns
/// their number.
func windowCuts(
    size: Int, padding: Int, positions: Int, _ g: ConvolutionGeometry, into cuts: UnsafeMutablePointer<Int>
) -> Int {
    var count = 0
    insertCut(0, limit: positions, into: cuts, &count)
    insertCut(positions, limit: positions, into: cuts, &count)
    for p in 0..<g.kernel {
        let seeing = outputsSeeing(row: p, size: size, padding: padding, outputs: positions, g)
        insertCut(seeing.lowerBound, limit: positions, into: cuts, &count)
        insertCut(seeing.upperBound, limit: positions, into: cuts, &count)
    }
    return count
}

/// Cuts the `pixels` pixels u of a class along one side (pixel phase + s·u) where the set of its
/// window offsets p that reach dy changes: offset p (for (phase + pad − p) divisible by s) reaches
/// position u + (phase + pad − p) / s, inside dy for u from −(phase + pad − p) / s up to
/// `positions` − (phase + pad − p) / s. Writes the cuts in order, 0 and `pixels` included, and
/// returns their number: the pixels between two cuts reach dy through the same offsets.
func borderCuts(
    phase: Int, pixels: Int, positions: Int, _ g: ConvolutionGeometry, into cuts: UnsafeMutablePointer<Int>
) -> Int {
    var count = 0
    func add(_ cut: Int) { insertCut(cut, limit: pixels, into: cuts, &count) }
    add(0)
    add(pixels)
    for p in 0..<g.kernel where (phase + g.padding - p) % g.stride == 0 {
        let shift = (phase + g.padding - p) / g.stride
        add(-shift)
        add(positions - shift)
    }
    return count
}

/// Puts `cut`, held to 0...limit, into the sorted list `cuts` of `count` values unless it is there.
func insertCut(_ cut: Int, limit: Int, into cuts: UnsafeMutablePointer<Int>, _ count: inout Int) {
    let value = min(max(cut, 0), limit)
    var at = 0
    while at < count && cuts[at] < value { at += 1 }
    if at < count && cuts[at] == value { return }
    var move = count
    while move > at { cuts[move] = cuts[move - 1]; move -= 1 }
    cuts[at] = value
    count += 1
}
