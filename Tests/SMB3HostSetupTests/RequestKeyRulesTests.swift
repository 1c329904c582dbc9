import Foundation
import SMB3Protocol
import Testing

@testable import SMB3HostSetup

@Suite("request-key.conf and the cifs.spnego handler switch")
struct RequestKeyRulesTests {
    // Debian 12's keyutils /etc/request-key.conf (active lines) and cifs-utils' drop-in.
    static let debianConf = """
        ###############################################################################
        # Copyright (C) 2005 Red Hat, Inc. All Rights Reserved.
        ###############################################################################

        #OP\tTYPE\tDESCRIPTION\tCALLOUT INFO\tPROGRAM ARG1 ARG2 ARG3 ...
        #======\t=======\t===============\t===============\t===============================
        create  dns_resolver *\t\t*               /sbin/key.dns_resolver %k
        create\tuser\tdebug:*\t\tnegate\t\t/bin/keyctl negate %k 30 %S
        create\tuser\tdebug:*\t\t*\t\t/usr/share/keyutils/request-key-debug.sh %k %d %c %S

        """
    static let cifsUtils = "create  cifs.spnego    * * /usr/sbin/cifs.upcall %k\n"
    // What `make install` ships (SBINDIR=/usr/local/sbin).
    static let shipped = """
        # SMB3Kit Kerberos upcall for cifs.ko. Uncomment the line below and comment out the
        # "create cifs.spnego" line in cifs.spnego.conf (cifs-utils) to use smb3-upcall instead.
        #create  cifs.spnego  *  *  /usr/local/sbin/smb3-upcall %k

        """
    static let own = "/etc/request-key.d/smb3kit.spnego.conf"
    static let cifsFile = "/etc/request-key.d/cifs.spnego.conf"
    static let mainFile = "/etc/request-key.conf"
    static let program = "/usr/local/sbin/smb3-upcall"

    static var debianFiles: [RequestKeyFile] {
        [
            RequestKeyFile(path: cifsFile, text: cifsUtils), RequestKeyFile(path: own, text: shipped),
            RequestKeyFile(path: mainFile, text: debianConf),
        ]
    }

    @Test func parsesActiveLinesOnly() {
        let rules = RequestKeyRules.parse(Self.debianConf, file: Self.mainFile)
        #expect(rules.map(\.keyType) == ["dns_resolver", "user", "user"])
        #expect(
            rules.first?.line == 7 && rules.first?.program == "/sbin/key.dns_resolver"
                && rules.first?.arguments == ["%k"])
        #expect(RequestKeyRules.spnegoRules(rules).isEmpty)
        #expect(RequestKeyRules.parse(Self.shipped, file: Self.own).isEmpty)
        let spnego = RequestKeyRules.spnegoRules(RequestKeyRules.parse(Self.cifsUtils, file: Self.cifsFile))
        #expect(
            spnego.count == 1 && spnego.first?.handlerKind == .cifsUpcall
                && spnego.first?.location == "\(Self.cifsFile):1")
    }

    @Test func wildcards() {
        #expect(RequestKeyRules.wildcardSkip(pattern: "*", value: "cifs.spnego") == 11)
        #expect(RequestKeyRules.wildcardSkip(pattern: "cifs.*", value: "cifs.spnego") == 6)
        #expect(RequestKeyRules.wildcardSkip(pattern: "*.spnego", value: "cifs.spnego") == 4)
        #expect(RequestKeyRules.wildcardSkip(pattern: "cifs.spnego", value: "cifs.spnego") == 0)
        #expect(RequestKeyRules.wildcardSkip(pattern: "cifs.idmap", value: "cifs.spnego") == nil)
        #expect(RequestKeyRules.wildcardSkip(pattern: "cifs.spnego*x", value: "cifs.spnego") == nil)
        // A catch-all rule catches cifs.spnego too; a literal type is preferred by request-key.
        let rules = RequestKeyRules.spnegoRules(
            RequestKeyRules.parse(
                "create * * * /bin/catchall %k\ncreate cifs.spnego * * /usr/sbin/cifs.upcall %k\n", file: "f"))
        #expect(rules.count == 2)
        #expect(RequestKeyRules.bestSpnegoRule(rules)?.line == 2)
        #expect(RequestKeyRules.parse("negate cifs.spnego * * /bin/x %k", file: "f").count == 1)
        #expect(
            RequestKeyRules.spnegoRules(RequestKeyRules.parse("negate cifs.spnego * * /bin/x %k", file: "f")).isEmpty)
    }

    @Test func handlerProgram() {
        let gss = RequestKeyRules.rule(
            "create cifs.spnego * * /usr/bin/env GSS_USE_PROXY=yes /usr/sbin/smb3-upcall %k", file: "f", line: 1)
        #expect(gss?.handlerProgram == "/usr/sbin/smb3-upcall" && gss?.handlerKind == .smb3Upcall)
        #expect(
            RequestKeyRules.rule("create cifs.spnego * * |/bin/cat", file: "f", line: 1)?.handlerProgram == "/bin/cat")
        #expect(RequestKeyRules.rule("  # create cifs.spnego * * /bin/x %k", file: "f", line: 1) == nil)
        #expect(RequestKeyRules.rule("create cifs.spnego * *", file: "f", line: 1) == nil)
    }

    @Test func switchToSmb3UpcallUncommentsOursAndMarksTheOthers() {
        let result = SpnegoHandlerSwitch.apply(
            .smb3Upcall(program: Self.program), to: Self.debianFiles, ownFile: Self.own)
        #expect(
            result.edits == [
                RequestKeyEdit(
                    file: Self.cifsFile, line: 1, before: "create  cifs.spnego    * * /usr/sbin/cifs.upcall %k",
                    after: "#smb3kit-disabled# create  cifs.spnego    * * /usr/sbin/cifs.upcall %k"),
                RequestKeyEdit(
                    file: Self.own, line: 3, before: "#create  cifs.spnego  *  *  /usr/local/sbin/smb3-upcall %k",
                    after: "create  cifs.spnego  *  *  /usr/local/sbin/smb3-upcall %k"),
            ])
        #expect(result.activeAfter.map(\.location) == ["\(Self.own):3"])
        #expect(result.changedFiles.map(\.path) == [Self.cifsFile, Self.own])
        // Comments and blank lines of our file are kept.
        #expect(result.changedFiles.last?.text == Self.shipped.replacingOccurrences(of: "#create", with: "create"))
    }

    @Test func bothDirectionsAreIdempotentAndRestoreExactly() {
        let on = SpnegoHandlerSwitch.apply(.smb3Upcall(program: Self.program), to: Self.debianFiles, ownFile: Self.own)
        let afterOn = Self.merge(Self.debianFiles, on.changedFiles)
        let again = SpnegoHandlerSwitch.apply(.smb3Upcall(program: Self.program), to: afterOn, ownFile: Self.own)
        #expect(again.edits.isEmpty && again.changedFiles.isEmpty)

        let off = SpnegoHandlerSwitch.apply(.cifsUpcall, to: afterOn, ownFile: Self.own)
        let afterOff = Self.merge(afterOn, off.changedFiles)
        #expect(off.activeAfter.map(\.location) == ["\(Self.cifsFile):1"])
        #expect(afterOff.first { $0.path == Self.cifsFile }?.text == Self.cifsUtils)
        #expect(
            afterOff.first { $0.path == Self.own }?.text == "#"
                + Self.shipped.replacingOccurrences(of: "#create", with: "create")
                || afterOff.first { $0.path == Self.own }?.text?.contains("\n#create  cifs.spnego") == true)
        let offAgain = SpnegoHandlerSwitch.apply(.cifsUpcall, to: afterOff, ownFile: Self.own)
        #expect(offAgain.edits.isEmpty && offAgain.changedFiles.isEmpty)

        // And on again from there gives the same files as the first time.
        let onAgain = SpnegoHandlerSwitch.apply(.smb3Upcall(program: Self.program), to: afterOff, ownFile: Self.own)
        #expect(Self.merge(afterOff, onAgain.changedFiles) == afterOn)
    }

    @Test func tabsCRLFAndMissingFinalNewlineSurvive() {
        let other =
            "# keep me\r\n\tcreate\tcifs.spnego\t*\t*\t/usr/sbin/cifs.upcall\t%k\r\n\ncreate cifs.idmap * * /usr/sbin/cifs.idmap %k"
        let files = [
            RequestKeyFile(path: "/etc/request-key.conf", text: other), RequestKeyFile(path: Self.own, text: "# ours"),
        ]
        let on = SpnegoHandlerSwitch.apply(.smb3Upcall(program: "/usr/sbin/smb3-upcall"), to: files, ownFile: Self.own)
        let afterOn = Self.merge(files, on.changedFiles)
        #expect(
            afterOn.first?.text
                == "# keep me\r\n#smb3kit-disabled# \tcreate\tcifs.spnego\t*\t*\t/usr/sbin/cifs.upcall\t%k\r\n\ncreate cifs.idmap * * /usr/sbin/cifs.idmap %k"
        )
        // Our file had no final newline: the new line goes on a line of its own.
        #expect(afterOn.last?.text == "# ours\ncreate  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n")
        #expect(
            on.edits.last
                == RequestKeyEdit(
                    file: Self.own, line: 2, before: nil, after: "create  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k"))
        let off = SpnegoHandlerSwitch.apply(.cifsUpcall, to: afterOn, ownFile: Self.own)
        let afterOff = Self.merge(afterOn, off.changedFiles)
        #expect(afterOff.first?.text == other)
        #expect(afterOff.last?.text == "# ours\n#create  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n")
    }

    @Test func createsOurFileAndKeepsAnExistingSmb3UpcallLine() {
        let created = SpnegoHandlerSwitch.apply(
            .smb3Upcall(program: "/usr/sbin/smb3-upcall"), to: [], ownFile: Self.own)
        #expect(created.changedFiles.count == 1)
        #expect(
            created.changedFiles.first?.text?.hasSuffix("\ncreate  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n")
                == true)
        // A gssproxy line naming our program is kept as the admin wrote it; a stale path is commented.
        let ours =
            "create cifs.spnego * * /usr/local/sbin/smb3-upcall %k\ncreate cifs.spnego * * /usr/bin/env GSS_USE_PROXY=yes /usr/sbin/smb3-upcall %k\n"
        let result = SpnegoHandlerSwitch.apply(
            .smb3Upcall(program: "/usr/sbin/smb3-upcall"), to: [RequestKeyFile(path: Self.own, text: ours)],
            ownFile: Self.own)
        #expect(result.edits.map(\.line) == [1] && result.edits.first?.after.hasPrefix("#create") == true)
        #expect(result.activeAfter.map(\.line) == [2])
    }

    @Test func switchingBackWithNothingToRestoreLeavesNoHandler() {
        let files = [RequestKeyFile(path: Self.own, text: "create  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n")]
        let off = SpnegoHandlerSwitch.apply(.cifsUpcall, to: files, ownFile: Self.own)
        #expect(off.activeAfter.isEmpty)
        #expect(off.changedFiles.first?.text == "#create  cifs.spnego  *  *  /usr/sbin/smb3-upcall %k\n")
        // A marker an admin did not write is never touched: only the exact marker is restored.
        let foreign = [
            RequestKeyFile(
                path: Self.mainFile,
                text: "#smb3kit-disabled#create x * * /bin/x\n# smb3kit-disabled# create y * * /bin/y\n")
        ]
        #expect(SpnegoHandlerSwitch.apply(.cifsUpcall, to: foreign, ownFile: Self.own).edits.isEmpty)
    }

    @Test func kernelConfig() {
        let config = KernelConfig(
            parsing: """
                #
                # Automatically generated file; DO NOT EDIT.
                CONFIG_KEYS=y
                CONFIG_CIFS=m
                CONFIG_CIFS_UPCALL=y
                # CONFIG_CIFS_SWN_UPCALL is not set
                CONFIG_LOCALVERSION=""\r
                CONFIG_NR_CPUS=64
                """)
        #expect(config["KEYS"] == .builtIn && config["CIFS"] == .module && config["CIFS_UPCALL"] == .builtIn)
        #expect(config["CIFS_SWN_UPCALL"] == .notSet && config["NOT_THERE"] == .notSet)
        #expect(config["LOCALVERSION"] == .other("\"\"") && config["NR_CPUS"] == .other("64"))
        #expect(config["CIFS"].isEnabled && !config["CIFS_SWN_UPCALL"].isEnabled)
    }

    static func merge(_ files: [RequestKeyFile], _ changed: [RequestKeyFile]) -> [RequestKeyFile] {
        var result = files
        for file in changed {
            if let index = result.firstIndex(where: { $0.path == file.path }) {
                result[index] = file
            } else {
                result.append(file)
            }
        }
        return result
    }
}
