import Foundation

/// Every file a run writes goes through here, so that one place decides what a failed write says:
/// the file, the cause, and (for a full disk) what to do. Each write is atomic (a temporary file
/// renamed over the old one), so a failure leaves the last good file as it was.
///
/// For the tests, `WORKBOOK_FAIL_WRITE=KIND:N` makes the Nth write of that kind fail as on a full
/// disk (KIND is checkpoint, cache, report, chart, picture or data): a real full disk cannot be had
/// everywhere the tests run.
public enum Disk {
    public enum Kind: String, CaseIterable, Sendable {
        case checkpoint, cache, report, chart, picture, data
    }

    /// Writes `data` to `url` atomically, or throws a `WorkbookError` naming the file and the cause.
    public static func write(_ data: Data, to url: URL, kind: Kind) throws {
        try injectedFault(kind, url)
        do { try data.write(to: url, options: .atomic) } catch { throw failure(url, error, kind: kind) }
    }

    public static func write(_ text: String, to url: URL, kind: Kind) throws {
        try write(Data(text.utf8), to: url, kind: kind)
    }

    /// The error for a write of `url` that failed with `error`. (A cache only saves time: a run
    /// whose cache cannot be written goes on, so its message asks for no --resume.)
    public static func failure(_ url: URL, _ error: Error, kind: Kind? = nil) -> WorkbookError {
        if let known = error as? WorkbookError { return known }
        let code = posixCode(error)
        let cause = code.map { String(cString: strerror($0)) } ?? error.localizedDescription
        let full = code == ENOSPC || code == EDQUOT
        let advice =
            !full
            ? ""
            : kind == .cache
                ? " (the disk is full)" : " (the disk is full: free some space, then continue the run with --resume)"
        return WorkbookError("cannot write \(url.path): \(cause)\(advice)")
    }

    static func posixCode(_ error: Error) -> Int32? {
        if let posix = error as? POSIXError { return posix.code.rawValue }
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return Int32(ns.code) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? Error { return posixCode(underlying) }
        if ns.domain == NSCocoaErrorDomain && ns.code == NSFileWriteOutOfSpaceError { return ENOSPC }
        return nil
    }

    // MARK: Fault injection (tests)

    nonisolated(unsafe) private static var writes: [Kind: Int] = [:]
    private static let lock = NSLock()
    private static let fault: (kind: Kind, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment["WORKBOOK_FAIL_WRITE"] else { return nil }
        let parts = spec.split(separator: ":")
        guard parts.count == 2, let kind = Kind(rawValue: String(parts[0])), let count = Int(parts[1]), count > 0 else {
            return nil
        }
        return (kind, count)
    }()

    /// Throws as a full disk would when this is the write `WORKBOOK_FAIL_WRITE` names.
    static func injectedFault(_ kind: Kind, _ url: URL) throws {
        guard let fault, fault.kind == kind else { return }
        let count = lock.withLock { () -> Int in
            writes[kind, default: 0] += 1
            return writes[kind]!
        }
        if count == fault.count { throw failure(url, POSIXError(.ENOSPC), kind: kind) }
    }
}
