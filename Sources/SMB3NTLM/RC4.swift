/// RC4 as NTLM session security uses it: one keystream per direction that keeps running across messages,
/// so the struct carries its state and `process` is mutating.
public struct RC4: Sendable {
    private var state: [UInt8]
    private var i: UInt8 = 0
    private var j: UInt8 = 0

    /// `key` must hold 1 to 256 bytes; NTLM only passes 16-byte keys it derived itself.
    public init(key: [UInt8]) {
        precondition(!key.isEmpty && key.count <= 256, "RC4 keys hold 1 to 256 bytes")
        state = (0...255).map { UInt8($0) }
        var mixer: UInt8 = 0
        for index in 0..<256 {
            mixer = mixer &+ state[index] &+ key[index % key.count]
            state.swapAt(index, Int(mixer))
        }
    }

    /// Encrypts or decrypts (the same operation) and advances the keystream by `bytes.count`.
    public mutating func process(_ bytes: [UInt8]) -> [UInt8] {
        var output = bytes
        for index in output.indices {
            i = i &+ 1
            j = j &+ state[Int(i)]
            state.swapAt(Int(i), Int(j))
            output[index] ^= state[Int(state[Int(i)] &+ state[Int(j)])]
        }
        return output
    }
}
