"""`xltnb.reproduce.die_with_parent`, the watcher every paper kernel starts: the kernel's whole process group (the
kernel and the worker processes it started) ends once the process that started the kernel is gone, even by SIGKILL,
and once the kernel itself ends without its workers (ipykernel's own parent check ends it alone). Processes stand in
for the command, the kernel and a worker; nothing depends on the machine being quiet: each check waits up to a
minute for the group to be gone."""
import os, signal, subprocess, sys, time
from pathlib import Path

import pytest

# the stand-in kernel: its own session (as jupyter starts one), the watcher, one worker in its group; then it either
# waits or ends by itself, leaving the worker
KERNEL = """
import os, subprocess, sys, time
import xltnb.reproduce as r
r.die_with_parent(poll_s=0.05)
w = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])
open(sys.argv[1], 'w').write(f'{os.getpid()} {w.pid}')
time.sleep(600) if sys.argv[2] == 'wait' else os._exit(0)
"""
# the stand-in command: starts the kernel as run_paper does (its pid in XLTNB_KERNEL_PARENT) and waits
COMMAND = """
import os, subprocess, sys, time
subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2], sys.argv[3]], start_new_session=True,
                 env={**os.environ, 'XLTNB_KERNEL_PARENT': str(os.getpid())})
time.sleep(600)
"""

def _alive(pid: int) -> bool:
    try: state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except OSError: return False
    return state not in ('Z', 'X')

def _started(f: Path, cmd) -> list[int]:
    deadline = time.time() + 120
    while time.time() < deadline and not (f.exists() and f.read_text().strip()): time.sleep(0.05)
    assert f.exists(), f'the stand-in kernel did not start: {cmd.poll()}'
    return [int(x) for x in f.read_text().split()]

@pytest.mark.skipif(not Path('/proc/self/stat').exists(), reason='the watcher process reads /proc (Linux)')
@pytest.mark.parametrize('how', ['command killed', 'kernel ends alone'])
def test_the_kernel_group_ends_with_its_command(tmp_path, how):
    f = tmp_path/'pids'
    mode = 'wait' if how == 'command killed' else 'exit'
    cmd = subprocess.Popen([sys.executable, '-c', COMMAND, KERNEL, str(f), mode], start_new_session=True,
                           stdin=subprocess.DEVNULL)
    kernel = worker = None
    try:
        kernel, worker = _started(f, cmd)
        if how == 'command killed':
            assert _alive(kernel) and _alive(worker)
            os.kill(cmd.pid, signal.SIGKILL); cmd.wait()
        deadline = time.time() + 60
        while time.time() < deadline and (_alive(kernel) or _alive(worker)): time.sleep(0.05)
        assert not _alive(kernel) and not _alive(worker), f'{how}: kernel {kernel} or worker {worker} still running'
    finally:  # whatever the outcome, nothing of the test runs on (the command's and the kernel's sessions)
        for pid in (cmd.pid, kernel, worker):
            if pid and _alive(pid): os.kill(pid, signal.SIGKILL)
        cmd.wait()
