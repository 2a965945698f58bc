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
