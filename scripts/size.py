#!/usr/bin/python3
"""Flash and RAM use of the Cortex-M PRODUCTION image, per module and in total.

Reads the linker map of trimeter-fw.elf (every input section with its size
and the object it came from, plus alignment fill) so the per-module numbers
add up exactly to the image's totals (checked against arm-none-eabi-size),
and the ELF's DWARF for the layout of struct meter. Called by scripts/size.sh.

  flash = .isr_vector + .legal + .text + .rodata + .ARM.exidx + .data (its
          initial values are stored in flash)
  RAM   = .stack (reserved) + .data + .bss + .noinit
"""
import os
import re
import subprocess
import sys

FLASH_BUDGET = 256 * 1024
RAM_BUDGET = 32 * 1024
FLASH_SECTIONS = {".isr_vector", ".legal", ".text", ".rodata", ".ARM.exidx", ".data"}
RAM_SECTIONS = {".stack", ".data", ".bss", ".noinit"}
MODULES = ["src/metrology", "src/registers", "src/legal", "src/control", "src/meter.c", "src/cosem", "src/store", "src/proto", "src/ui", "src/util",
           "struct meter", "port", "libc/libgcc"]
# Symbols the production image must contain: the call paths from the sample
# interrupt, the main loop and the port receive path keep the core alive.
REQUIRED = ["meter_init", "meter_sample", "metro_sample", "meter_poll", "meter_power_fail",
            "meter_port_rx", "obj_read", "energy_add_block", "store_mount", "Reset_Handler",
            "SysTick_Handler"]


def module_of(path):
    if path is None:
        return None
    m = re.search(r"/src/([a-z0-9_]+)/", "/" + path)
    if m:
        return "src/" + m.group(1)
    if re.search(r"/src/meter\.c", "/" + path):
        return "src/meter.c"
    if "/ports/cortex-m/" in path or "/ports/common/" in path or "cm_board.dir" in path or \
            "cm_prod.dir" in path:
        return "port"
    if re.search(r"lib(c|c_nano|gcc|m|nosys|g|g_nano)\.a", path) or "/arm-none-eabi/" in path:
        return "libc/libgcc"
    return "other"


def parse_map(path):
    """Yield (output_section, input_section, bytes, object path or None).

    Sizes come from address differences, not the printed sizes: merged
    string sections (.str1.1) and relaxed sections print sizes that overlap
    their neighbours, while consecutive addresses always add up to the
    output section. Gaps (alignment) go to "*fill*".
    """
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    try:
        start = lines.index("Linker script and memory map")
    except ValueError:
        sys.exit("size: %s has no memory map" % path)
    sections = []  # [name, addr, size, [(addr, name, obj)]]
    pending = None
    out_re = re.compile(r"^(\.[\w.]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)")
    out_name_only = re.compile(r"^(\.[\w.]+)\s*$")
    in_re = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)(?:\s+(.*))?$")
    in_cont = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
    wrapped_out = None
    for ln in lines[start + 1:]:
        if ln.startswith("/DISCARD/") or ln.startswith("OUTPUT("):
            break
        if wrapped_out is not None:
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)", ln)
            if m:
                sections.append([wrapped_out, int(m.group(1), 16), int(m.group(2), 16), []])
            wrapped_out = None
            continue
        m = out_re.match(ln)
        if m:
            sections.append([m.group(1), int(m.group(2), 16), int(m.group(3), 16), []])
            pending = None
            continue
        m = out_name_only.match(ln)
        if m:
            wrapped_out = m.group(1)
            pending = None
            continue
        if not sections:
            continue
        items = sections[-1][3]
        if pending is not None:
            m = in_cont.match(ln)
            pending_name = pending
            pending = None
            if m:
                if int(m.group(2), 16) > 0 or True:
                    items.append((int(m.group(1), 16), pending_name, m.group(3).strip()))
                continue
        m = in_re.match(ln)
        if m:
            name, obj = m.group(1), m.group(4)
            if name == "*fill*":
                items.append((int(m.group(2), 16), "*fill*", None))
                continue
            if name.startswith("*") or obj is None or obj.startswith("load address"):
                continue
            items.append((int(m.group(2), 16), name, obj.strip()))
            continue
        m = re.match(r"^ (\.[^\s]+)\s*$", ln)
        if m:
            pending = m.group(1)
    for name, addr, size, items in sections:
        yield (name, None, size, "__section__")
        items = sorted(items, key=lambda x: x[0])
        pos = addr
        for k, (a, iname, obj) in enumerate(items):
            if a > pos:
                yield (name, "*fill*", a - pos, None)
                pos = a
            nxt = items[k + 1][0] if k + 1 < len(items) else addr + size
            n = max(0, min(nxt, addr + size) - pos)
            if n:
                yield (name, iname if obj else "*fill*", n, obj)
            pos += n
        if pos < addr + size:
            yield (name, "*fill*", addr + size - pos, None)


def discarded(path):
    """Bytes of core code/data the linker dropped as unreferenced, per module."""
    lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    res = {}
    try:
        i = lines.index("Discarded input sections")
    except ValueError:
        return res
    pending = None
    for ln in lines[i + 1:]:
        if ln.startswith("Memory Configuration"):
            break
        m = re.match(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", ln)
        if m:
            name, size, obj = m.group(1), int(m.group(3), 16), m.group(4)
        elif pending is not None:
            m = re.match(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$", ln)
            pending_name = pending
            pending = None
            if not m:
                continue
            name, size, obj = pending_name, int(m.group(2), 16), m.group(3)
        else:
            m = re.match(r"^ (\.[^\s]+)\s*$", ln)
            if m:
                pending = m.group(1)
            continue
        mod = module_of(obj)
        if mod and mod.startswith("src/") and re.match(r"\.(text|rodata|data|bss)", name):
            res[mod] = res.get(mod, 0) + size
    return res


def berkeley(tool, elf):
    out = subprocess.run([tool, "-B", elf], capture_output=True, text=True, check=True).stdout
    text, data, bss = (int(x) for x in out.splitlines()[1].split()[:3])
    return text, data, bss


def struct_layout(readelf, elf, name):
    """(byte_size, [(member, offset)]) of `struct name` from DWARF, or None."""
    try:
        out = subprocess.run([readelf, "--debug-dump=info", "--wide", elf], capture_output=True,
                             text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    die_re = re.compile(r"^\s*<(\d+)><([0-9a-f]+)>: Abbrev Number: \d+ \((DW_TAG_\w+)\)")
    attr_re = re.compile(r"^\s*<[0-9a-f]+>\s+(DW_AT_\w+)\s*:\s*(.*)$")
    cur = None
    in_struct = None
    members = []
    size = None
    for ln in out.splitlines():
        m = die_re.match(ln)
        if m:
            depth, tag = int(m.group(1)), m.group(3)
            if cur is not None and cur.get("tag") == "DW_TAG_member" and in_struct is not None:
                members.append((cur.get("name"), cur.get("off")))
            if in_struct is not None and depth <= in_struct:
                if size is not None:
                    return size, members
                in_struct = None
                members = []
            if cur is not None and cur.get("tag") == "DW_TAG_structure_type" and \
                    cur.get("name") == name and cur.get("size") is not None and in_struct is None:
                pass
            cur = {"tag": tag, "depth": depth}
            continue
        m = attr_re.match(ln)
        if not m or cur is None:
            continue
        attr, val = m.group(1), m.group(2).strip()
        if attr == "DW_AT_name":
            cur["name"] = val.split(":")[-1].strip() if "(strp)" in val or "(line_strp)" in val \
                or "(indirect" in val else val.split(")")[-1].strip() if val.startswith("(") else val
        elif attr == "DW_AT_byte_size" and cur["tag"] == "DW_TAG_structure_type":
            cur["size"] = int(val.split()[-1], 0)
            if cur.get("name") == name and in_struct is None:
                in_struct = cur["depth"]
                size = cur["size"]
                members = []
        elif attr == "DW_AT_data_member_location":
            cur["off"] = int(val.split()[-1], 0)
    if in_struct is not None and size is not None:
        if cur is not None and cur.get("tag") == "DW_TAG_member":
            members.append((cur.get("name"), cur.get("off")))
        return size, members
    return None

# ---- worst-case stack ----------------------------------------------------------
# GCC's -fcallgraph-info=su (cmake/arm-none-eabi.cmake) leaves one .ci call
# graph per object with every function's frame. Indirect calls (HAL
# function pointers, object-table getters/setters ...) may reach any
# function whose address is taken (found from the objects' non-call
# relocations). Library routines without a .ci (memcpy, __aeabi_ldivmod ..)
# count LIB_FRAME bytes. Exceptions nest by priority level (board.h): each
# level adds its worst handler plus the 32-byte exception frame (+4 align).
LIB_FRAME = 64
EXC_FRAME = 36
IRQ_LEVELS = [  # lowest urgency first; must match board.h's BOARD_PRIO_*
    ("UARTs (0x80)", re.compile(r"^UART\d_(RX|TX)_IRQHandler$")),
    ("SysTick sample clock (0x40)", re.compile(r"^SysTick_Handler$")),
    ("supply monitor, faults, unexpected (0x00)",
     re.compile(r"^(GPIO0_IRQHandler|MemManage_Handler|BusFault_Handler|UsageFault_Handler|Default_Handler)$")),
    ("HardFault (-1)", re.compile(r"^HardFault_Handler$")),
    ("NMI: watchdog warning (-2)", re.compile(r"^NMI_Handler$")),
]
CALL_RELOCS = {"R_ARM_THM_CALL", "R_ARM_THM_JUMP24", "R_ARM_THM_JUMP19", "R_ARM_THM_JUMP11",
               "R_ARM_THM_JUMP8", "R_ARM_CALL", "R_ARM_JUMP24", "R_ARM_THM_PC22"}


def load_objects(mapf):
    base = os.path.dirname(mapf)
    objs = []
    for ln in open(mapf, encoding="utf-8", errors="replace"):
        if ln.startswith("LOAD ") and ln.strip().endswith(".obj"):
            objs.append(os.path.normpath(os.path.join(base, ln.split(None, 1)[1].strip())))
    return objs


def hal_field_names(mapf):
    """Function-pointer members of struct meter_hal (include/trimeter/hal.h)."""
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "include", "trimeter", "hal.h")
    try:
        text = open(src, encoding="utf-8").read()
    except OSError:
        return set()
    return set(re.findall(r"\(\*(\w+)\)\s*\(", text))


def classify_indirect(loc, hal_fields, cache):
    """__indirect_hal when the call site's source line calls a HAL member."""
    if loc:
        m = re.match(r"^(.*):(\d+):\d+$", loc)
        if m:
            path, line = m.group(1), int(m.group(2))
            if path not in cache:
                try:
                    cache[path] = open(path, encoding="utf-8", errors="replace").read().splitlines()
                except OSError:
                    cache[path] = []
            lines = cache[path]
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            called = re.findall(r"(?:->|\.)\s*(\w+)\s*\(", text)
            if any(c in hal_fields for c in called):
                return "__indirect_hal"
            if len(called) == 1:
                return "__indirect_core." + called[0]
    return "__indirect_core"


def member_assignments(root):
    """fn -> members it is stored into by name (`.get = fn`, `->set = fn`)."""
    res = {}
    pat = re.compile(r"(?:\.|->)\s*(\w+)\s*=\s*&?\s*(\w+)\b")
    for sub in ("src", "ports"):
        for d, _, files in os.walk(os.path.join(root, sub)):
            for f in files:
                if f.endswith(".c"):
                    text = open(os.path.join(d, f), encoding="utf-8", errors="replace").read()
                    for member, fn in pat.findall(text):
                        res.setdefault(fn, set()).add(member)
    return res


def stack_worst(mapf, elf):
    objs = load_objects(mapf)
    frames, edges, dynamic = {}, {}, set()
    local = {}  # (obj, name) -> title
    node_re = re.compile(r'^node: \{ title: "([^"]+)" label: "([^"]*)"')
    edge_re = re.compile(r'^edge: \{ sourcename: "([^"]+)" targetname: "([^"]+)"(?: label: "([^"]+)")?')
    hal_fields = hal_field_names(mapf)
    src_cache = {}
    missing = 0
    for o in objs:
        ci = o[:-4] + ".ci" if o.endswith(".obj") else o + ".ci"
        if not os.path.exists(ci):
            missing += 1
            continue
        for ln in open(ci, encoding="utf-8", errors="replace"):
            m = node_re.match(ln)
            if m:
                title, label = m.group(1), m.group(2)
                fm = re.search(r"\\n(\d+) bytes \(([a-z,]+)\)", label)
                if fm:
                    frames[title] = int(fm.group(1))
                    if "dynamic" in fm.group(2):
                        dynamic.add(title)
                    if ":" in title:
                        local[(o, title.rsplit(":", 1)[1])] = title
                continue
            m = edge_re.match(ln)
            if m:
                target = m.group(2)
                if target == "__indirect_call":
                    target = classify_indirect(m.group(3), hal_fields, src_cache)
                edges.setdefault(m.group(1), set()).add(target)
    if missing == len(objs):
        return None
    nm = subprocess.run([os.environ.get("NM", "arm-none-eabi-nm"), elf], capture_output=True, text=True,
                        check=True).stdout
    linked = {ln.split()[-1] for ln in nm.splitlines() if len(ln.split()) >= 3}
    # Address-taken functions (indirect-call targets) and the vector table.
    taken, vectors = set(), set()
    readelf = os.environ.get("READELF", "arm-none-eabi-readelf")
    for o in objs:
        out = subprocess.run([readelf, "-rW", o], capture_output=True, text=True).stdout
        sec = ""
        for ln in out.splitlines():
            m = re.match(r"^Relocation section '([^']+)'", ln)
            if m:
                sec = m.group(1)
                continue
            f = ln.split()
            if len(f) < 5 or not re.match(r"^[0-9a-f]{8}$", f[0]) or f[2] in CALL_RELOCS:
                continue
            if not re.match(r"^\.rel\.(text|rodata|data|isr_vector)", sec):
                continue  # debug info and unwind tables name every function
            sym = f[4]
            name = sym[len(".text."):] if sym.startswith(".text.") else sym
            title = local.get((o, name), name)
            if title not in frames:
                continue
            if sec == ".rel.isr_vector":
                vectors.add(title)
            else:
                taken.add(title)
    taken -= vectors
    taken = {t for t in taken if t.rsplit(":", 1)[-1] in linked}
    # HAL calls reach the port's drivers, other indirect calls the core's
    # callbacks (object-table rows ...). Static titles carry their file;
    # global ones are looked up in the objects that define them.
    defined_in = {}
    for o in objs:
        out = subprocess.run([readelf, "-sW", o], capture_output=True, text=True).stdout
        for ln in out.splitlines():
            f = ln.split()
            if len(f) >= 8 and f[3] == "FUNC" and f[6] != "UND":
                defined_in.setdefault(f[7], o)
    def in_port(t):
        where = t.rsplit(":", 1)[0] if ":" in t else defined_in.get(t, "")
        return "/ports/" in where or "cm_board.dir" in where or "cm_prod.dir" in where
    taken_hal = {t for t in taken if in_port(t)}
    taken_core = taken - taken_hal
    assigned = member_assignments(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

    def core_targets(member):
        """Callbacks an `x->member(...)` call can reach: all but those stored
        only into other members (macro-built rows stay candidates for all)."""
        if member is None:
            return taken_core
        out = set()
        for t in taken_core:
            ms = assigned.get(t.rsplit(":", 1)[-1])
            if not ms or member in ms:
                out.add(t)
        return out

    memo, onpath, notes = {}, [], set()

    def depth(fn):
        if fn in memo:
            return memo[fn]
        if fn in onpath:
            notes.add("recursion through " + fn.rsplit(":", 1)[-1] + " (cut)")
            return (0, [])
        if fn.startswith("__indirect_"):
            return indirect(fn)
        if fn not in frames:
            return (LIB_FRAME, [fn + "?"])
        onpath.append(fn)
        best = (0, [])
        for callee in sorted(edges.get(fn, ())):
            d = depth(callee)
            if d[0] > best[0]:
                best = d
        onpath.pop()
        res = (frames[fn] + best[0], [fn] + best[1])
        memo[fn] = res
        return res

    ind_memo = {}

    def indirect(kind):
        if kind in ind_memo:
            return ind_memo[kind]
        if kind in onpath:
            notes.add("an indirect target calls indirectly again (%s; counted once)" % kind)
            return (0, ["(indirect)"])
        onpath.append(kind)
        best = (0, ["(indirect: none)"])
        if kind == "__indirect_hal":
            targets = taken_hal
        else:
            targets = core_targets(kind.split(".", 1)[1] if "." in kind else None)
        for t in sorted(targets):
            d = depth(t)
            if d[0] > best[0]:
                best = d
        onpath.pop()
        ind_memo[kind] = (best[0], ["*" + best[1][0]] + best[1][1:])
        return ind_memo[kind]

    thread = depth("Reset_Handler")
    levels = []
    for name, pat in IRQ_LEVELS:
        hs = sorted(v for v in vectors if pat.match(v.rsplit(":", 1)[-1]))
        if not hs:
            continue
        w = max((depth(h) for h in hs), key=lambda d: d[0])
        levels.append((name, w[0] + EXC_FRAME, w[1]))
    if dynamic:
        notes.add("dynamic frames (alloca/VLA) in " + ", ".join(sorted(d.rsplit(":", 1)[-1] for d in dynamic)))
    def framed(path):
        return [("%s(%d)" % (p.rsplit(":", 1)[-1], frames[p.lstrip("*")]) if p.lstrip("*") in frames else p)
                for p in path]
    thread = (thread[0], framed(thread[1]))
    levels = [(n, d, framed(p)) for n, d, p in levels]
    return thread, levels, len(taken), notes


def short(path, n=7):
    names = [p.rsplit(":", 1)[-1] for p in path]
    return " > ".join(names[:n]) + (" > ..." if len(names) > n else "")


def kib(n):
    return "%6.1f KiB" % (n / 1024.0)


def main():
    args = sys.argv[1:]
    check = "--check" in args
    args = [a for a in args if a != "--check"]
    if len(args) != 1:
        sys.exit("usage: size.py [--check] BUILD_DIR")
    bdir = args[0]
    elf = os.path.join(bdir, "ports/cortex-m/trimeter-fw.elf")
    mapf = os.path.join(bdir, "ports/cortex-m/trimeter-fw.map")
    for f in (elf, mapf):
        if not os.path.exists(f):
            sys.exit("size: %s missing (build the cortex-m preset first)" % f)
    flash = {m: 0 for m in MODULES}
    ram = {m: 0 for m in MODULES}
    detail = {m: [0, 0, 0, 0] for m in MODULES}  # text+rodata, data, bss
    stack = fill_flash = fill_ram = 0
    sec_size = {}
    for out_sec, name, size, obj in parse_map(mapf):
        if obj == "__section__":
            sec_size[out_sec] = size
            continue
        if out_sec not in FLASH_SECTIONS and out_sec not in RAM_SECTIONS:
            continue
        if name == "*fill*":
            if out_sec in FLASH_SECTIONS:
                fill_flash += size
            if out_sec in RAM_SECTIONS:
                fill_ram += size
            continue
        mod = module_of(obj)
        if name == ".bss.meter" and mod == "port":
            mod = "struct meter"  # the core's whole state, allocated by the port's main.c
        if mod not in flash:
            flash[mod] = ram[mod] = 0
            detail[mod] = [0, 0, 0, 0]
            MODULES.append(mod)
        if out_sec in FLASH_SECTIONS:
            flash[mod] += size
        if out_sec in RAM_SECTIONS:
            ram[mod] += size
        if out_sec == ".data":
            detail[mod][1] += size
        elif out_sec in (".bss", ".noinit"):
            detail[mod][2] += size
        else:
            detail[mod][0] += size
    stack = sec_size.get(".stack", 0)
    # Output-section padding not covered by *fill* lines (ALIGN at section starts).
    inputs_flash = sum(flash.values()) + fill_flash
    inputs_ram = sum(ram.values()) + fill_ram + stack
    tool = os.environ.get("SIZE", "arm-none-eabi-size")
    text, data, bss = berkeley(tool, elf)
    total_flash, total_ram = text + data, data + bss
    fill_flash += total_flash - inputs_flash
    fill_ram += total_ram - inputs_ram

    print("trimeter-fw.elf (production: no semihosting, no debug text), MPS2 AN385 Cortex-M3, MinSizeRel")
    print("%-14s %10s %10s %8s %8s %8s" % ("module", "flash", "RAM", "code+ro", "data", "bss"))
    print("(module RAM = its file-scope data; the core keeps all state in struct meter, listed apart)")
    for m in MODULES:
        if flash[m] == 0 and ram[m] == 0:
            continue
        t, d, b, _ = detail[m]
        print("%-14s %10d %10d %8d %8d %8d" % (m, flash[m], ram[m], t, d, b))
    print("%-14s %10s %10d" % ("stack (rsvd)", "", stack))
    print("%-14s %10d %10d" % ("align/fill", fill_flash, fill_ram))
    print("%-14s %10d %10d" % ("TOTAL", total_flash, total_ram))
    sum_flash = sum(flash.values()) + fill_flash
    sum_ram = sum(ram.values()) + fill_ram + stack
    print("%-14s %10d %10d   (%s, %s)" % ("budget", FLASH_BUDGET, RAM_BUDGET, kib(FLASH_BUDGET), kib(RAM_BUDGET)))
    print("%-14s %10d %10d   (flash %.1f %% used, RAM %.1f %% used)" % (
        "margin", FLASH_BUDGET - total_flash, RAM_BUDGET - total_ram,
        100.0 * total_flash / FLASH_BUDGET, 100.0 * total_ram / RAM_BUDGET))
    ok = sum_flash == total_flash and sum_ram == total_ram
    print("check: modules sum to the image totals (arm-none-eabi-size: text %d data %d bss %d): %s" % (
        text, data, bss, "ok" if ok else "MISMATCH"))
    legal = sec_size.get(".legal")
    if legal is not None:
        print("legal region (.legal, CRC 0.2.8): %d bytes of code+constants (src/metrology, src/registers/energy*)" % legal)

    gone = discarded(mapf)
    if gone:
        print("core bytes dropped by --gc-sections (unreferenced from the ISR / main loop / port rx): " +
              ", ".join("%s %d" % (m, gone[m]) for m in sorted(gone)))

    lay = struct_layout(os.environ.get("READELF", "arm-none-eabi-readelf"), elf, "meter")
    if lay:
        size, members = lay
        members = [(n, o) for n, o in members if o is not None]
        members.sort(key=lambda x: x[1])
        sizes = []
        for k, (n, o) in enumerate(members):
            end = members[k + 1][1] if k + 1 < len(members) else size
            sizes.append((end - o, n))
        sizes.sort(reverse=True)
        print("sizeof(struct meter) = %d bytes (%.1f %% of the RAM budget); biggest members:" % (
            size, 100.0 * size / RAM_BUDGET))
        print("   " + ", ".join("%s %d" % (n, s) for s, n in sizes[:8]))
    else:
        print("sizeof(struct meter): no DWARF in %s" % elf)

    problems = []
    sw = stack_worst(mapf, elf)
    if sw is None:
        print("stack: no call-graph files (*.ci) next to the objects (ports/cortex-m adds -fcallgraph-info=su)")
        problems.append("no call graphs: the stack reservation cannot be checked")
    else:
        thread, levels, ntaken, notes = sw
        total = thread[0] + sum(l[1] for l in levels)
        print("stack, static worst case (GCC call graphs; %d address-taken functions as indirect targets):" % ntaken)
        print("   main path %5d  %s" % (thread[0], short(thread[1], 40)))
        for name, d, path in levels:
            print("   + %-40s %5d  %s" % (name, d, short(path, 5)))
        print("   = %d bytes worst case with every interrupt level nested; %d reserved (%s)" % (
            total, stack, "ok" if total <= stack else "TOO SMALL"))
        for n in sorted(notes):
            print("   note: " + n)
        if total > stack:
            problems.append("stack reservation %d < worst case %d (raise __stack_size in ld/mps2_an385_fw.ld)" % (
                stack, total))
    if total_flash > FLASH_BUDGET:
        problems.append("flash over budget")
    if total_ram > RAM_BUDGET:
        problems.append("RAM over budget")
    if not ok:
        problems.append("per-module sums do not match the image totals")
    nm = subprocess.run([os.environ.get("NM", "arm-none-eabi-nm"), elf], capture_output=True, text=True,
                        check=True).stdout
    have = {ln.split()[-1] for ln in nm.splitlines() if ln.strip()}
    missing = [s for s in REQUIRED if s not in have]
    if missing:
        problems.append("core entry points missing from the production image: " + ", ".join(missing))
    bad_libc = [s for s in ("printf", "_printf_i", "_vfprintf_r", "_write", "initialise_monitor_handles",
                            "malloc", "_sbrk") if s in have]
    if bad_libc:
        problems.append("production image links " + ", ".join(bad_libc))
    for p in problems:
        print("FAIL: " + p)
    if check and problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
