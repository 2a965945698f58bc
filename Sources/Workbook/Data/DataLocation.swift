import Foundation

/// Where the data sets live: the folder that holds `mnist/` (and, for chapter 4, `celeba/`).
public enum DataLocation {
    /// The environment variable a reader can set once instead of passing `--data-dir` every time.
    public static let environmentVariable = "WORKBOOK_DATA"

    /// The `--data-dir` flag if given, else `$WORKBOOK_DATA`, else `./data`.
    public static func root(flag: String?) -> URL {
        if let flag, !flag.isEmpty { return URL(fileURLWithPath: flag) }
        if let fromEnvironment = ProcessInfo.processInfo.environment[environmentVariable], !fromEnvironment.isEmpty {
            return URL(fileURLWithPath: fromEnvironment)
        }
        return URL(fileURLWithPath: "data")
    }

    /// How the root was chosen, for messages and reports.
    public static func origin(flag: String?) -> String {
        if let flag, !flag.isEmpty { return "--data-dir" }
        if let e = ProcessInfo.processInfo.environment[environmentVariable], !e.isEmpty {
            return "$\(environmentVariable)"
        }
        return "the default ./data"
    }
}
