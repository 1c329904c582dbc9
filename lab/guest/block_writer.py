"""Checksummed block I/O for the witness cluster scenarios (issue 18).

  block_writer.py write PATH LOG     writes 4 KiB blocks 0, 1, 2, ... at their own offsets,
                                     each followed by fsync, until SIGTERM; a failed write is
                                     retried (the file reopened) until it succeeds. LOG gets
                                     one line per attempt: "ok SEQ START END" or
                                     "err SEQ TIME ERRNO" (wall-clock seconds).
  block_writer.py verify PATH COUNT  blocks 0..COUNT-1 of PATH are exactly what write wrote;
                                     prints the SHA-256 of those COUNT blocks.

A block's content is a function of its number only (a header, then a SHA-256 chain), so a
retried write is idempotent and verify needs no manifest.
"""

import hashlib
import os
import signal
import sys
import time

BLOCK = 4096


def block(seq):
    head = b"smb3kit witness block %08d\n" % seq
    out = bytearray(head)
    h = hashlib.sha256(head).digest()
    while len(out) < BLOCK:
        out += h
        h = hashlib.sha256(h).digest()
    return bytes(out[:BLOCK])


def write(path, log_path):
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    log = open(log_path, "a", buffering=1)
    fd, seq = None, 0
    while not stop:
        try:
            if fd is None:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
            start = time.time()
            os.pwrite(fd, block(seq), seq * BLOCK)
            os.fsync(fd)
            log.write("ok %d %.3f %.3f\n" % (seq, start, time.time()))
            seq += 1
            time.sleep(0.1)
        except OSError as e:
            log.write("err %d %.3f %d\n" % (seq, time.time(), e.errno))
            if fd is not None:
                try:
                    os.close(fd)
                except OSError:
                    pass
                fd = None
            time.sleep(0.2)
    if fd is not None:
        os.close(fd)


def verify(path, count):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for seq in range(count):
            data = f.read(BLOCK)
            if data != block(seq):
                print("block %d differs (%d bytes read)" % (seq, len(data)))
                return 1
            digest.update(data)
    print("%d blocks intact, sha256 %s" % (count, digest.hexdigest()))
    return 0


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "write":
        write(sys.argv[2], sys.argv[3])
        return 0
    if len(sys.argv) == 4 and sys.argv[1] == "verify":
        return verify(sys.argv[2], int(sys.argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
