import Foundation

/// Scratch memory for the kernels, one set per thread, kept from call to call: packing a panel
/// or transposing a batch then allocates nothing once the buffers have grown to size.
final class Scratch {
    private var buffers: [(pointer: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var integerBuffers: [(pointer: UnsafeMutablePointer<Int>, capacity: Int)] = []

    /// The buffer of floats `name` holds, with room for at least `count`. Its contents are unspecified.
    func buffer(_ name: ScratchFloats, count: Int) -> UnsafeMutablePointer<Float> {
        Self.grow(&buffers, name.slot, count)
    }

    /// The buffer of integers (offsets, tables) `name` holds, with room for at least `count`.
    func integers(_ name: ScratchIntegers, count: Int) -> UnsafeMutablePointer<Int> {
        Self.grow(&integerBuffers, name.slot, count)
    }

    private static func grow<T>(
        _ list: inout [(pointer: UnsafeMutablePointer<T>, capacity: Int)], _ slot: Int, _ count: Int
    ) -> UnsafeMutablePointer<T> {
        while list.count <= slot { list.append((.allocate(capacity: 1), 1)) }
        if list[slot].capacity < count {
            list[slot].pointer.deallocate()
            list[slot] = (.allocate(capacity: count), count)
            Allocations.count(tensor: false)
        }
        return list[slot].pointer
    }

    deinit {
        buffers.forEach { $0.pointer.deallocate() }
        integerBuffers.forEach { $0.pointer.deallocate() }
    }

    /// The calling thread's scratch memory (made on first use, freed when the thread ends).
    static var forCurrentThread: Scratch {
        if let existing = pthread_getspecific(key) {
            return Unmanaged<Scratch>.fromOpaque(existing).takeUnretainedValue()
        }
        let scratch = Scratch()
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { pointer in
            #if os(Linux)
            if let pointer { Unmanaged<Scratch>.fromOpaque(pointer).release() }
            #else
            Unmanaged<Scratch>.fromOpaque(pointer).release()
            #endif
        }
        return key
    }()
}

// What the scratch buffers hold, by name. Names that share a slot (the same memory) are used by
// different kernels, or by one kernel at different times, never both at once on one thread: the
// calling thread takes part in `Parallel.forEachRange`, so a buffer a kernel holds while it hands
// out work must not share its slot with one its workers use.

/// A buffer of floats in scratch memory.
struct ScratchFloats {
    let slot: Int
    /// The matrix product: panels of B, packed 16 columns wide.
    static let matmulPanels = ScratchFloats(slot: 0)
    /// The matrix product's weight gradient: X transposed, [K, M].
    static let transposedInput = ScratchFloats(slot: 1)
    /// The matrix product's input gradient: dX transposed, [K, M], before it is turned back.
    static let transposedInputGradient = ScratchFloats(slot: 2)
    /// The matrix product's last columns (fewer than 16): their panel, padded with zeros, and the tile it fills.
    static let edgePanel = ScratchFloats(slot: 3), edgeTile = ScratchFloats(slot: 4)
    /// The images with their border of zeros.
    static let paddedImages = ScratchFloats(slot: 5)
    /// A convolution's weights packed for the register tile, `lanes` channels side by side.
    static let weightPanels = ScratchFloats(slot: 6)
    /// The register tile's sums, kept until they are written to the output (or continued).
    static let tileSums = ScratchFloats(slot: 7)
    /// dy rearranged for a gradient: channels side by side, or an image's positions in panels.
    static let gradientPanels = ScratchFloats(slot: 8)
    /// The patch gradients dP = Wᵀ · dy, before col2im adds them to the pixels.
    static let patchGradients = ScratchFloats(slot: 9)
}

/// A buffer of integers (offsets into images, cuts, tables) in scratch memory.
struct ScratchIntegers {
    let slot: Int
    /// Where each value of a window lies from the window's corner (and what it pairs with).
    static let windowOffsets = ScratchIntegers(slot: 0)
    /// A worker's table of its tiles' rows: their corners, and their places in the output.
    static let tileRows = ScratchIntegers(slot: 1)
    /// The cuts of the output where the window's part inside the image changes.
    static let cuts = ScratchIntegers(slot: 2)
    /// The weight gradient's corners of every position's window.
    static let corners = ScratchIntegers(slot: 2)
    /// The tiles of the parts (`PartTiles`), or of the groups of window values.
    static let tileTable = ScratchIntegers(slot: 3)
    /// The parts of the output: rectangles of positions whose windows keep the same values.
    static let parts = ScratchIntegers(slot: 4)
}
