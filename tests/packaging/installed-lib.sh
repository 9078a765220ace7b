# One life cycle of the installed hook (prepare → start → started → release)
# on the simulated T4 host, and what the installed vgpuctl says of it.
# Sourced by tests/packaging/test-install.sh (make install DESTDIR=…) and
# tests/packaging/test-deb.sh (the .deb installed in a private mount namespace) after
# they set HOOK (the path libvirt runs, e.g. the link in its hook directory)
# and VGPUCTL to installed programs; VGPU_HOOK_MODULE names the installed
# module, or is unset so that the hook loads the path built into it.
. "$top_srcdir/tests/harness/hooklib.sh"
. "$top_srcdir/tests/harness/faultlib.sh"

installed_life_cycle() {
        local U1=3b0e1c2d-0000-4000-8000-00000000aa01 D1=5e1d2c3b-4a59-4687-9a8b-7c6d5e4f3a01
        local xml
        fresh t4
        xml="$ROOT/vm1.xml"
        profile t4-4q '{"mdev_type": {"name": "GRID T4-4Q"}}'
        domain vm1 $D1 "<vgpu:mdev uuid='$U1' profile='t4-4q'/>" $U1 >"$xml"
        hook "$xml" vm1 prepare begin -
        check "installed hook: prepare creates the mdev ($err)" [ "$rc" = 0 ] && mdev_exists $U1
        check "installed hook: on the T4" [ "$(mdev_parent $U1)" = 0000:3b:00.0 ]
        hook "$xml" vm1 start begin -
        check "installed hook: start begin exits 0" [ "$rc" = 0 ]
        fake_qemu vm1 $D1
        hook "$xml" vm1 started begin -
        check "installed hook: started exits 0" [ "$rc" = 0 ]
        check "installed vgpuctl: the lease is active" [ "$(lease_state $U1)" = active ]
        check "installed vgpuctl: inventory shows the instance" grep -q "$U1" <("$VGPUCTL" inventory --root "$ROOT")
        qemu_exit vm1
        hook "$xml" vm1 stopped end -
        hook "$xml" vm1 release end -
        check "installed hook: release removes the mdev" [ "$rc" = 0 ] && not mdev_exists $U1
        check "installed vgpuctl: no lease left" [ "$(lease_count)" = 0 ]
}
