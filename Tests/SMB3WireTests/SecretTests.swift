import SMB3Protocol
import Testing

@testable import SMB3Wire

@Suite("Secret")
struct SecretTests {
    @Test func printsOnlyItsLength() {
        let secret = Secret([1, 2, 3])
        #expect("\(secret)" == "<redacted 3 bytes>")
        #expect(String(reflecting: secret) == "<redacted 3 bytes>")
    }

    @Test func wipeReachesEveryCopy() {
        let original = Secret([9, 8, 7, 6])
        let copy = original
        #expect(copy == Secret([9, 8, 7, 6]))
        copy.wipe()
        #expect(original.count == 0 && original.bytes.isEmpty)
        #expect(original == Secret([]))
    }
}
