import Testing

@testable import SMB3ProcFS

@Suite("MemoryMappings (/proc/self/smaps)")
struct MemoryMappingsTests {
    /// smb3-witnessd's program mappings and two of libc's as 6.12 prints them (fs/proc/task_mmu.c),
    /// trimmed of the keys the parser skips; `VmFlags:` ends with a space, as the kernel writes it.
    static let daemon = """
        5638ff01c000-5638ffc65000 r-xp 0030b000 fe:00 5325517                    /usr/sbin/smb3-witnessd
        Size:              12580 kB
        Rss:                6640 kB
        Private_Dirty:      6640 kB
        Anonymous:             0 kB
        THPeligible:           0
        VmFlags: rd ex mr mw me 
        5638ffc65000-5638ffcd1000 r--p 00f53000 fe:00 5325517                    /usr/sbin/smb3-witnessd
        Rss:                 432 kB
        Anonymous:           432 kB
        VmFlags: rd mr mw me ac 
        5638ffcd1000-5638fff01000 rw-p 00fbe000 fe:00 5325517                    /usr/sbin/smb3-witnessd
        Rss:                1244 kB
        Anonymous:           172 kB
        VmFlags: rd wr mr mw me ac 
        563900a21000-563900a64000 rw-p 00000000 00:00 0                          [heap]
        Rss:                 204 kB
        Anonymous:           204 kB
        VmFlags: rd wr mr mw me ac 
        7f7784244000-7f778439a000 r-xp 00026000 fe:00 1056                       /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                 560 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me lo 
        7f778439a000-7f77843ef000 r--p 0017c000 fe:00 1056                       /usr/lib/x86_64-linux-gnu/libc.so.6
        Rss:                   0 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me 
        7f77843f0000-7f77843f2000 rw-p 00000000 00:00 0 
        Rss:                   8 kB
        Anonymous:             8 kB
        VmFlags: rd wr mr mw me ac 
        7ffd5a1f0000-7ffd5a1f2000 r-xp 00000000 00:00 0                          [vdso]
        Rss:                   8 kB
        Anonymous:             0 kB
        VmFlags: rd ex mr mw me de sd 
        7f7784500000-7f7784510000 r--p 00000000 fe:00 77                         /tmp/plugin with space.so (deleted)
        Rss:                  16 kB
        Anonymous:             0 kB
        VmFlags: rd mr mw me 

        """

    @Test func parsesEveryMappingAndTheKeysItUses() throws {
        let mappings = try MemoryMappings.parse(Array(Self.daemon.utf8))
        #expect(mappings.count == 9)
        let text = try #require(mappings.first)
        #expect(text.start == 0x5638_ff01_c000 && text.end == 0x5638_ffc6_5000)
        #expect(text.readable && !text.writable && text.executable && !text.shared)
        #expect(text.path == "/usr/sbin/smb3-witnessd" && text.residentKiB == 6640 && text.anonymousKiB == 0)
        #expect(text.flags == ["rd", "ex", "mr", "mw", "me"])
        #expect(mappings[3].path == "[heap]" && mappings[6].path == nil)
        #expect(mappings[8].path == "/tmp/plugin with space.so (deleted)")
    }

    /// Only program text and read-only data that are still the file's: not RELRO (relocated,
    /// so private copies), not writable data, not anonymous memory or the vdso, not locked, not
    /// what is not resident, not a deleted file. Dirty page-cache pages (a program just built)
    /// are the file's.
    @Test func onlyCleanPrivateReadOnlyFileMappingsAreReleasable() throws {
        let mappings = try MemoryMappings.parse(Array(Self.daemon.utf8))
        #expect(mappings.map(\.isCleanFileMapping) == [true, false, false, false, false, false, false, false, false])
        var unlocked = mappings[4]
        unlocked.flags = ["rd", "ex"]
        #expect(unlocked.isCleanFileMapping)
        var shared = mappings[0]
        shared.shared = true
        #expect(!shared.isCleanFileMapping)
    }

    @Test(arguments: [
        "5638ff01c000 r-xp 0030b000 fe:00 5 /x",  // no range
        "5638ffc65000-5638ff01c000 r-xp 0 fe:00 5 /x",  // end before start
        "5638ff01c000-5638ffc65000 rwxq 0 fe:00 5 /x",  // permissions
        "5638ff01c000-5638ffc65000 r-xp 0 fe:00",  // four fields
        "1-2 r--p 0 0:0 0\nRss: 12 MB",  // unit
        "1-2 r--p 0 0:0 0\nAnonymous: -1 kB",  // not a number
        "1-2 r--p 0 0:0 0\nRss: 99999999999999999999 kB",  // too large
        "Rss: 4 kB\n1-2 r--p 0 0:0 0",  // a key before the first mapping
        "10000000000000000-10000000000000001 r--p 0 0:0 0",  // 17 hex digits
    ])
    func refusesWhatTheKernelNeverPrints(_ text: String) {
        #expect(throws: MemoryMappingsError.self) { try MemoryMappings.parse(Array(text.utf8)) }
    }

    @Test func refusesMoreThanItsLimit() {
        #expect(throws: MemoryMappingsError.self) {
            try MemoryMappings.parse([UInt8](repeating: 0x0a, count: MemoryMappings.maximumSize + 1))
        }
    }
}
