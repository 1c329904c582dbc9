import Testing

@testable import SMB3ProcFS

@Suite("ProcessStatus")
struct ProcessStatusTests {
    /// The head of a root shell's status as Linux 6.x prints it (fs/proc/array.c), trimmed of the
    /// memory lines; `Groups:` has a trailing space and no value, as the kernel writes it.
    static let rootShell = """
        Name:\tbash
        Umask:\t0022
        State:\tS (sleeping)
        Tgid:\t3187
        Ngid:\t0
        Pid:\t3190
        PPid:\t3185
        TracerPid:\t0
        Uid:\t0\t0\t0\t0
        Gid:\t0\t0\t0\t0
        FDSize:\t256
        Groups:\t 
        NStgid:\t3187
        NSpid:\t3190
        Threads:\t2
        SigQ:\t0/96362
        CapInh:\t0000000000000000
        CapPrm:\t000001ffffffffff
        CapEff:\t000001ffffffffff
        CapBnd:\t000001ffffffffff
        CapAmb:\t0000000000000000
        NoNewPrivs:\t0

        """

    @Test func readsTheFieldsTheUpcallUses() throws {
        let status = try ProcessStatus(parsing: Array(Self.rootShell.utf8))
        #expect(status.threadGroupID == 3187)
        #expect(status.taskID == 3190)
        #expect(status.threads == 2)
        #expect(status.uids == .init(real: 0, effective: 0, savedSet: 0, filesystem: 0))
        #expect(status.gids?.areUniform == true)
        #expect(status.effectiveCapabilities == 0x1ff_ffff_ffff)
        #expect(status.boundingCapabilities == 0x1ff_ffff_ffff)
    }

    @Test func aSetuidProcessHasMixedIDs() throws {
        let text = "Uid:\t1000\t0\t0\t0\nGid:\t1000\t1000\t1000\t1000\n"
        let status = try ProcessStatus(parsing: Array(text.utf8))
        #expect(status.uids?.real == 1000)
        #expect(status.uids?.areUniform == false)
        #expect(status.gids?.areUniform == true)
    }

    @Test func missingFieldsStayUnknown() throws {
        let status = try ProcessStatus(parsing: Array("Name:\tx\n".utf8))
        #expect(status == ProcessStatus())
    }

    @Test(arguments: [
        "Tgid:\t12x\n", "Tgid:\t-1\n", "Tgid:\t012\n", "Tgid:\t1 2\n", "Tgid:\t4294967296\n", "Tgid:\n",
        "Uid:\t0\t0\t0\n", "Uid:\t0\t0\t0\t0\t0\n", "Uid:\t0\t0\tx\t0\n",
        // (uid_t)-1: from_kuid_munged never prints it, setresuid takes it as "unchanged".
        "Uid:\t4294967295\t0\t0\t0\n", "Gid:\t0\t0\t0\t4294967295\n",
        "CapEff:\t1ff\n", "CapEff:\t000001fffffffffg\n", "CapEff:\t000001ffffffffff0\n",
        "Tgid:\t1\nTgid:\t2\n",
    ])
    func refusesMalformedOrRepeatedFields(_ text: String) {
        #expect(throws: ProcessStatusError.self) { try ProcessStatus(parsing: Array(text.utf8)) }
    }

    /// A process name is user-chosen and may imitate a field; only the kernel's own `Name:`
    /// line is first, and a forged line inside the name cannot contain a newline (the kernel
    /// escapes it as `\n`), so a line that merely starts like a field is the field.
    @Test func theNameCannotForgeALineWithoutANewline() throws {
        let text = "Name:\tTgid:\\t1\nTgid:\t77\n"
        #expect(try ProcessStatus(parsing: Array(text.utf8)).threadGroupID == 77)
    }

    @Test func refusesOversizedInput() {
        let bytes = [UInt8](repeating: UInt8(ascii: "a"), count: ProcessStatus.maximumSize + 1)
        #expect(throws: ProcessStatusError.self) { try ProcessStatus(parsing: bytes) }
    }

    @Test func environmentValue() {
        let environ = Array("A=1\0KRB5CCNAME=FILE:/tmp/x\0KRB5CCNAME=second\0".utf8)
        #expect(ProcessEnvironment.value(of: "KRB5CCNAME", in: environ) == "FILE:/tmp/x")
        #expect(ProcessEnvironment.value(of: "KRB5", in: environ) == nil)
        #expect(ProcessEnvironment.value(of: "B", in: environ) == nil)
    }
}
