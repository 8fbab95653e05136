#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""The vmscope in-VM test suite.

Run as root inside the guest, from anywhere, with the module loaded:
    /usr/bin/python3 tests/vm/suite.py [NAME-SUBSTRING...]
Prints TAP and ends with "N passed, N failed, N skipped"; exits 0 iff no
test failed.  Standard library only.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import harness  # noqa: E402
# Importing a test module registers its tests, in this order.
import test_maps  # noqa: E402,F401
import test_proc  # noqa: E402,F401
import test_errors  # noqa: E402,F401
import test_netlink  # noqa: E402,F401
import test_faults  # noqa: E402,F401
import test_watch  # noqa: E402,F401
import test_races  # noqa: E402,F401  (last: it ends with the kernel log check)


def main():
    if os.geteuid() != 0:
        print("suite.py: must run as root", file=sys.stderr)
        return 2
    try:
        harness.KLOG_BASELINE = harness.kernel_log()
    except Exception as e:  # reported by the kernel log test
        print(f"# cannot read the kernel log: {e}")
    return harness.main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
