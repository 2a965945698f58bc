import Foundation

/// Every error the workbook reports: a sentence a reader can act on, never a stack trace.
public struct WorkbookError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

extension WorkbookError: LocalizedError {
    public var errorDescription: String? { message }
}

/// Not a failure: the run ended early on purpose. Ctrl-C saved a checkpoint (status 130), or a
/// resumed run had nothing left to train (status 0). The program's top level (`exitOnError`)
/// prints the message and exits with the status.
public struct RunEnded: Error, CustomStringConvertible, Equatable {
    public let message: String
    public let status: Int32
    public init(_ message: String, status: Int32) {
        self.message = message
        self.status = status
    }
    public var description: String { message }
}
