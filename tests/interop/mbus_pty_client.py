#!/usr/bin/python3
"""Talk to trimeter-sim --mbus pty:PATH like an M-Bus level converter on a
serial line: SND_NKE, a multi-telegram REQ_UD2 readout (checksums, the
"more records follow" DIF, FCB toggling), a repeat request answered with
the same telegram, a baud change to 9600 acknowledged, the readout again at
9600 (the times are printed, not judged: tests never time things; the
simulator paces a pty at the meter's line rate, 11 bits a character), frames for other addresses and a
broken checksum left unanswered. Stdlib only.
Usage: mbus_pty_client.py PATH"""
import os
import select
import sys
import termios
import time
import tty


def frame(buf):
    """Length of the complete frame at buf[0] (0: not yet)."""
    if not buf:
        return 0
    if buf[0] == 0xE5:
        return 1
    if buf[0] == 0x68 and len(buf) >= 4:
        n = buf[1] + 6
        return n if len(buf) >= n else 0
    return 0


def ask(fd, req, limit_s=5.0):
    os.write(fd, bytes(req))
    buf = b""
    end = time.monotonic() + limit_s
    while frame(buf) == 0:
        r, _, _ = select.select([fd], [], [], max(0.0, end - time.monotonic()))
        if not r:
            return buf
        buf += os.read(fd, 4096)
    return buf


def short(c, a):
    return [0x10, c, a, (c + a) & 0xFF, 0x16]


def check_long(f):
    assert f[0] == 0x68 and f[3] == 0x68 and f[1] == f[2] and len(f) == f[1] + 6, f[:8].hex()
    assert sum(f[4:-2]) & 0xFF == f[-2] and f[-1] == 0x16, "checksum"
    assert f[4] == 0x08 and f[6] == 0x72, f[4:7].hex()
    return f[-3] == 0x1F  # more records follow


def readout(fd):
    t0 = time.monotonic()
    tels, fcb = [], True
    while True:
        f = ask(fd, short(0x7B if fcb else 0x5B, 1))
        fcb = not fcb
        assert f, "no RSP_UD"
        tels.append(f)
        if not check_long(f):
            return tels, time.monotonic() - t0
        assert len(tels) < 5


def main():
    fd = os.open(sys.argv[1], os.O_RDWR | os.O_NOCTTY)
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4] = attrs[5] = termios.B2400
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    assert ask(fd, short(0x40, 1)) == b"\xE5"
    tels, t2400 = readout(fd)
    assert len(tels) >= 2, "multi-telegram expected"
    # the same FCB as the last answered request: the same telegram again
    last_fcb = 0x5B if len(tels) % 2 == 0 else 0x7B
    again = ask(fd, short(last_fcb, 1))
    assert again == tels[-1], "repeat"
    # silence: other address, broadcast, broken checksum
    assert ask(fd, short(0x5B, 9), 0.5) == b""
    assert ask(fd, short(0x40, 255), 0.5) == b""
    assert ask(fd, [0x10, 0x5B, 0x01, 0x5D, 0x16], 0.5) == b""
    # baud change: the ACK at 2400, then 9600
    ctl = [0x68, 3, 3, 0x68, 0x53, 0x01, 0xBD, (0x53 + 0x01 + 0xBD) & 0xFF, 0x16]
    assert ask(fd, ctl) == b"\xE5"
    attrs[4] = attrs[5] = termios.B9600
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    assert ask(fd, short(0x40, 1)) == b"\xE5"
    tels2, t9600 = readout(fd)
    nbytes = sum(len(t) for t in tels)
    print("readout: %d telegrams, %d bytes; %.2f s at 2400 Bd, %.2f s at 9600 Bd" %
          (len(tels), nbytes, t2400, t9600))
    os.close(fd)


main()
