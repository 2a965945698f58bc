import Foundation

/// Writing a file so that a crash or a kill never leaves half of it: the bytes go to a temporary
/// file beside it, which is renamed over the old file only when complete.
enum AtomicFile {
    static func write(to url: URL, kind: Disk.Kind, _ body: (FileHandle) throws -> Void) throws {
        try Disk.injectedFault(kind, url)
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(
            ".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).partial")
        // A process killed while writing leaves its partial file behind: remove such leftovers
        // (they can be hundreds of MB), but never a partial file of a process still running.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            where name.hasPrefix(".\(url.lastPathComponent).") && name.hasSuffix(".partial") {
            let pid = Int32(name.dropFirst(url.lastPathComponent.count + 2).dropLast(8)) ?? 0
            if pid > 0 && pid != ProcessInfo.processInfo.processIdentifier && kill(pid, 0) != 0 {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
        }
        guard FileManager.default.createFile(atPath: temporary.path, contents: nil) else {
            throw WorkbookError("cannot create \(temporary.path)")
        }
        do {
            let handle = try FileHandle(forWritingTo: temporary)
            do { try body(handle); try handle.synchronize(); try handle.close() } catch {
                try? handle.close(); throw Disk.failure(url, error, kind: kind)
            }
            guard rename(temporary.path, url.path) == 0 else {
                throw WorkbookError(
                    "cannot rename \(temporary.path) to \(url.lastPathComponent): \(String(cString: strerror(errno)))")
            }
        } catch {
            try? FileManager.default.removeItem(at: temporary)
            throw error
        }
    }
}
