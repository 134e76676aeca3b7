# Helpers for scenario scripts inside the guest (busybox sh).
#   . /usr/share/vmtest/lib.sh
# Each check prints "ok - WHAT" or "not ok - WHAT" on the console and appends
# the same line to /results/checks.txt, which the host counts. End a script
# with `vm_done`: it exits 1 when any check failed.

vm_ok() {
    echo "ok - $*" | tee -a /results/checks.txt
}

vm_not_ok() {
    echo "not ok - $*" | tee -a /results/checks.txt
}

# vm_check WHAT CMD [ARGS...]: runs CMD, records ok/not ok by its exit status.
# CMD's output goes to the console, where a failure can be read.
vm_check() {
    _what=$1
    shift
    if "$@"; then
        vm_ok "$_what"
    else
        vm_not_ok "$_what (exit $?)"
    fi
}

# vm_disk SERIAL: the /dev/vdX whose virtio serial is SERIAL (the init also
# links it as /dev/disk/by-id/virtio-SERIAL).
vm_disk() {
    readlink -f "/dev/disk/by-id/virtio-$1"
}

vm_done() {
    if grep -q '^not ok' /results/checks.txt 2>/dev/null; then
        exit 1
    fi
    exit 0
}
