import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The SHA-256 digest of `data` as lowercase hex.
public func sha256Hex(_ data: Data) -> String {
    SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
}

/// Downloads one file into memory with a progress bar.
enum Downloader {
    static func fetch(_ url: URL, label: String, expectedBytes: Int) throws -> Data {
        let delegate = Delegate(
            progress: ProgressBar(title: "Downloading \(label)", total: expectedBytes, unit: .bytes))
        let session = URLSession(configuration: .ephemeral, delegate: delegate, delegateQueue: nil)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: url)
        request.timeoutInterval = 30
        session.dataTask(with: request).resume()
        delegate.done.wait()
        if let error = delegate.failure { delegate.progress.finish(status: "failed"); throw error }
        delegate.progress.finish(status: "done")
        return delegate.received
    }

    final class Delegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
        let progress: ProgressBar
        let done = DispatchSemaphore(value: 0)
        var received = Data()
        var failure: Error?

        init(progress: ProgressBar) { self.progress = progress }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
                        completionHandler: @escaping (URLSession.ResponseDisposition) -> Void) {
            if let http = response as? HTTPURLResponse, http.statusCode != 200 {
                failure = WorkbookError("the server answered HTTP \(http.statusCode)")
                completionHandler(.cancel)
                return
            }
            completionHandler(.allow)
        }

        func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
            received.append(data)
            progress.update(completed: received.count)
        }

        func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: Error?) {
            if failure == nil, let error { failure = error }
            done.signal()
        }
    }
}
