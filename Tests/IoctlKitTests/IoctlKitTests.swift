import Testing

@testable import IoctlKit
